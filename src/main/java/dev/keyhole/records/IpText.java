package dev.keyhole.records;


/**
 * Textual IPv4/IPv6 addresses to {@link Ip} without exceptions, regexes or InetAddress: parsing
 * addresses is most of the work of reading a conn.log, and invalid input must stay cheap because
 * DNS answers mix addresses with names.
 */
public final class IpText {
    private IpText() {}

    /** The address in {@code b[from, to)}, or null if it is not one. A {@code %zone} suffix is ignored. */
    public static Ip parse(byte[] b, int from, int to) {
        int n = to - from;
        if (n <= 0 || n > 64) return null;
        boolean colon = false;
        for (int i = from; i < to; i++) {
            if (b[i] == ':') {
                colon = true;
                break;
            }
        }
        if (!colon) {
            long v4 = v4(b, from, to);
            return v4 < 0 ? null : Ip.ofV4((int) v4);
        }
        char[] c = new char[n];
        for (int i = 0; i < n; i++) c[i] = (char) (b[from + i] & 0xff);
        return v6(c, 0, n);
    }

    /** The address in {@code s}, or null if it is not one. */
    public static Ip parse(CharSequence s) {
        int n = s.length();
        if (n == 0 || n > 64) return null;
        boolean colon = false;
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) == ':') {
                colon = true;
                break;
            }
        }
        if (!colon) {
            long v4 = v4(s, 0, n);
            return v4 < 0 ? null : Ip.ofV4((int) v4);
        }
        char[] c = new char[n];
        for (int i = 0; i < n; i++) c[i] = s.charAt(i);
        return v6(c, 0, n);
    }

    /** Dotted quad to its unsigned value, or -1. */
    private static long v4(byte[] b, int from, int to) {
        long value = 0;
        int part = 0, dots = 0, digits = 0;
        for (int i = from; i < to; i++) {
            int c = b[i];
            if (c == '.') {
                if (digits == 0 || ++dots > 3) return -1;
                value = (value << 8) | part;
                part = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                part = part * 10 + (c - '0');
                if (++digits > 3 || part > 255) return -1;
            } else {
                return -1;
            }
        }
        if (dots != 3 || digits == 0) return -1;
        return (value << 8) | part;
    }

    private static long v4(CharSequence s, int from, int to) {
        long value = 0;
        int part = 0, dots = 0, digits = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '.') {
                if (digits == 0 || ++dots > 3) return -1;
                value = (value << 8) | part;
                part = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                part = part * 10 + (c - '0');
                if (++digits > 3 || part > 255) return -1;
            } else {
                return -1;
            }
        }
        if (dots != 3 || digits == 0) return -1;
        return (value << 8) | part;
    }

    /** RFC 4291 text forms: hex groups, one optional "::", an optional dotted-quad tail, a %zone. */
    private static Ip v6(char[] c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (c[i] == '%') {
                to = i;
                break;
            }
        }
        int[] g = new int[8];
        int count = 0, gap = -1, i = from;
        if (to - from < 2) return null;
        if (c[i] == ':') {
            if (c[i + 1] != ':') return null;
            gap = 0;
            i += 2;
            if (i == to) return Ip.ofV6(0, 0);
        }
        while (i < to) {
            if (count == 8) return null;
            int start = i, v = 0;
            while (i < to && i - start < 5) {
                int h = hex(c[i]);
                if (h < 0) break;
                v = (v << 4) | h;
                i++;
            }
            int len = i - start;
            if (i < to && c[i] == '.') {
                // Embedded IPv4 takes the last two groups.
                if (count > 6 || len == 0) return null;
                long v4 = v4(new String(c, start, to - start), 0, to - start);
                if (v4 < 0) return null;
                g[count++] = (int) (v4 >>> 16);
                g[count++] = (int) (v4 & 0xffff);
                i = to;
                break;
            }
            if (len == 0 || len > 4) return null;
            g[count++] = v;
            if (i == to) break;
            if (c[i] != ':') return null;
            i++;
            if (i < to && c[i] == ':') {
                if (gap >= 0) return null;
                gap = count;
                i++;
                if (i == to) break;
            } else if (i == to) {
                return null;
            }
        }
        if (gap < 0) {
            if (count != 8) return null;
        } else {
            if (count > 7) return null;
            int tail = count - gap;
            for (int k = 0; k < tail; k++) g[7 - k] = g[count - 1 - k];
            for (int k = gap; k < 8 - tail; k++) g[k] = 0;
        }
        long hi = ((long) g[0] << 48) | ((long) g[1] << 32) | ((long) g[2] << 16) | g[3];
        long lo = ((long) g[4] << 48) | ((long) g[5] << 32) | ((long) g[6] << 16) | g[7];
        return Ip.ofV6(hi, lo);
    }

    private static int hex(char ch) {
        if (ch >= '0' && ch <= '9') return ch - '0';
        if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
        if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
        return -1;
    }
}
