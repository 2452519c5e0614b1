package dev.keyhole.enrichment.scope;

import dev.keyhole.records.Ip;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * An IPv4 or IPv6 network. {@code prefixLength} counts bits of the family (0-32 for IPv4, 0-128 for
 * IPv6); host bits are cleared on construction, so 175.45.176.9/22 is 175.45.176.0/22.
 */
public record Cidr(Ip network, int prefixLength) {
    private static final BigInteger V4_MAX = BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE);

    public Cidr {
        int bits = network.isV4() ? 32 : 128;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range for " + network);
        }
        network = fromBig(toBig(network).andNot(hostMask(bits, prefixLength)), network.isV4());
    }

    /** Parses "a.b.c.d/n", "x::y/n" or a bare address (a /32 or /128). IPv4-mapped IPv6 becomes IPv4. */
    public static Cidr parse(String s) {
        String t = s.trim();
        int slash = t.indexOf('/');
        Ip ip = Ip.parse(slash < 0 ? t : t.substring(0, slash));
        boolean textV6 = t.indexOf(':') >= 0;
        int len;
        if (slash < 0) {
            len = ip.isV4() ? 32 : 128;
        } else {
            try {
                len = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in '" + s + "'");
            }
            // ::ffff:a.b.c.d/120 parses to an IPv4 Ip; its length counts IPv6 bits
            if (ip.isV4() && textV6) {
                if (len < 96) throw new IllegalArgumentException("IPv4-mapped prefix shorter than /96: " + s);
                len -= 96;
            }
        }
        return new Cidr(ip, len);
    }

    public boolean isV4() {
        return network.isV4();
    }

    public int familyBits() {
        return isV4() ? 32 : 128;
    }

    /** First address as an unsigned number within the family (IPv4: 0..2^32-1). */
    public BigInteger first() {
        return toBig(network);
    }

    public BigInteger last() {
        return first().or(hostMask(familyBits(), prefixLength));
    }

    /** The fewest CIDRs covering exactly [first, last] (both inclusive, same family). */
    public static List<Cidr> fromRange(BigInteger first, BigInteger last, boolean v4) {
        int bits = v4 ? 32 : 128;
        if (first.signum() < 0 || last.compareTo(first) < 0 || last.bitLength() > bits) {
            throw new IllegalArgumentException("bad range " + first + "-" + last);
        }
        List<Cidr> out = new ArrayList<>();
        BigInteger cur = first;
        while (cur.compareTo(last) <= 0) {
            int align = cur.signum() == 0 ? bits : cur.getLowestSetBit();
            int fit = last.subtract(cur).add(BigInteger.ONE).bitLength() - 1;
            int size = Math.min(align, fit);
            out.add(new Cidr(fromBig(cur, v4), bits - size));
            cur = cur.add(BigInteger.ONE.shiftLeft(size));
        }
        return out;
    }

    static BigInteger toBig(Ip ip) {
        if (ip.isV4()) return BigInteger.valueOf(ip.v4() & 0xffff_ffffL);
        return new BigInteger(1, ip.toBytes());
    }

    static Ip fromBig(BigInteger v, boolean v4) {
        if (v4) {
            if (v.compareTo(V4_MAX) > 0) throw new IllegalArgumentException("not an IPv4 value: " + v);
            return Ip.ofV4(v.intValue());
        }
        return Ip.ofV6(v.shiftRight(64).longValue(), v.longValue());
    }

    private static BigInteger hostMask(int bits, int prefixLength) {
        return BigInteger.ONE.shiftLeft(bits - prefixLength).subtract(BigInteger.ONE);
    }

    @Override
    public String toString() {
        return network + "/" + prefixLength;
    }

    // Written out, as Ip's: a record's generated equals/hashCode cost a method-handle bootstrap at start-up.
    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefixLength == prefixLength && c.network.equals(network);
    }

    @Override
    public int hashCode() {
        return 31 * network.hashCode() + prefixLength;
    }
}
