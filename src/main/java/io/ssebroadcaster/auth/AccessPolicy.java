package io.ssebroadcaster.auth;

import io.ssebroadcaster.config.Settings;
import io.ssebroadcaster.hub.ChannelName;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.function.Predicate;

/**
 * Who may publish and subscribe.
 *
 * <p>Publishing is open unless a publisher key ({@code --http-secret}) or token keys are set; then
 * a publish needs the key (all channels) or a token whose {@code publish} claim covers every channel.
 * Subscribing needs a token whose {@code subscribe} claim covers each private channel
 * ({@code --private-channels}, or every channel with {@code --require-auth}). A pattern subscription
 * counts as private when it could match a private channel.
 */
public final class AccessPolicy {

    private final byte[] secretDigest;
    private final TokenVerifier tokens;
    private final List<String> privateChannels;
    private final boolean requireAuth;

    public AccessPolicy(String httpSecret, Settings.Security security) {
        this.secretDigest = httpSecret == null ? null : sha256(httpSecret);
        this.tokens = security.tokensEnabled() ? new TokenVerifier(security.jwtSecret(), security.jwtPublicKey()) : null;
        this.privateChannels = security.privateChannels();
        this.requireAuth = security.requireAuth();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * @param credentials the body's {@code key} and the bearer value, either may be null
     * @throws AccessDeniedException when the publish is not allowed
     */
    public void checkPublish(List<String> credentials, List<String> channels) {
        if (secretDigest == null && tokens == null) {
            return;
        }
        List<String> given = credentials.stream().filter(c -> c != null && !c.isEmpty()).toList();
        if (given.isEmpty()) {
            throw new AccessDeniedException("missing publisher key or token", false);
        }
        AccessDeniedException denied = null;
        for (String credential : given) {
            // Comparing fixed-length digests takes the same time wherever the keys differ
            if (secretDigest != null && MessageDigest.isEqual(secretDigest, sha256(credential))) {
                return;
            }
            if (tokens != null && credential.indexOf('.') > 0) {
                try {
                    Token token = tokens.verify(credential);
                    for (String channel : channels) {
                        if (!token.canPublish(channel)) {
                            throw new AccessDeniedException("token does not allow publishing to '" + channel + "'", true);
                        }
                    }
                    return;
                } catch (AccessDeniedException e) {
                    denied = e;
                }
            }
        }
        throw denied != null ? denied : new AccessDeniedException("wrong publisher key", false);
    }

    /**
     * @return the verified token, or null when none was needed
     * @throws AccessDeniedException when a channel needs a token that is missing, bad, or does not cover it
     */
    public Token checkSubscribe(String token, List<String> channels) {
        List<String> needing = channels.stream().filter(this::needsToken).toList();
        if (needing.isEmpty()) {
            return null;
        }
        if (token == null || token.isEmpty()) {
            throw new AccessDeniedException("channel '" + needing.get(0) + "' needs a token", false);
        }
        Token verified = tokens.verify(token);
        for (String channel : needing) {
            if (!verified.canSubscribe(channel)) {
                throw new AccessDeniedException("token does not allow subscribing to '" + channel + "'", true);
            }
        }
        return verified;
    }

    /**
     * Which channels a caller may see named (in {@code /stats}): a private channel's name can tell an
     * anonymous caller more than it should, so it is shown only with the publisher key, or with a
     * token whose {@code subscribe} claim covers it. A bad credential just sees the public ones.
     *
     * @param credential the caller's bearer value, or null
     */
    public Predicate<String> mayName(String credential) {
        Predicate<String> publicOnly = channel -> !needsToken(channel);
        if (privateChannels.isEmpty() && !requireAuth) {
            return channel -> true;
        }
        if (credential == null || credential.isEmpty()) {
            return publicOnly;
        }
        if (secretDigest != null && MessageDigest.isEqual(secretDigest, sha256(credential))) {
            return channel -> true;
        }
        if (tokens != null && credential.indexOf('.') > 0) {
            try {
                Token token = tokens.verify(credential);
                return publicOnly.or(token::canSubscribe);
            } catch (AccessDeniedException e) {
                return publicOnly;
            }
        }
        return publicOnly;
    }

    boolean needsToken(String channelOrPattern) {
        if (requireAuth) {
            return true;
        }
        for (String p : privateChannels) {
            if (ChannelName.isPattern(channelOrPattern) ? mayOverlap(p, channelOrPattern) : ChannelName.matches(p, channelOrPattern)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether two patterns could match a common channel. Exact overlap is costly to decide; this
     * answers "no" only when their fixed prefixes differ, which is sound (never a wrong "no").
     */
    static boolean mayOverlap(String a, String b) {
        String pa = prefix(a);
        String pb = prefix(b);
        return pa.startsWith(pb) || pb.startsWith(pa);
    }

    private static String prefix(String pattern) {
        int star = pattern.indexOf('*');
        return star < 0 ? pattern : pattern.substring(0, star);
    }
}
