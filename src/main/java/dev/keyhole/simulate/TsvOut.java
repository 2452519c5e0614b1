package dev.keyhole.simulate;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A buffered writer of Zeek ASCII log lines that formats numbers and addresses itself: the
 * simulator writes hundreds of millions of fields, and String.format / String concatenation
 * would dominate its run time.
 */
final class TsvOut implements Closeable {
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private final OutputStream out;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private long lines;

    TsvOut(OutputStream out) {
        this.out = out;
    }

    long lines() {
        return lines;
    }

    private void room(int n) throws IOException {
        if (pos + n > buf.length) {
            out.write(buf, 0, pos);
            pos = 0;
        }
    }

    /** A header or footer line, written as is. */
    TsvOut raw(String s) throws IOException {
        for (int i = 0; i < s.length(); i++) {
            room(1);
            buf[pos++] = (byte) s.charAt(i);
        }
        return this;
    }

    /**
     * A string field. Bytes Zeek would escape (controls, non-ASCII, the separator, backslash) come
     * out as \xHH, so a hostile value cannot break the column layout.
     */
    TsvOut s(String v) throws IOException {
        if (v == null) return unset();
        if (v.isEmpty()) return raw("(empty)");
        room(v.length() * 4);
        byte[] b = buf;
        int p = pos;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '\\') {
                b[p++] = '\\';
                b[p++] = 'x';
                b[p++] = HEX[(c >> 4) & 0xf];
                b[p++] = HEX[c & 0xf];
            } else {
                b[p++] = (byte) c;
            }
        }
        pos = p;
        return this;
    }

    TsvOut unset() throws IOException {
        room(1);
        buf[pos++] = '-';
        return this;
    }

    TsvOut tab() throws IOException {
        room(1);
        buf[pos++] = '\t';
        return this;
    }

    TsvOut comma() throws IOException {
        room(1);
        buf[pos++] = ',';
        return this;
    }

    TsvOut nl() throws IOException {
        room(1);
        buf[pos++] = '\n';
        lines++;
        return this;
    }

    TsvOut bool(boolean v) throws IOException {
        room(1);
        buf[pos++] = (byte) (v ? 'T' : 'F');
        return this;
    }

    TsvOut num(long v) throws IOException {
        room(20);
        if (v < 0) {
            buf[pos++] = '-';
            v = -v;
        }
        if (v < 10) {
            buf[pos++] = (byte) ('0' + v);
            return this;
        }
        int start = pos;
        while (v > 0) {
            buf[pos++] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        for (int i = start, j = pos - 1; i < j; i++, j--) {
            byte t = buf[i];
            buf[i] = buf[j];
            buf[j] = t;
        }
        return this;
    }

    /** Seconds with six decimals, as Zeek writes time and interval values. */
    TsvOut micros(long us) throws IOException {
        num(us / 1_000_000);
        room(7);
        buf[pos++] = '.';
        int frac = (int) (us % 1_000_000);
        for (int d = 100_000; d > 0; d /= 10) {
            buf[pos++] = (byte) ('0' + frac / d);
            frac %= d;
        }
        return this;
    }

    TsvOut ip(int a) throws IOException {
        num((a >>> 24) & 0xff);
        room(1);
        buf[pos++] = '.';
        num((a >>> 16) & 0xff);
        room(1);
        buf[pos++] = '.';
        num((a >>> 8) & 0xff);
        room(1);
        buf[pos++] = '.';
        num(a & 0xff);
        return this;
    }

    @Override
    public void close() throws IOException {
        try {
            if (pos > 0) out.write(buf, 0, pos);
            pos = 0;
        } finally {
            out.close();
        }
    }
}
