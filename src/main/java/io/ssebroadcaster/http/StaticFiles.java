package io.ssebroadcaster.http;

import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.staticcontent.StaticContentService;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The client scripts and demo page from the jar's {@code web/} folder under {@code /static/} and
 * {@code /demo/}, and jQuery from the {@code org.webjars:jquery} jar as {@code /static/jquery.min.js},
 * so pages never need a CDN.
 */
final class StaticFiles {

    private StaticFiles() {
    }

    static void register(HttpRouting.Builder routing) {
        routing.register("/static", StaticContentService.builder(jqueryRoot()).build());
        routing.register("/static", StaticContentService.builder("web").build());
        routing.register("/demo", StaticContentService.builder("web/demo").welcomeFileName("index.html").build());
    }

    /** The webjar's folder, found from its own Maven metadata so a version bump needs no code change. */
    private static String jqueryRoot() {
        String props = "META-INF/maven/org.webjars/jquery/pom.properties";
        try (InputStream in = StaticFiles.class.getClassLoader().getResourceAsStream(props)) {
            if (in == null) {
                throw new IllegalStateException("org.webjars:jquery is not on the class path");
            }
            Properties p = new Properties();
            p.load(in);
            return "META-INF/resources/webjars/jquery/" + p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
