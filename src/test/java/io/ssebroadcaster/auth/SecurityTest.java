package io.ssebroadcaster.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Publisher key, JWT claims, private channels and their token carriers, expiry, CORS credentials. */
class SecurityTest {

    static final String SECRET = "0123456789abcdef0123456789abcdef-test";
    static SseBroadcaster server;
    static int port;

    @BeforeAll
    static void start() {
        server = TestServers.start("--jwt-secret", SECRET, "--http-secret", "pubkey",
                "--private-channels", "private-*,admin", "--cors-origins", "http://app.example");
        port = server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String token(JWSSigner signer, JWSAlgorithm alg, List<String> publish, List<String> subscribe, Date expires) {
        try {
            JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject("tester")
                    .claim("publish", publish).claim("subscribe", subscribe);
            if (expires != null) {
                claims.expirationTime(expires);
            }
            SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims.build());
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hs(List<String> publish, List<String> subscribe, Date expires) {
        try {
            return token(new MACSigner(SECRET.getBytes()), JWSAlgorithm.HS256, publish, subscribe, expires);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static Date inSeconds(int s) {
        return new Date(System.currentTimeMillis() + s * 1000L);
    }

    static void assertError(int status, HttpResponse<String> r) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("error", Http.json(r.body()).getString("status"));
    }

    @Test
    void publishNeedsTheKeyOrATokenCoveringEveryChannel() {
        assertError(401, Http.postForm(port, "channel=news&message=x"));
        assertEquals(200, Http.postForm(port, "channel=news&message=x&key=pubkey").statusCode());
        assertEquals(200, Http.postForm(port, "channel=news&message=x", "Authorization", "Bearer pubkey").statusCode());
        String news = hs(List.of("news", "sport.*"), List.of(), inSeconds(60));
        assertEquals(200, Http.postForm(port, "channel=news&channel=sport.live&message=x", "Authorization", "Bearer " + news).statusCode());
        assertError(403, Http.postForm(port, "channel=news&channel=weather&message=x", "Authorization", "Bearer " + news));
        assertError(401, Http.postForm(port, "channel=news&message=x", "Authorization", "Bearer " + news + "x"));
        assertError(401, Http.postForm(port, "channel=news&message=x", "Authorization", "Bearer "
                + hs(List.of("news"), List.of(), inSeconds(-60))));
        assertTrue(Http.json(Http.postForm(port, "channel=news&message=x", "Authorization", "Bearer "
                + hs(List.of("news"), List.of(), inSeconds(-60))).body()).getString("error").contains("expired"));
        HttpResponse<String> unauth = Http.postForm(port, "channel=news&message=x");
        assertEquals("Bearer", unauth.headers().firstValue("WWW-Authenticate").orElse(""));
    }

    @Test
    void privateChannelsNeedATokenInHeaderCookieOrQuery() {
        assertError(401, Http.get(port, "/?channels=private-a"));
        assertError(401, Http.get(port, "/?channels=admin"));
        assertError(401, Http.get(port, "/?channels=public,private-a"));
        assertError(401, Http.get(port, "/?channels=*"), "a pattern that could match a private channel");
        String a = hs(List.of(), List.of("private-a"), inSeconds(60));
        assertError(403, Http.get(port, "/?channels=private-b&token=" + a));
        assertError(401, Http.get(port, "/?channels=private-a&token=garbage"));
        try (SseClient viaHeader = SseClient.open(port, "channels=private-a", "Authorization", "Bearer " + a);
             SseClient viaCookie = SseClient.open(port, "channels=private-a", "Cookie", "sse_token=" + a);
             SseClient viaQuery = SseClient.open(port, "channels=private-a&token=" + a);
             SseClient publicPattern = SseClient.open(port, "channels=news.*")) {
            for (SseClient c : List.of(viaHeader, viaCookie, viaQuery, publicPattern)) {
                assertEquals(200, c.status());
                c.awaitComments(1);
            }
            Http.postForm(port, "channel=private-a&message=secret&key=pubkey");
            Http.postForm(port, "channel=news.x&message=public&key=pubkey");
            for (SseClient c : List.of(viaHeader, viaCookie, viaQuery)) {
                assertEquals("secret", c.awaitCount(1).get(0).data());
            }
            assertEquals(List.of("public"), publicPattern.awaitCount(1).stream().map(SseClient.Received::data).toList());
        }
    }

    static void assertError(int status, HttpResponse<String> r, String why) {
        assertEquals(status, r.statusCode(), why + ": " + r.body());
    }

    @Test
    void anOpenStreamIsClosedWhenItsTokenExpires() {
        String shortLived = hs(List.of(), List.of("private-x"), inSeconds(2));
        try (SseClient sub = SseClient.open(port, "channels=private-x&token=" + shortLived)) {
            assertEquals(200, sub.status());
            sub.awaitComments(1);
            sub.awaitEnd(20, TimeUnit.SECONDS); // exp plus the 5 s of tolerated clock skew
        }
        assertError(401, Http.get(port, "/?channels=private-x&token=" + shortLived));
    }

    @Test
    void corsNamesOriginsAndAllowsCredentialsWhenOriginsAreListed() {
        HttpResponse<String> r = Http.get(port, "/stats", "Origin", "http://app.example");
        assertEquals("http://app.example", r.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
        assertEquals("true", r.headers().firstValue("Access-Control-Allow-Credentials").orElseThrow());
        HttpResponse<String> other = Http.get(port, "/stats", "Origin", "http://evil.example");
        assertFalse(other.headers().firstValue("Access-Control-Allow-Origin").isPresent()
                && other.headers().firstValue("Access-Control-Allow-Origin").get().equals("http://evil.example"));
    }

    @Test
    void rs256AndEs256TokensVerifiedWithAPemPublicKey(@TempDir Path dir) throws Exception {
        for (String alg : List.of("RSA", "EC")) {
            KeyPairGenerator gen = KeyPairGenerator.getInstance(alg);
            if (alg.equals("EC")) {
                gen.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                gen.initialize(2048);
            }
            KeyPair pair = gen.generateKeyPair();
            Path pem = dir.resolve(alg + ".pem");
            Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pair.getPublic().getEncoded())
                    + "\n-----END PUBLIC KEY-----\n");
            try (SseBroadcaster s = TestServers.start("--jwt-public-key", pem.toString(), "--require-auth")) {
                String t = alg.equals("EC")
                        ? token(new ECDSASigner((ECPrivateKey) pair.getPrivate()), JWSAlgorithm.ES256, List.of("*"), List.of("*"), inSeconds(60))
                        : token(new RSASSASigner(pair.getPrivate()), JWSAlgorithm.RS256, List.of("*"), List.of("*"), inSeconds(60));
                assertError(401, Http.get(s.port(), "/?channels=anything"), "require-auth without token");
                try (SseClient sub = SseClient.open(s.port(), "channels=anything", "Authorization", "Bearer " + t)) {
                    assertEquals(200, sub.status(), alg);
                    sub.awaitComments(1);
                    assertEquals(200, Http.postForm(s.port(), "channel=anything&message=ok", "Authorization", "Bearer " + t).statusCode());
                    assertEquals("ok", sub.awaitCount(1).get(0).data());
                }
                // an HS256 token signed with some secret is not accepted by a key-only server
                assertError(401, Http.get(s.port(), "/?channels=anything&token=" + hs(List.of(), List.of("*"), inSeconds(60))),
                        "wrong algorithm");
            }
        }
    }

    @Test
    void requestLineAndHeaderLimits() {
        HttpResponse<String> longLine = Http.get(port, "/?channels=" + "a".repeat(40_000));
        assertEquals(414, longLine.statusCode());
        assertEquals("error", Http.json(longLine.body()).getString("status"));
        HttpResponse<String> bigHeaders = Http.get(port, "/stats", "X-Big", "b".repeat(20_000));
        assertEquals(431, bigHeaders.statusCode());
        assertEquals("error", Http.json(bigHeaders.body()).getString("status"));
        Await.until(() -> Http.get(port, "/stats").statusCode() == 200, "still serving");
    }
}
