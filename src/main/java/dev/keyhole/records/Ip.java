package dev.keyhole.records;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 address as two longs (IPv4 is stored IPv4-mapped, ::ffff:a.b.c.d), so that
 * addresses compare, hash and sort without allocating InetAddress objects on the hot path.
 */
public record Ip(long hi, long lo) implements Comparable<Ip> {
    private static final long V4_MAPPED_HI = 0L;
    private static final long V4_MAPPED_LO_PREFIX = 0x0000_ffff_0000_0000L;

    public static Ip ofV4(int v4) {
        return new Ip(V4_MAPPED_HI, V4_MAPPED_LO_PREFIX | (v4 & 0xffff_ffffL));
    }

    public static Ip ofV6(long hi, long lo) {
        return new Ip(hi, lo);
    }

    /** From 4 or 16 network-order bytes. */
    public static Ip ofBytes(byte[] b) {
        if (b.length == 4) {
            return ofV4(((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff));
        }
        if (b.length != 16) throw new IllegalArgumentException("address must be 4 or 16 bytes, got " + b.length);
        long hi = 0, lo = 0;
        for (int i = 0; i < 8; i++) hi = (hi << 8) | (b[i] & 0xff);
        for (int i = 8; i < 16; i++) lo = (lo << 8) | (b[i] & 0xff);
        return new Ip(hi, lo);
    }

    /** Parses dotted IPv4 or any textual IPv6 form ({@link IpText}); never does a DNS lookup. */
    public static Ip parse(String s) {
        if (s == null || s.isEmpty()) throw new IllegalArgumentException("empty address");
        Ip ip = IpText.parse(s);
        if (ip == null) throw new IllegalArgumentException("not an IP address: " + s);
        return ip;
    }

    public boolean isV4() {
        return hi == V4_MAPPED_HI && (lo & 0xffff_ffff_0000_0000L) == V4_MAPPED_LO_PREFIX;
    }

    /** The IPv4 address as an int; only meaningful when {@link #isV4()}. */
    public int v4() {
        return (int) lo;
    }

    public byte[] toBytes() {
        if (isV4()) {
            int v = v4();
            return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        }
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) b[i] = (byte) (hi >>> (56 - 8 * i));
        for (int i = 0; i < 8; i++) b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        return b;
    }

    public InetAddress toInetAddress() {
        try {
            return InetAddress.getByAddress(toBytes());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int compareTo(Ip o) {
        int c = Long.compareUnsigned(hi, o.hi);
        return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
    }

    // equals and hashCode written out: a record's generated ones are bootstrapped through method
    // handles on first use, which spun ~60 classes (and their JIT work) in every run's start-up.
    @Override
    public boolean equals(Object o) {
        return o instanceof Ip x && x.hi == hi && x.lo == lo;
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(hi) + Long.hashCode(lo);
    }

    @Override
    public String toString() {
        if (isV4()) {
            int v = v4();
            return ((v >>> 24) & 0xff) + "." + ((v >>> 16) & 0xff) + "." + ((v >>> 8) & 0xff) + "." + (v & 0xff);
        }
        return v6Text();
    }

    /** RFC 5952 text: lower case, no leading zeros, the longest run (2+) of zero groups as "::". */
    private String v6Text() {
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) g[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
        for (int i = 0; i < 4; i++) g[4 + i] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
        int bestStart = -1, bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
