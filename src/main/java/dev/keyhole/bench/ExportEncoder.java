package dev.keyhole.bench;

import dev.keyhole.records.FlowRecord;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes flows as export datagrams, the way a router would send them: IPFIX messages (RFC 7011) or
 * NetFlow v9 packets (RFC 3954) of at most {@code maxDatagram} bytes, with one IPv4 template (256) and
 * one IPv6 template (257) sent in a separate template datagram. Sequence numbers follow each protocol
 * (IPFIX: data records sent before the message; v9: packets sent before this one). Used by the collector
 * benchmark's load generator and by tests.
 *
 * <p>IPFIX records: flowStart/EndMilliseconds, addresses, ports, protocol, tcpControlBits (2 bytes),
 * octet/packetDeltaCount (8 bytes). v9 records: FIRST/LAST_SWITCHED (sysUpTime ms), addresses, ports,
 * PROTOCOL, TCP_FLAGS (1 byte), IN_BYTES / IN_PKTS (8 bytes); flowsets padded to 4 bytes.
 *
 * <p>With an AS length (2 or 4), records also carry bgpSource/DestinationAsNumber (v9 SRC_AS / DST_AS, the
 * same numbers 16 / 17) under templates 258 / 259 (4 bytes) or 260 / 261 (2 bytes, the reduced size 16-bit
 * exporters send; larger AS numbers go out as AS_TRANS 23456, RFC 6793), so a datagram's template ids say
 * its record layout.
 */
public final class ExportEncoder {
    public enum Protocol { IPFIX, V9 }

    private static final int[] IPFIX_V4 = {152, 8, 153, 8, 8, 4, 12, 4, 7, 2, 11, 2, 4, 1, 6, 2, 1, 8, 2, 8};
    private static final int[] IPFIX_V6 = {152, 8, 153, 8, 27, 16, 28, 16, 7, 2, 11, 2, 4, 1, 6, 2, 1, 8, 2, 8};
    private static final int[] V9_V4 = {22, 4, 21, 4, 8, 4, 12, 4, 7, 2, 11, 2, 4, 1, 6, 1, 1, 8, 2, 8};
    private static final int[] V9_V6 = {22, 4, 21, 4, 27, 16, 28, 16, 7, 2, 11, 2, 4, 1, 6, 1, 1, 8, 2, 8};

    /** RFC 6793: what a 2-byte AS field carries for an AS number that needs 4. */
    public static final int AS_TRANS = 23_456;

    private final Protocol protocol;
    private final int asLength;
    private final long domain;
    private final int maxDatagram;
    /** v9: the exporter's boot time; FIRST/LAST_SWITCHED are milliseconds since. */
    private final long bootMillis;
    private long records, packets;

    /**
     * @param bootMillis v9 only: sysUpTime 0 in epoch ms; must precede every flow and export time
     */
    public ExportEncoder(Protocol protocol, long domain, int maxDatagram, long bootMillis) {
        this(protocol, domain, maxDatagram, bootMillis, 0);
    }

    /** @param asLength 0: no AS numbers; 2 or 4: every record carries them in fields of that size */
    public ExportEncoder(Protocol protocol, long domain, int maxDatagram, long bootMillis, int asLength) {
        if (maxDatagram < 200 || maxDatagram > 65_535) throw new IllegalArgumentException("datagram size 200..65535");
        if (asLength != 0 && asLength != 2 && asLength != 4) throw new IllegalArgumentException("AS length 0, 2 or 4");
        this.protocol = protocol;
        this.asLength = asLength;
        this.domain = domain;
        this.maxDatagram = maxDatagram;
        this.bootMillis = bootMillis;
    }

    public Protocol protocol() {
        return protocol;
    }

    private int headerLength() {
        return protocol == Protocol.IPFIX ? 16 : 20;
    }

    private int[] fields(boolean v4) {
        return fields(protocol == Protocol.IPFIX, v4, asLength);
    }

    private static int[] fields(boolean ipfix, boolean v4, int asLength) {
        int[] f = ipfix ? (v4 ? IPFIX_V4 : IPFIX_V6) : (v4 ? V9_V4 : V9_V6);
        if (asLength == 0) return f;
        int[] r = java.util.Arrays.copyOf(f, f.length + 4);
        r[f.length] = 16;
        r[f.length + 1] = asLength;
        r[f.length + 2] = 17;
        r[f.length + 3] = asLength;
        return r;
    }

    /** The IPv4 template's id (the IPv6 one is the next): 256 plain, 258 with 4-byte, 260 with 2-byte AS numbers. */
    private int firstTemplate() {
        return firstTemplate(asLength);
    }

    private static int firstTemplate(int asLength) {
        return asLength == 0 ? 256 : asLength == 4 ? 258 : 260;
    }

    private static int recordLength(int[] fields) {
        int n = 0;
        for (int i = 1; i < fields.length; i += 2) n += fields[i];
        return n;
    }

    /** The datagram that defines both templates (sequence: current, no data records). */
    public byte[] templates(long exportMillis) {
        Out o = new Out();
        o.skip(headerLength());
        int set = o.size();
        o.u16(protocol == Protocol.IPFIX ? 2 : 0).u16(0);
        for (int id = firstTemplate(); id <= firstTemplate() + 1; id++) {
            int[] f = fields(id == firstTemplate());
            o.u16(id).u16(f.length / 2);
            for (int i = 0; i < f.length; i += 2) o.u16(f[i]).u16(f[i + 1]);
        }
        o.patch16(set + 2, o.size() - set);
        byte[] d = o.toBytes();
        header(d, 2, exportMillis);
        return d;
    }

