package io.ssebroadcaster.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.proc.SingleKeyJWSKeySelector;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jose.JOSEException;

import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * Verifies JWTs with nimbus-jose-jwt: HS256 with a shared secret, and/or RS256 or ES256 with a PEM
 * public key. Signature, algorithm, {@code exp} and {@code nbf} are checked by the library.
 */
public final class TokenVerifier {

    /** Tolerated clock difference with the token issuer, for exp and nbf alike. */
    public static final int CLOCK_SKEW_SECONDS = 5;

    private final List<DefaultJWTProcessor<SecurityContext>> processors = new ArrayList<>();

    public TokenVerifier(String hmacSecret, Path publicKeyPem) {
        if (hmacSecret != null) {
            processors.add(processor(JWSAlgorithm.HS256,
                    new SecretKeySpec(hmacSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256")));
        }
        if (publicKeyPem != null) {
            PublicKey key = readPem(publicKeyPem);
            processors.add(processor("EC".equals(key.getAlgorithm()) ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256, key));
        }
    }

    private static DefaultJWTProcessor<SecurityContext> processor(JWSAlgorithm alg, java.security.Key key) {
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSKeySelector(new SingleKeyJWSKeySelector<>(alg, key));
        // exp and nbf are enforced when present; no claim is required
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(null, Set.of());
        claims.setMaxClockSkew(CLOCK_SKEW_SECONDS);
        p.setJWTClaimsSetVerifier(claims);
        return p;
    }

    /** Reads an X.509 SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY"), RSA or EC. */
    static PublicKey readPem(Path file) {
        String pem;
        try {
            pem = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(base64);
        for (String alg : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(file + " holds no RSA or EC public key in PEM (BEGIN PUBLIC KEY)");
    }

    /**
     * @throws AccessDeniedException (unauthenticated) for a malformed, badly signed, expired or
     *                               not-yet-valid token
     */
    public Token verify(String jwt) {
        String reason = "invalid token";
        for (DefaultJWTProcessor<SecurityContext> p : processors) {
            try {
                JWTClaimsSet claims = p.process(jwt, null);
                // A stream ends when a fresh request with the same token would be refused
                return new Token(list(claims, "publish"), list(claims, "subscribe"),
                        claims.getExpirationTime() == null ? null
                                : claims.getExpirationTime().toInstant().plusSeconds(CLOCK_SKEW_SECONDS));
            } catch (ParseException e) {
                throw new AccessDeniedException("malformed token", false);
            } catch (BadJOSEException e) {
                String m = e.getMessage() == null ? "" : e.getMessage();
                reason = m.contains("xpired") ? "token expired" : m.contains("before") ? "token not valid yet" : reason;
            } catch (AccessDeniedException e) {
                throw e; // a well-signed token with a malformed claim: say which claim
            } catch (JOSEException | RuntimeException e) {
                // a key/algorithm mismatch for this processor: try the next
            }
        }
        throw new AccessDeniedException(reason, false);
    }

    private static List<String> list(JWTClaimsSet claims, String name) {
        try {
            List<String> values = claims.getStringListClaim(name);
            return values == null ? List.of() : List.copyOf(values);
        } catch (ParseException e) {
            throw new AccessDeniedException("claim '" + name + "' must be an array of channel names", false);
        }
    }
}
