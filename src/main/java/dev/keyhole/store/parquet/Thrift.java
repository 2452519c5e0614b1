package dev.keyhole.store.parquet;

import java.nio.charset.StandardCharsets;

/**
 * The writing half of Thrift's compact protocol, for Parquet's footer and page headers: field
 * headers as id deltas, integers as zigzag varints, booleans in the field header. Fields of a
 * struct must be written in increasing id order.
 */
final class Thrift {
    static final int TRUE = 1, FALSE = 2, I32 = 5, I64 = 6, BINARY = 8, LIST = 9, STRUCT = 12;

    private final Buf out;
    private final int[] stack = new int[16];
    private int depth;
    private int last;

    Thrift(Buf out) {
        this.out = out;
    }

    /** Starts a struct that is not a field: the message itself, or an element of a list. */
    void begin() {
        stack[depth++] = last;
        last = 0;
    }

    /** Ends any struct: the stop byte. */
    void end() {
        out.u8(0);
        last = stack[--depth];
    }

    /**
     * Fields of the current struct encoded elsewhere (from a struct whose last field before them
     * was the same as here), ending with field {@code lastId}.
     */
    void raw(byte[] fields, int lastId) {
        out.bytes(fields, 0, fields.length);
        last = lastId;
    }

    void struct(int id) {
        field(id, STRUCT);
        begin();
    }

    void i32(int id, int v) {
        field(id, I32);
        out.varint(zigzag(v));
    }

    void i64(int id, long v) {
        field(id, I64);
        out.varint(zigzag(v));
    }

    void bool(int id, boolean v) {
        field(id, v ? TRUE : FALSE);
    }

    void binary(int id, byte[] v) {
        field(id, BINARY);
        out.varint(v.length);
        out.bytes(v, 0, v.length);
    }

    void string(int id, String s) {
        binary(id, s.getBytes(StandardCharsets.UTF_8));
    }

    /** A list field's header; its elements follow ({@link #element}, {@link #begin} for structs). */
    void list(int id, int elementType, int size) {
        field(id, LIST);
        if (size < 15) {
            out.u8(size << 4 | elementType);
        } else {
            out.u8(0xF0 | elementType);
            out.varint(size);
        }
    }

    /** An i32 (or enum) element of a list. */
    void element(int v) {
        out.varint(zigzag(v));
    }

    void element(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.varint(b.length);
        out.bytes(b, 0, b.length);
    }

    private void field(int id, int type) {
        int delta = id - last;
        if (delta > 0 && delta <= 15) {
            out.u8(delta << 4 | type);
        } else {
            out.u8(type);
            out.varint(zigzag(id));
        }
        last = id;
    }

    private static long zigzag(int v) {
        return ((v << 1) ^ (v >> 31)) & 0xFFFF_FFFFL;
    }

    private static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }
}
