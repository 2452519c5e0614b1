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
    private static final int VERSION = 1;

    /** The arrays of a lookup, in sorted order, with the distinct AS infos indexed by int. */
    record Tables(int[] v4First, int[] v4Last, int[] v4Info, long[] v6FirstHi, long[] v6FirstLo, long[] v6LastHi,
                  long[] v6LastLo, int[] v6Info, CsvAsnLookup.Infos infos) {}

    private static final java.lang.invoke.VarHandle LONG =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final java.lang.invoke.VarHandle INT =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private AsnSnapshot() {}

    /** Where the snapshot of {@code files} lives in {@code dir}. */
    static Path file(Path dir, List<Path> files) throws IOException {
        return SnapshotName.of(dir, "asn", VERSION, files);
    }

    /** The tables saved in {@code f}, or null when there is no usable snapshot. */
    static Tables read(Path f) {
        try {
            if (!Files.isRegularFile(f)) return null;
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
            if (b.getInt() != MAGIC || b.getInt() != VERSION) return null;
            int n4 = b.getInt(), n6 = b.getInt(), ni = b.getInt();
            // Counts are checked against the bytes left before anything is allocated from them.
            if (n4 < 0 || n6 < 0 || ni < 0 || 12L * n4 + 36L * n6 + 12L * ni > b.remaining()) return null;
            // The organisations stay bytes (decoded when asked for): only their places are read here.
            long[] asn = new long[ni];
            int[] orgAt = new int[ni], orgLen = new int[ni];
            byte[] all = b.array();
            int infosFrom = b.position(), p = infosFrom;
            for (int i = 0; i < ni; i++) {
                asn[i] = (long) LONG.get(all, p);
                int len = (int) INT.get(all, p + 8);
                p += 12;
                if (len > all.length - p) return null;
                orgAt[i] = p - infosFrom;
                orgLen[i] = len;
                if (len > 0) p += len;
            }
            byte[] orgs = java.util.Arrays.copyOfRange(all, infosFrom, p);
            b.position(p);
            CsvAsnLookup.Infos infos = new CsvAsnLookup.Infos(asn, orgs, orgAt, orgLen);
            int[] v4First = ints(b, n4), v4Last = ints(b, n4), v4Info = ints(b, n4);
            long[] v6FirstHi = longs(b, n6), v6FirstLo = longs(b, n6), v6LastHi = longs(b, n6), v6LastLo = longs(b, n6);
            int[] v6Info = ints(b, n6);
            if (b.remaining() != 0) return null;
            for (int i : v4Info) if (i < 0 || i >= ni) return null;
            for (int i : v6Info) if (i < 0 || i >= ni) return null;
            return new Tables(v4First, v4Last, v4Info, v6FirstHi, v6FirstLo, v6LastHi, v6LastLo, v6Info, infos);
        } catch (IOException | RuntimeException e) {
            return null; // damaged or foreign: the CSV is parsed again and the snapshot rewritten
        }
    }

    /** Saves {@code t} as {@code f} and removes the snapshots of the same files' older data; best effort. */
    static void write(Path f, Tables t) {
        try {
            Files.createDirectories(f.getParent());
            byte[][] orgs = new byte[t.infos().size()][];
            long size = 20;
            for (int i = 0; i < orgs.length; i++) {
                String o = t.infos().get(i).org();
                orgs[i] = o == null ? null : o.getBytes(StandardCharsets.UTF_8);
                size += 12 + (orgs[i] == null ? 0 : orgs[i].length);
            }
            size += 12L * t.v4First().length + 36L * t.v6FirstHi().length;
            if (size > Integer.MAX_VALUE) return;
            ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(MAGIC).putInt(VERSION).putInt(t.v4First().length).putInt(t.v6FirstHi().length)
                    .putInt(t.infos().size());
            for (int i = 0; i < orgs.length; i++) {
                b.putLong(t.infos().asn(i));
                b.putInt(orgs[i] == null ? -1 : orgs[i].length);
                if (orgs[i] != null) b.put(orgs[i]);
            }
            b.asIntBuffer().put(t.v4First());
            b.position(b.position() + 4 * t.v4First().length);
            b.asIntBuffer().put(t.v4Last());
            b.position(b.position() + 4 * t.v4Last().length);
            b.asIntBuffer().put(t.v4Info());
            b.position(b.position() + 4 * t.v4Info().length);
            for (long[] a : new long[][] {t.v6FirstHi(), t.v6FirstLo(), t.v6LastHi(), t.v6LastLo()}) {
                b.asLongBuffer().put(a);
                b.position(b.position() + 8 * a.length);
            }
            b.asIntBuffer().put(t.v6Info());
            // No temporary file and rename: read() accepts only a file of exactly the size its counts
            // give, so a cut or concurrent write is never trusted, and equal names hold equal bytes.
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
