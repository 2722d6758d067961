package io.ssebroadcaster.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The smaller holes of issue 12, item 10, each as an attacker or an unlucky client meets it: what
 * {@code /stats} tells anyone, JSON that is not quite text, an empty message, a HEAD with an empty
 * Origin, and a token whose {@code subscribe} claim is a string.
 */
class SmallHardeningTest {

    static final String SECRET = "0123456789abcdef0123456789abcdef-small";
    static SseBroadcaster server;
    static int port;

    @BeforeAll
    static void start() {
        server = TestServers.start("--jwt-secret", SECRET, "--http-secret", "pubkey",
                "--private-channels", "secret-*");
        port = server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String token(Object subscribe) {
        try {
            JWTClaimsSet claims = new JWTClaimsSet.Builder().subject("tester").claim("subscribe", subscribe).build();
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
            jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The channel names /stats lists, in name order. */
    static String channelsIn(HttpResponse<String> stats) {
        assertEquals(200, stats.statusCode(), stats.body());
        return Http.json(stats.body()).getJsonArray("channels").getValuesAs(jakarta.json.JsonArray.class).stream()
                .map(pair -> pair.getString(0)).sorted().toList().toString();
    }

    static void assertJsonError(int status, HttpResponse<String> r, String why) {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.headers().toString());
        JsonObject body = Http.json(r.body());
        assertEquals("error", body.getString("status"));
        assertTrue(body.getString("error").contains(why), r.body());
    }

    @Test
    void statsNameAPrivateChannelOnlyToACallerThatMayKnowIt() {
        try (SseClient open = SseClient.open(port, "channels=news");
             SseClient hidden = SseClient.open(port, "channels=secret-board&token=" + token(List.of("secret-*")))) {
            Await.until(() -> server.hub().stats().streams() == 2, "both subscribed");
            assertEquals("[news]", channelsIn(Http.get(port, "/stats")), "anonymous: public channels only");
            assertEquals("[news]", channelsIn(Http.get(port, "/stats", "Authorization", "Bearer wrong")));
            assertEquals("[news]", channelsIn(Http.get(port, "/stats", "Authorization",
                    "Bearer " + token(List.of("other-*")))), "a token that does not cover it");
            String all = "[news, secret-board]";
            assertEquals(all, channelsIn(Http.get(port, "/stats", "Authorization", "Bearer pubkey")), "the publisher key");
            assertEquals(all, channelsIn(Http.get(port, "/stats", "Authorization",
                    "Bearer " + token(List.of("secret-*")))), "a token that covers it");
            JsonObject stats = Http.json(Http.get(port, "/stats").body());
            assertEquals(2, stats.getJsonObject("connections").getInt("stream"), "the totals still count everyone");
        }
    }

    @Test
    void jsonThatIsNotUtf8IsRefusedNotAltered() {
        byte[] body = "{\"channel\":\"json\",\"message\":\"caf\u00e9 \"}".getBytes(StandardCharsets.ISO_8859_1); // é as one byte 0xE9
        HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/publish"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer pubkey")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
        assertJsonError(400, r, "UTF-8");
    }

    @Test
    void jsonWithHalfASurrogatePairIsRefusedNotAltered() {
        for (String message : new String[] {"\"a\\ud800b\"", "\"\\udc00\"", "{\"x\":\"\\ud83d\"}"}) {
            HttpResponse<String> r = Http.post(port, "application/json",
                    "{\"channel\":\"json\",\"message\":" + message + "}", "Authorization", "Bearer pubkey");
            assertJsonError(400, r, "surrogate");
        }
        HttpResponse<String> r = Http.post(port, "application/json",
                "{\"channel\":\"json\",\"event\":\"e\\ud800\",\"message\":\"m\"}", "Authorization", "Bearer pubkey");
        assertJsonError(400, r, "surrogate");
        HttpResponse<String> pair = Http.post(port, "application/json",
                "{\"channel\":\"json\",\"message\":\"\\ud83d\\ude00\"}", "Authorization", "Bearer pubkey");
        assertEquals(200, pair.statusCode(), "a whole pair is fine: " + pair.body());
    }

    @Test
    void anEmptyMessageIsRefusedRatherThanMaybeNeverSeen() {
        assertJsonError(400, Http.postForm(port, "channel=e&message=&key=pubkey"), "empty 'message'");
        assertJsonError(400, Http.post(port, "application/json", "{\"channel\":\"e\",\"message\":\"\",\"key\":\"pubkey\"}"),
                "empty 'message'");
        assertEquals(200, Http.postForm(port, "channel=e&message=%20&key=pubkey").statusCode(), "a space is a message");
    }

    @Test
    void headWithAnEmptyOriginGetsTheJsonRefusalHeaders() throws IOException {
        for (String method : new String[] {"HEAD", "GET"}) {
            String answer = raw(method + " /?channels=a HTTP/1.1\r\nHost: elsewhere.example\r\nOrigin: \r\n"
                    + "Connection: close\r\n\r\n");
            String head = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
            assertTrue(head.startsWith("http/1.1 403"), method + ": " + answer);
            assertTrue(head.contains("content-type: application/json"), method + ": " + answer);
            if (method.equals("GET")) {
                assertTrue(answer.contains("{\"status\":\"error\",\"error\":\"origin not allowed"), answer);
            } else {
                assertFalse(head.contains("content-length: 0"), "HEAD says how long the JSON body would be: " + answer);
            }
        }
    }

    @Test
    void aSubscribeClaimThatIsAStringIsNamed() {
        HttpResponse<String> r = Http.get(port, "/?channels=secret-x&transport=poll&token=" + token("secret-*"));
        assertEquals(401, r.statusCode(), r.body());
        assertTrue(Http.json(r.body()).getString("error").contains("claim 'subscribe'"), r.body());
    }

    /**
     * Sends a request on a plain socket; reads the answer's head and, unless it is a HEAD, a body of
     * its Content-Length (an event stream, which has none, is not read further).
     */
    static String raw(String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            while (!got.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return got.toString(StandardCharsets.ISO_8859_1);
                }
                got.write(b);
            }
            String head = got.toString(StandardCharsets.ISO_8859_1);
            java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
            if (!request.startsWith("HEAD") && length.find()) {
                got.write(in.readNBytes(Integer.parseInt(length.group(1))));
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