    /** Encodes the flows into as many datagrams as needed, in order. */
    public List<byte[]> encode(List<FlowRecord> flows, long exportMillis) {
        List<byte[]> out = new ArrayList<>();
        Out o = null;
        int set = -1;
        boolean setV4 = false;
        int n = 0;
        for (FlowRecord f : flows) {
            boolean v4 = f.src().isV4() && f.dst().isV4();
            int len = recordLength(fields(v4));
            boolean sameSet = set >= 0 && setV4 == v4;
            int need = len + (sameSet ? 0 : 4) + 4; // worst-case v9 padding of the set
            if (o != null && o.size() + need > maxDatagram) {
                closeSet(o, set);
                out.add(finish(o, n, exportMillis));
                o = null;
            }
            if (o == null) {
                o = new Out();
                o.skip(headerLength());
                set = -1;
                n = 0;
            }
            if (set < 0 || setV4 != v4) {
                if (set >= 0) closeSet(o, set);
                set = o.size();
                setV4 = v4;
                o.u16(v4 ? firstTemplate() : firstTemplate() + 1).u16(0);
            }
            record(o, f, v4);
            n++;
        }
        if (o != null) {
            closeSet(o, set);
            out.add(finish(o, n, exportMillis));
        }
        return out;
    }

    private void closeSet(Out o, int set) {
        if (protocol == Protocol.V9) {
            while ((o.size() - set) % 4 != 0) o.u8(0);
        }
        o.patch16(set + 2, o.size() - set);
    }

    private byte[] finish(Out o, int n, long exportMillis) {
        byte[] d = o.toBytes();
        header(d, n, exportMillis);
        records += n;
        return d;
    }

    /** Writes the header; the sequence number is taken before this datagram's records are counted. */
    private void header(byte[] d, int count, long exportMillis) {
        if (protocol == Protocol.IPFIX) {
            put16(d, 0, 10);
            put16(d, 2, d.length);
            put32(d, 4, exportMillis / 1000);
            put32(d, 8, records);
            put32(d, 12, domain);
        } else {
            put16(d, 0, 9);
            put16(d, 2, count);
            put32(d, 4, exportMillis - bootMillis);
            put32(d, 8, exportMillis / 1000);
            put32(d, 12, packets);
            put32(d, 16, domain);
            packets++;
        }
    }

    private void record(Out o, FlowRecord f, boolean v4) {
        if (protocol == Protocol.IPFIX) {
            o.u64(f.startMillis()).u64(f.endMillis());
        } else {
            o.u32(f.startMillis() - bootMillis).u32(f.endMillis() - bootMillis);
        }
        if (v4) {
            o.bytes(f.src().toBytes()).bytes(f.dst().toBytes());
        } else {
            o.u64(f.src().hi()).u64(f.src().lo()).u64(f.dst().hi()).u64(f.dst().lo());
        }
        o.u16(f.srcPort()).u16(f.dstPort()).u8(f.protocol());
        if (protocol == Protocol.IPFIX) o.u16(f.tcpFlags());
        else o.u8(f.tcpFlags());
        o.u64(f.bytes()).u64(f.packets());
        if (asLength == 4) {
            o.u32(f.srcAs()).u32(f.dstAs());
        } else if (asLength == 2) {
            o.u16(as16(f.srcAs())).u16(as16(f.dstAs()));
        }
    }

    private static int as16(long as) {
        return as > 0xffff ? AS_TRANS : (int) as;
    }

    /** Rewrites the sequence number of an encoded datagram (to send the same datagrams again). */
    public static void setSequence(byte[] d, long sequence) {
        put32(d, d[1] == 10 ? 8 : 12, sequence);
    }

    /** Data records in an encoded data datagram (0 for a template datagram). */
    public static int recordCount(byte[] d) {
        boolean ipfix = d[1] == 10;
        int n = 0;
        int p = ipfix ? 16 : 20;
        while (p + 4 <= d.length) {
            int id = ((d[p] & 0xff) << 8) | (d[p + 1] & 0xff);
            int len = ((d[p + 2] & 0xff) << 8) | (d[p + 3] & 0xff);
            if (id >= 256) {
                int asLength = id >= 260 ? 2 : id >= 258 ? 4 : 0;
                int rec = recordLength(fields(ipfix, id % 2 == 0, asLength));
                n += (len - 4) / rec;
            }
            p += len;
        }
        return n;
    }

    static void put16(byte[] b, int p, int v) {
        b[p] = (byte) (v >>> 8);
        b[p + 1] = (byte) v;
    }

    static void put32(byte[] b, int p, long v) {
        b[p] = (byte) (v >>> 24);
        b[p + 1] = (byte) (v >>> 16);
        b[p + 2] = (byte) (v >>> 8);
        b[p + 3] = (byte) v;
    }

    /** Big-endian builder. */
    private static final class Out {
        private final ByteArrayOutputStream b = new ByteArrayOutputStream(1500);
        /** Set lengths are only known at the end; patches are applied in {@link #toBytes}. */
        private final List<int[]> patches = new ArrayList<>();

        int size() {
            return b.size();
        }

        Out skip(int n) {
            for (int i = 0; i < n; i++) b.write(0);
            return this;
        }

        Out u8(int v) {
            b.write(v);
            return this;
        }

        Out u16(int v) {
            return u8(v >>> 8).u8(v);
        }

        Out u32(long v) {
            return u16((int) (v >>> 16)).u16((int) v);
        }

        Out u64(long v) {
            return u32(v >>> 32).u32(v & 0xffff_ffffL);
        }

        Out bytes(byte[] v) {
            b.write(v, 0, v.length);
            return this;
        }

        void patch16(int at, int v) {
            patches.add(new int[] {at, v});
        }

        byte[] toBytes() {
            byte[] d = b.toByteArray();
            for (int[] p : patches) put16(d, p[0], p[1]);
            return d;
        }
    }
}
