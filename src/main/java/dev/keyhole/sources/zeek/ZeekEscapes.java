package dev.keyhole.sources.zeek;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Zeek's value escaping: bytes that are not printable UTF-8, and text that would clash with a
 * separator or the unset/empty markers, are written as {@code \xNN}; a backslash as {@code \\}.
 * Decoding restores the bytes and reads them as UTF-8 (invalid sequences become U+FFFD).
 */
final class ZeekEscapes {
    private ZeekEscapes() {}

    static String decode(byte[] b, int from, int to) {
        return decode(b, from, to, true);
    }

    /**
     * @param backslashEscaped true for TSV, where Zeek writes a literal backslash as {@code \\};
     *                         JSON output does not, so there {@code \\} stays as it is
     */
    static String decode(byte[] b, int from, int to, boolean backslashEscaped) {
        int i = from;
        while (i < to && b[i] != '\\') i++;
        if (i == to) return new String(b, from, to - from, StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        out.write(b, from, i - from);
        while (i < to) {
            byte c = b[i];
            if (c == '\\' && i + 1 < to) {
                byte n = b[i + 1];
                if (n == 'x' && i + 3 < to && hex(b[i + 2]) >= 0 && hex(b[i + 3]) >= 0) {
                    out.write((hex(b[i + 2]) << 4) | hex(b[i + 3]));
                    i += 4;
                    continue;
                }
                if (n == '\\' && backslashEscaped) {
                    out.write('\\');
                    i += 2;
                    continue;
                }
            }
            out.write(c);
            i++;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * A decoded JSON string value: Zeek's JSON writer puts the same {@code \xNN} forms inside
     * JSON strings for non-printable bytes, but leaves literal backslashes alone, so a literal
     * "\x41" sent on the wire cannot be told from an escaped byte there (TSV can).
     */
    static String decodeJson(String s) {
        if (s.indexOf('\\') < 0) return s;
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return decode(b, 0, b.length, false);
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
}
