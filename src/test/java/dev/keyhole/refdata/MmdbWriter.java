package dev.keyhole.refdata;

import dev.keyhole.enrichment.scope.Cidr;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal MaxMind DB (MMDB 2.0) writer for tests, written from the public format spec
 * (https://maxmind.github.io/MaxMind-DB/): a binary search tree with 24-bit records, a 16-byte
 * separator, a data section of encoded maps, and the metadata map after the marker. Supports
 * maps, strings, doubles, unsigned integers, booleans and arrays; enough for City and ASN layouts.
 * In an IPv6 database IPv4 networks go under ::/96, as MaxMind's own databases store them.
 */
public final class MmdbWriter {
    private static final byte[] METADATA_MARKER = {(byte) 0xAB, (byte) 0xCD, (byte) 0xEF,
            'M', 'a', 'x', 'M', 'i', 'n', 'd', '.', 'c', 'o', 'm'};

    private final int ipVersion;
    private final String databaseType;
    private final Node root = new Node();

    private static final class Node {
        Object left, right; // Node, Data or null
    }

    private record Data(Map<String, Object> value) {}

    public MmdbWriter(int ipVersion, String databaseType) {
        if (ipVersion != 4 && ipVersion != 6) throw new IllegalArgumentException("ip version 4 or 6");
        this.ipVersion = ipVersion;
        this.databaseType = databaseType;
    }

    /** Inserts a network; later, more specific inserts split earlier broader ones. */
    public MmdbWriter insert(String cidr, Map<String, Object> data) {
        Cidr c = Cidr.parse(cidr);
        BigInteger addr = c.first();
        int bits, len;
        if (c.isV4()) {
            bits = ipVersion == 4 ? 32 : 128;
            len = c.prefixLength() + (ipVersion == 4 ? 0 : 96);
        } else {
            if (ipVersion == 4) throw new IllegalArgumentException("IPv6 network in an IPv4 database: " + cidr);
            bits = 128;
            len = c.prefixLength();
        }
        if (len == 0) throw new IllegalArgumentException("cannot insert a /0");
        Data d = new Data(data);
        Node n = root;
        for (int i = 0; i < len - 1; i++) {
            boolean one = addr.testBit(bits - 1 - i);
            Object child = one ? n.right : n.left;
            Node next;
            if (child instanceof Node cn) {
                next = cn;
            } else {
                next = new Node();
                next.left = child;
                next.right = child;
                if (one) n.right = next;
                else n.left = next;
            }
            n = next;
        }
        if (addr.testBit(bits - len)) n.right = d;
        else n.left = d;
        return this;
    }

    public byte[] build() {
        // Number the nodes breadth-first
        List<Node> nodes = new ArrayList<>();
        Map<Node, Integer> ids = new IdentityHashMap<>();
        ArrayDeque<Node> queue = new ArrayDeque<>();
        queue.add(root);
        while (!queue.isEmpty()) {
            Node n = queue.poll();
            if (ids.containsKey(n)) continue;
            ids.put(n, nodes.size());
            nodes.add(n);
            if (n.left instanceof Node l) queue.add(l);
            if (n.right instanceof Node r) queue.add(r);
        }
        int nodeCount = nodes.size();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        Map<Data, Integer> offsets = new IdentityHashMap<>();
        ByteArrayOutputStream tree = new ByteArrayOutputStream();
        for (Node n : nodes) {
            writeRecord(tree, recordValue(n.left, ids, offsets, data, nodeCount));
            writeRecord(tree, recordValue(n.right, ids, offsets, data, nodeCount));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(tree.toByteArray());
        out.writeBytes(new byte[16]);
        out.writeBytes(data.toByteArray());
        out.writeBytes(METADATA_MARKER);
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        ctrl(m, 7, 9);
        str(m, "binary_format_major_version");
        uint(m, 5, 2);
        str(m, "binary_format_minor_version");
        uint(m, 5, 0);
        str(m, "build_epoch");
        uint(m, 9, 1_700_000_000L);
        str(m, "database_type");
        str(m, databaseType);
        str(m, "description");
        encode(m, Map.of("en", "Keyhole test database"));
        str(m, "ip_version");
        uint(m, 5, ipVersion);
        str(m, "languages");
        encode(m, List.of("en"));
        str(m, "node_count");
        uint(m, 6, nodeCount);
        str(m, "record_size");
        uint(m, 5, 24);
        out.writeBytes(m.toByteArray());
        return out.toByteArray();
    }

    public Path write(Path file) throws IOException {
        Files.write(file, build());
        return file;
    }

    private static long recordValue(Object child, Map<Node, Integer> ids, Map<Data, Integer> offsets,
                                    ByteArrayOutputStream data, int nodeCount) {
        if (child == null) return nodeCount;
        if (child instanceof Node n) return ids.get(n);
        Data d = (Data) child;
        Integer off = offsets.get(d);
        if (off == null) {
            off = data.size();
            offsets.put(d, off);
            encode(data, d.value());
        }
        return nodeCount + 16L + off;
    }

    private static void writeRecord(ByteArrayOutputStream out, long v) {
        if (v >= 1 << 24) throw new IllegalStateException("test database too large for 24-bit records");
        out.write((int) (v >>> 16));
        out.write((int) (v >>> 8));
        out.write((int) v);
    }

    @SuppressWarnings("unchecked")
    private static void encode(ByteArrayOutputStream out, Object v) {
        if (v instanceof String s) {
            str(out, s);
        } else if (v instanceof Double d) {
            ctrl(out, 3, 8);
            long bits = Double.doubleToLongBits(d);
            for (int i = 7; i >= 0; i--) out.write((int) (bits >>> (8 * i)));
        } else if (v instanceof Integer || v instanceof Long) {
            long n = ((Number) v).longValue();
            if (n < 0) throw new IllegalArgumentException("negative integers are not supported: " + n);
            uint(out, n <= 0xffff_ffffL ? 6 : 9, n);
        } else if (v instanceof Boolean b) {
            ctrl(out, 14, b ? 1 : 0);
        } else if (v instanceof Map<?, ?> map) {
            ctrl(out, 7, map.size());
            for (Map.Entry<?, ?> e : map.entrySet()) {
                str(out, (String) e.getKey());
                encode(out, e.getValue());
            }
        } else if (v instanceof List<?> list) {
            ctrl(out, 11, list.size());
            for (Object o : list) encode(out, o);
        } else {
            throw new IllegalArgumentException("unsupported value " + v);
        }
    }

    private static void str(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        ctrl(out, 2, b.length);
        out.writeBytes(b);
    }

    /** Unsigned integer of type 5 (uint16), 6 (uint32) or 9 (uint64), big-endian without leading zeros. */
    private static void uint(ByteArrayOutputStream out, int type, long n) {
        int len = 0;
        for (long t = n; t != 0; t >>>= 8) len++;
        ctrl(out, type, len);
        for (int i = len - 1; i >= 0; i--) out.write((int) (n >>> (8 * i)));
    }

    /** Control byte: type in the top 3 bits (0 + extra byte for types above 7), size in the low 5. */
    private static void ctrl(ByteArrayOutputStream out, int type, int size) {
        int sizeBits;
        byte[] extra;
        if (size < 29) {
            sizeBits = size;
            extra = new byte[0];
        } else if (size < 29 + 256) {
            sizeBits = 29;
            extra = new byte[] {(byte) (size - 29)};
        } else if (size < 285 + 65536) {
            sizeBits = 30;
            int s = size - 285;
            extra = new byte[] {(byte) (s >>> 8), (byte) s};
        } else {
            sizeBits = 31;
            int s = size - 65821;
            extra = new byte[] {(byte) (s >>> 16), (byte) (s >>> 8), (byte) s};
        }
        if (type <= 7) {
            out.write((type << 5) | sizeBits);
        } else {
            out.write(sizeBits);
            out.write(type - 7);
        }
        out.writeBytes(extra);
    }
}
