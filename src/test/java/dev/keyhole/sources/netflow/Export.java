package dev.keyhole.sources.netflow;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.Rejects;
import dev.keyhole.testing.Bytes;

import java.util.ArrayList;
import java.util.List;

/** Hand-built NetFlow v5 / v9 / IPFIX datagrams, and a decoder run that keeps what came out. */
final class Export {
    private Export() {}

    // ---------------------------------------------------------------- v5

    static byte[] v5(long uptime, long secs, long nsecs, long seq, int engine, int sampling, byte[]... records) {
        Bytes o = Bytes.of().u16(5).u16(records.length).u32(uptime).u32(secs).u32(nsecs).u32(seq).u16(engine).u16(sampling);
        for (byte[] r : records) o.bytes(r);
        return o.toBytes();
    }

    static byte[] v5Record(String src, String dst, int srcPort, int dstPort, int proto, int flags, long packets,
                           long bytes, long first, long last) {
        return Bytes.of().ip(src).ip(dst).ip("0.0.0.0").u16(1).u16(2).u32(packets).u32(bytes).u32(first).u32(last)
                .u16(srcPort).u16(dstPort).u8(0).u8(flags).u8(proto).u8(0).u16(0).u16(0).u8(24).u8(24).u16(0).toBytes();
    }

    // ---------------------------------------------------------------- v9

    static byte[] v9(long uptime, long secs, long seq, long sourceId, byte[]... flowsets) {
        Bytes o = Bytes.of().u16(9).u16(flowsets.length).u32(uptime).u32(secs).u32(seq).u32(sourceId);
        for (byte[] f : flowsets) o.bytes(f);
        return o.toBytes();
    }

    /** A flowset padded to 4 bytes with zeros, as RFC 3954 asks. */
    static byte[] flowset(int id, byte[]... records) {
        int len = 4;
        for (byte[] r : records) len += r.length;
        int pad = (4 - len % 4) % 4;
        Bytes o = Bytes.of().u16(id).u16(len + pad);
        for (byte[] r : records) o.bytes(r);
        return o.zeros(pad).toBytes();
    }

    /** A template record: id, then (type, length) pairs. */
    static byte[] template(int id, int... typeLength) {
        Bytes o = Bytes.of().u16(id).u16(typeLength.length / 2);
        for (int v : typeLength) o.u16(v);
        return o.toBytes();
    }

    /** A v9 options template record: scope and option fields as (type, length) pairs. */
    static byte[] v9OptionsTemplate(int id, int[] scopes, int... options) {
        Bytes o = Bytes.of().u16(id).u16(scopes.length * 2).u16(options.length * 2);
        for (int v : scopes) o.u16(v);
        for (int v : options) o.u16(v);
        return o.toBytes();
    }

    // ---------------------------------------------------------------- IPFIX

    static byte[] ipfix(long exportSeconds, long seq, long domain, byte[]... sets) {
        int len = 16;
        for (byte[] s : sets) len += s.length;
        Bytes o = Bytes.of().u16(10).u16(len).u32(exportSeconds).u32(seq).u32(domain);
        for (byte[] s : sets) o.bytes(s);
        return o.toBytes();
    }

    static byte[] set(int id, byte[]... records) {
        int len = 4;
        for (byte[] r : records) len += r.length;
        Bytes o = Bytes.of().u16(id).u16(len);
        for (byte[] r : records) o.bytes(r);
        return o.toBytes();
    }

    static byte[] ipfixOptionsTemplate(int id, int scopeCount, int... typeLength) {
        Bytes o = Bytes.of().u16(id).u16(typeLength.length / 2).u16(scopeCount);
        for (int v : typeLength) o.u16(v);
        return o.toBytes();
    }

    static Bytes rec() {
        return Bytes.of();
    }

    // ---------------------------------------------------------------- decoding

    static final class Run {
        final List<FlowRecord> flows = new ArrayList<>();
        final Rejects rejects = new Rejects("udp datagram", null);
        final ExportDecoder decoder;

        Run() {
            this(0);
        }

        /** Templates expire after {@code lifetimeMillis} for datagrams sent with {@link #sendAt}. */
        Run(long lifetimeMillis) {
            decoder = new ExportDecoder(new RecordSink() {
                @Override
                public void flow(FlowRecord f) {
                    flows.add(f);
                }
            }, lifetimeMillis);
        }

        Run send(String exporter, byte[] datagram) {
            decoder.datagram(datagram, 0, datagram.length, Ip.parse(exporter), 2055, 0, rejects);
            return this;
        }

        /** A datagram that arrived at {@code millis} (the collector's clock). */
        Run sendAt(long millis, String exporter, byte[] datagram) {
            decoder.datagram(datagram, 0, datagram.length, Ip.parse(exporter), 2055, 0, rejects, millis);
            return this;
        }

        Run send(byte[] datagram) {
            return send("192.0.2.1", datagram);
        }

        List<String> messages() {
            return rejects.messages();
        }

        ExportDecoder.SourceStats source(int version, long domain) {
            return decoder.stats(false).stream().filter(s -> s.version() == version && s.domain() == domain)
                    .findFirst().orElseThrow();
        }
    }

    static String tuple(FlowRecord f) {
        return f.src() + ":" + f.srcPort() + ">" + f.dst() + ":" + f.dstPort() + "/" + f.protocol();
    }
}
