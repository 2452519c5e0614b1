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
    private static final byte[] BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
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

    /** ASCII text known to need no escaping (constants, headers), written as is. */
    TsvOut raw(String s) throws IOException {
        int n = s.length();
        if (n > buf.length) {
            for (int i = 0; i < n; i++) {
                room(1);
                buf[pos++] = (byte) s.charAt(i);
            }
            return this;
        }
        room(n);
        byte[] b = buf;
        int p = pos;
        for (int i = 0; i < n; i++) b[p++] = (byte) s.charAt(i);
        pos = p;
        return this;
    }

    TsvOut raw(byte[] v) throws IOException {
        room(v.length);
        System.arraycopy(v, 0, buf, pos, v.length);
        pos += v.length;
        return this;
    }

    /** A Zeek-style id: the prefix letter, then 17 base62 digits drawn from two random longs. */
    TsvOut uid(char prefix, long a, long b) throws IOException {
        room(18);
        byte[] x = buf;
        int p = pos;
        x[p++] = (byte) prefix;
        long u = a >>> 4;
        for (int i = 0; i < 10; i++) {
            x[p++] = BASE62[(int) (u % 62)];
            u /= 62;
        }
        long v = b >>> 24;
        for (int i = 0; i < 7; i++) {
            x[p++] = BASE62[(int) (v % 62)];
            v /= 62;
        }
        pos = p;
        return this;
    }

    /**
     * A string field. Bytes Zeek would escape (controls, the separator, backslash, and the bytes of
     * non-ASCII characters, as UTF-8) come out as \xHH, so a hostile value cannot break the columns.
     */
    TsvOut s(String v) throws IOException {
        if (v == null) return unset();
        if (v.isEmpty()) return raw("(empty)");
        for (int i = 0; i < v.length(); i++) {
            if (v.charAt(i) >= 0x80) return escaped(v.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        room(v.length() * 4);
        byte[] b = buf;
        int p = pos;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
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

    private TsvOut escaped(byte[] v) throws IOException {
        room(v.length * 4);
        for (byte x : v) {
            int c = x & 0xff;
            if (c < 0x20 || c >= 0x7f || c == '\\') {
                buf[pos++] = '\\';
                buf[pos++] = 'x';
                buf[pos++] = HEX[c >> 4];
                buf[pos++] = HEX[c & 0xf];
            } else {
                buf[pos++] = (byte) c;
            }
        }
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
        byte[] b = buf;
        int p = pos;
        if (v < 0) {
            b[p++] = '-';
            v = -v;
        }
        if (v < 10) {
            b[p++] = (byte) ('0' + v);
            pos = p;
            return this;
        }
        int digits = 1;
        for (long t = v / 10; t > 0; t /= 10) digits++;
        int end = p + digits;
        for (int i = end - 1; i >= p; i--) {
            b[i] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        pos = end;
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
