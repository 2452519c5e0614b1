package dev.keyhole.refdata;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The parsed ASN ranges of a set of CSV files, saved as flat arrays in the cache so that later runs
 * read them in one bulk copy instead of parsing 45 MB of text (and compiling the parser) at every
 * start. The file name is a hash of the CSV files' paths, sizes and modification times, so
 * changed data is parsed again; an unreadable snapshot is ignored and rewritten.
 */
final class AsnSnapshot {
    private static final int MAGIC = 0x4b48_4153; // "KHAS"
    // 2: organisations' places and a CRC-32C stored, so reading is bulk copies and one checksum
    private static final int VERSION = 2;
    /** Magic, version, the three counts, the organisations' bytes, the CRC-32C of the rest. */
    private static final int HEADER = 28;

    /** The arrays of a lookup, in sorted order, with the distinct AS infos indexed by int. */
    record Tables(int[] v4First, int[] v4Last, int[] v4Info, long[] v6FirstHi, long[] v6FirstLo, long[] v6LastHi,
                  long[] v6LastLo, int[] v6Info, CsvAsnLookup.Infos infos) {}

    private AsnSnapshot() {}

    /** Where the snapshot of {@code files} lives in {@code dir}. */
    static Path file(Path dir, List<Path> files) throws IOException {
        return SnapshotName.of(dir, "asn", VERSION, files);
    }

    /**
     * The tables saved in {@code f}, or null when there is no usable snapshot. Every array is one bulk
     * copy; a damaged file is caught by its CRC-32C (as the geo snapshot's), not by checking each
     * entry: the per-entry loops took most of the ~45 ms this took in a new JVM.
     */
    static Tables read(Path f) {
        try {
            if (!Files.isRegularFile(f)) return null;
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
            if (b.remaining() < HEADER || b.getInt() != MAGIC || b.getInt() != VERSION) return null;
            int n4 = b.getInt(), n6 = b.getInt(), ni = b.getInt(), orgBytes = b.getInt(), crc = b.getInt();
            // Counts are checked against the bytes there before anything is allocated from them.
            if (n4 < 0 || n6 < 0 || ni < 0 || orgBytes < 0
                    || 16L * ni + orgBytes + 12L * n4 + 36L * n6 != b.remaining()) {
                return null;
            }
            java.util.zip.CRC32C sum = new java.util.zip.CRC32C();
            sum.update(b.slice());
            if ((int) sum.getValue() != crc) return null;
            long[] asn = longs(b, ni);
            int[] orgAt = ints(b, ni), orgLen = ints(b, ni);
            byte[] orgs = new byte[orgBytes];
            b.get(orgs);
            CsvAsnLookup.Infos infos = new CsvAsnLookup.Infos(asn, orgs, orgAt, orgLen);
            int[] v4First = ints(b, n4), v4Last = ints(b, n4), v4Info = ints(b, n4);
            long[] v6FirstHi = longs(b, n6), v6FirstLo = longs(b, n6), v6LastHi = longs(b, n6), v6LastLo = longs(b, n6);
            int[] v6Info = ints(b, n6);
            return new Tables(v4First, v4Last, v4Info, v6FirstHi, v6FirstLo, v6LastHi, v6LastLo, v6Info, infos);
        } catch (IOException | RuntimeException e) {
            return null; // damaged or foreign: the CSV is parsed again and the snapshot rewritten
        }
    }

    /** Saves {@code t} as {@code f} and removes the snapshots of the same files' older data; best effort. */
    static void write(Path f, Tables t) {
        try {
            Files.createDirectories(f.getParent());
            int ni = t.infos().size();
            byte[][] orgs = new byte[ni][];
            long orgBytes = 0;
            for (int i = 0; i < ni; i++) {
                String o = t.infos().get(i).org();
                orgs[i] = o == null ? null : o.getBytes(StandardCharsets.UTF_8);
                if (orgs[i] != null) orgBytes += orgs[i].length;
            }
            long size = HEADER + 16L * ni + orgBytes + 12L * t.v4First().length + 36L * t.v6FirstHi().length;
            if (size > Integer.MAX_VALUE) return;
            ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(MAGIC).putInt(VERSION).putInt(t.v4First().length).putInt(t.v6FirstHi().length)
                    .putInt(ni).putInt((int) orgBytes).putInt(0);
            for (int i = 0; i < ni; i++) b.putLong(t.infos().asn(i));
            int at = 0;
            for (byte[] o : orgs) {
                b.putInt(o == null ? 0 : at);
                if (o != null) at += o.length;
            }
            for (byte[] o : orgs) b.putInt(o == null ? -1 : o.length);
            for (byte[] o : orgs) if (o != null) b.put(o);
            for (int[] a : new int[][] {t.v4First(), t.v4Last(), t.v4Info()}) {
                b.asIntBuffer().put(a);
                b.position(b.position() + 4 * a.length);
            }
            for (long[] a : new long[][] {t.v6FirstHi(), t.v6FirstLo(), t.v6LastHi(), t.v6LastLo()}) {
                b.asLongBuffer().put(a);
                b.position(b.position() + 8 * a.length);
            }
            b.asIntBuffer().put(t.v6Info());
            java.util.zip.CRC32C sum = new java.util.zip.CRC32C();
            sum.update(b.array(), HEADER, (int) size - HEADER);
            b.putInt(HEADER - 4, (int) sum.getValue());
            // No temporary file and rename: read() accepts only a file of exactly the size its counts
            // give and the checksum it holds, so a cut or concurrent write is never trusted.
            Files.write(f, b.array());
            SnapshotName.removeOlder(f);
        } catch (IOException | RuntimeException e) {
            // a read-only cache only costs the next run a parse
        }
    }

    private static int[] ints(ByteBuffer b, int n) {
        int[] a = new int[n];
        b.asIntBuffer().get(a);
        b.position(b.position() + 4 * n);
        return a;
    }

    private static long[] longs(ByteBuffer b, int n) {
        long[] a = new long[n];
        b.asLongBuffer().get(a);
        b.position(b.position() + 8 * n);
        return a;
    }
}
