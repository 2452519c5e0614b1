package dev.keyhole.testing;

import dev.keyhole.records.Ip;

import java.io.ByteArrayOutputStream;

/** Big-endian byte builder for hand-made protocol messages. */
public final class Bytes {
    private final ByteArrayOutputStream b = new ByteArrayOutputStream();

    public static Bytes of() {
        return new Bytes();
    }

    public Bytes u8(int v) {
        b.write(v);
        return this;
    }

    public Bytes u16(int v) {
        return u8(v >>> 8).u8(v);
    }

    public Bytes u32(long v) {
        return u16((int) (v >>> 16)).u16((int) v);
    }

    public Bytes u64(long v) {
        return u32(v >>> 32).u32(v & 0xffff_ffffL);
    }

    /** The 4 or 16 bytes of an address. */
    public Bytes ip(String s) {
        return bytes(Ip.parse(s).toBytes());
    }

    public Bytes bytes(byte[] v) {
        b.write(v, 0, v.length);
        return this;
    }

    public Bytes zeros(int n) {
        for (int i = 0; i < n; i++) b.write(0);
        return this;
    }

    public int size() {
        return b.size();
    }

    public byte[] toBytes() {
        return b.toByteArray();
    }

    public static byte[] concat(byte[]... parts) {
        Bytes o = new Bytes();
        for (byte[] p : parts) o.bytes(p);
        return o.toBytes();
    }
}
