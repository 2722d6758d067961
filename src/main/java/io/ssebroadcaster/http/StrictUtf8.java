package io.ssebroadcaster.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Text that is exactly what the client sent, or an error: bytes that are not UTF-8, and strings
 * holding half of a surrogate pair (JSON can escape one, {@code "\ud800"}), cannot be sent on as
 * UTF-8 without being altered (Java writes {@code ?} for them), so they are refused rather than
 * silently changed.
 */
final class StrictUtf8 {

    private StrictUtf8() {
    }

    /** @throws CharacterCodingException when the bytes are not well-formed UTF-8 */
    static String decode(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
    }

    /** Whether {@code s} has a high surrogate not followed by a low one, or a low one on its own. */
    static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return true;
                }
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}
