package dev.keyhole.sources.ipfix;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.Rejects;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Hand-built IPFIX messages for tests, and a one-call read that collects flows and rejects. */
final class IpfixBytes {
    private IpfixBytes() {}

    record Field(int ie, int length, long pen) {}

    static Field f(int ie, int length) {
        return new Field(ie, length, 0);
    }

    static Field ef(int ie, int length, long pen) {
        return new Field(ie, length, pen);
    }

    static byte[] message(long exportSeconds, long sequence, long domain, byte[]... sets) {
        Out o = new Out();
        int len = 16;
        for (byte[] s : sets) len += s.length;
        o.u16(10).u16(len).u32(exportSeconds).u32(sequence).u32(domain);
        for (byte[] s : sets) o.bytes(s);
        return o.toBytes();
    }

    /** A set whose length covers its records and {@code padding} extra bytes of {@code padByte}. */
    static byte[] paddedSet(int id, int padding, int padByte, byte[]... records) {
        Out o = new Out();
        int len = 4 + padding;
        for (byte[] r : records) len += r.length;
        o.u16(id).u16(len);
        for (byte[] r : records) o.bytes(r);
        for (int i = 0; i < padding; i++) o.u8(padByte);
        return o.toBytes();
    }

    static byte[] set(int id, byte[]... records) {
        return paddedSet(id, 0, 0, records);
    }

    static byte[] template(int id, Field... fields) {
        Out o = new Out().u16(id).u16(fields.length);
        fieldSpecs(o, fields);
        return o.toBytes();
    }

    static byte[] optionsTemplate(int id, int scopeCount, Field... fields) {
        Out o = new Out().u16(id).u16(fields.length).u16(scopeCount);
        fieldSpecs(o, fields);
        return o.toBytes();
    }

    static byte[] withdrawal(int id) {
        return new Out().u16(id).u16(0).toBytes();
    }

    private static void fieldSpecs(Out o, Field[] fields) {
        for (Field f : fields) {
            if (f.pen() != 0) o.u16(f.ie() | 0x8000).u16(f.length()).u32(f.pen());
            else o.u16(f.ie()).u16(f.length());
        }
    }

    static byte[] concat(byte[]... parts) {
        Out o = new Out();
        for (byte[] p : parts) o.bytes(p);
        return o.toBytes();
    }

    static Out rec() {
        return new Out();
    }

    /** Big-endian byte builder. */
    static final class Out {
        private final ByteArrayOutputStream b = new ByteArrayOutputStream();

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

        /** The low {@code n} bytes of {@code v}: reduced-size encoding. */
        Out un(long v, int n) {
            for (int i = n - 1; i >= 0; i--) u8((int) (v >>> (8 * i)));
            return this;
        }

        Out ip(String s) {
            return bytes(Ip.parse(s).toBytes());
        }

        Out ip6(String s) {
            byte[] a = Ip.parse(s).toBytes();
            if (a.length == 4) {
                Out o = new Out().u64(0).u16(0).u16(0xffff).bytes(a);
                return bytes(o.toBytes());
            }
            return bytes(a);
        }

        /** A variable-length field (RFC 7011 §7): 1-byte length below 255, else 255 and a 2-byte length. */
        Out varlen(byte[] v, boolean longForm) {
            if (longForm || v.length >= 255) u8(255).u16(v.length);
            else u8(v.length);
            return bytes(v);
        }

        Out bytes(byte[] v) {
            b.write(v, 0, v.length);
            return this;
        }

        byte[] toBytes() {
            return b.toByteArray();
        }
    }

    record Read(List<FlowRecord> flows, Rejects rejects, long returned) {
        List<String> messages() {
            return rejects.messages();
        }
    }

    static Read read(byte[] file) {
        return read(file, dev.keyhole.sources.packet.Tunnels.NONE);
    }

    /** Read through the reader {@link dev.keyhole.sources.Readers} gives IPFIX files with these tunnels opened. */
    static Read read(byte[] file, dev.keyhole.sources.packet.Tunnels tunnels) {
        List<FlowRecord> flows = new ArrayList<>();
        Rejects rejects = new Rejects("test.ipfix", null);
        try {
            long n = dev.keyhole.sources.Readers.forFormat(dev.keyhole.sources.InputFormat.IPFIX, 0, tunnels).read(new ByteArrayInputStream(file), new RecordSink() {
                @Override
                public void flow(FlowRecord f) {
                    flows.add(f);
                }
            }, rejects);
            return new Read(flows, rejects, n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] write(long domain, List<FlowRecord> flows) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (IpfixWriter w = new IpfixWriter(out, domain)) {
            for (FlowRecord f : flows) w.write(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
