package dev.keyhole.testing;

import dev.keyhole.records.Ip;

/** sFlow v5 datagrams built field by field from the specification (sflow.org, sFlow Version 5), for tests. */
public final class SflowDatagrams {
    private SflowDatagrams() {}

    /** Datagram header: version 5, IPv4 agent, sub-agent, sequence, uptime, then the samples. */
    public static byte[] datagram(String agent, long subAgent, long seq, long uptime, byte[]... samples) {
        Ip a = Ip.parse(agent);
        Bytes o = Bytes.of().u32(5).u32(a.isV4() ? 1 : 2).ip(agent).u32(subAgent).u32(seq).u32(uptime).u32(samples.length);
        for (byte[] s : samples) o.bytes(s);
        return o.toBytes();
    }

    /** A sample or record: its format (enterprise 0) and length, then the body. */
    public static byte[] tagged(int format, byte[] body) {
        return Bytes.of().u32(format).u32(body.length).bytes(body).toBytes();
    }

    /** Flow sample (format 1): sequence, source id, rate, pool, drops, input, output, records. */
    public static byte[] flowSample(long rate, byte[]... records) {
        Bytes o = Bytes.of().u32(7).u32(3).u32(rate).u32(rate * 10).u32(0).u32(3).u32(4).u32(records.length);
        for (byte[] r : records) o.bytes(r);
        return tagged(1, o.toBytes());
    }

    /** Expanded flow sample (format 3): the source id and interfaces in two words each. */
    public static byte[] expandedSample(long rate, byte[]... records) {
        Bytes o = Bytes.of().u32(7).u32(0).u32(3).u32(rate).u32(rate * 10).u32(0).u32(0).u32(29001).u32(0).u32(5)
                .u32(records.length);
        for (byte[] r : records) o.bytes(r);
        return tagged(3, o.toBytes());
    }

    /** Raw packet header record (format 1): protocol, frame length, stripped, header length, header padded to 4. */
    public static byte[] header(int protocol, int frameLength, byte[] h) {
        int pad = (4 - h.length % 4) % 4;
        return tagged(1, Bytes.of().u32(protocol).u32(frameLength).u32(4).u32(h.length).bytes(h).zeros(pad).toBytes());
    }

    public static Bytes ethernet(int... vlans) {
        Bytes b = Bytes.of().u32(0x182ad36e).u16(0x503f).u32(0xb4021655).u16(0x92f4);
        for (int v : vlans) b.u16(0x8100).u16(v);
        return b;
    }

    public static Bytes ipv4(Bytes b, String src, String dst, int proto, int totalLength) {
        return b.u8(0x45).u8(0).u16(totalLength).u16(0x8f00).u16(0x4000).u8(64).u8(proto).u16(0).ip(src).ip(dst);
    }

    /** Extended gateway (1003): IPv4 next hop, router AS, source AS, peer AS, one AS_SEQUENCE path, no communities. */
    public static byte[] gateway(long own, long srcAs, long... path) {
        Bytes o = Bytes.of().u32(1).ip("192.0.2.254").u32(own).u32(srcAs).u32(0).u32(path.length == 0 ? 0 : 1);
        if (path.length > 0) {
            o.u32(2).u32(path.length);
            for (long a : path) o.u32(a);
        }
        return tagged(1003, o.u32(0).u32(100).toBytes());
    }
}
