package dev.keyhole.refdata;

/**
 * Parsers for textual addresses held in a byte array, so that loading hundreds of thousands of CSV
 * rows creates no String or InetAddress per address. They report malformed text instead of throwing.
 */
final class IpText {
    private IpText() {}

    /** Dotted IPv4 in b[from, to) as an unsigned value; -1 if malformed. */
    static long parseV4(byte[] b, int from, int to) {
        long value = 0;
        int part = 0, digits = 0, dots = 0;
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

    /**
     * Textual IPv6 (with "::" and an optional dotted IPv4 tail) in b[from, to); writes the two
     * halves to out[0], out[1]. Returns false if malformed.
     */
    static boolean parseV6(byte[] b, int from, int to, long[] out) {
        int[] g = new int[8];
        int n = 0, gap = -1, i = from;
        if (to - from >= 2 && b[i] == ':' && b[i + 1] == ':') {
            gap = 0;
            i += 2;
        }
        while (i < to) {
            int j = i, v = 0;
            while (j < to && hex(b[j]) >= 0 && j - i < 5) v = (v << 4) | hex(b[j++]);
            if (j < to && b[j] == '.') {
                long v4 = parseV4(b, i, to);
                if (v4 < 0 || n > 6) return false;
                g[n++] = (int) (v4 >>> 16);
                g[n++] = (int) (v4 & 0xffff);
                i = to;
                break;
            }
            if (j == i || j - i > 4 || n >= 8) return false;
            g[n++] = v;
            i = j;
            if (i == to) break;
            if (b[i] != ':') return false;
            i++;
            if (i < to && b[i] == ':') {
                if (gap >= 0) return false;
                gap = n;
                i++;
            } else if (i == to) {
                return false;
            }
        }
        int[] full = new int[8];
        if (gap >= 0) {
            if (n > 7) return false;
            System.arraycopy(g, 0, full, 0, gap);
            System.arraycopy(g, gap, full, 8 - (n - gap), n - gap);
        } else {
            if (n != 8) return false;
            full = g;
        }
        long hi = 0, lo = 0;
        for (int k = 0; k < 4; k++) hi = (hi << 16) | full[k];
        for (int k = 4; k < 8; k++) lo = (lo << 16) | full[k];
        out[0] = hi;
        out[1] = lo;
        return true;
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
}
