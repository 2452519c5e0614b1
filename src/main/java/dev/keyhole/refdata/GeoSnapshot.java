package dev.keyhole.refdata;

import com.maxmind.db.CHMCache;
import com.maxmind.db.DatabaseRecord;
import com.maxmind.db.Reader;
import dev.keyhole.records.Ip;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The IPv4 answers of a list of geo MMDB files as flat sorted ranges, built once with MaxMind's
 * reader and kept in the cache, so that a run looks an address up with a binary search instead of
 * MaxMind's generic record decoder (whose JIT compilation alone cost about 1 s of CPU per run and
 * held the single C2 compiler thread of a 2-core machine while the hot path waited: docs/benchmarks.md).
 *
 * <p>Built by walking the whole IPv4 space with {@link Reader#getRecord}: each step asks for the
 * record of the next address and skips the network the answer holds for, so the table has exactly
 * the answers and network extents a lookup sees, empty networks included. Adjacent ranges with the
 * same answer are merged. IPv6 is not in the snapshot (it keeps MaxMind's reader): its aliases of
 * the IPv4 tree would multiply the table, and target traffic is mostly IPv4.
 *
 * <p>The file is memory-mapped; it is written under a temporary name and moved into place, so a
 * run that has it mapped never sees it change. Its name hashes the files' paths, sizes and times.
 */
final class GeoSnapshot {
    private static final int MAGIC = 0x4b48_4745; // "KHGE" (little-endian on disk)
    private static final int VERSION = 2;
    /** Magic, version, files, infos, CRC-32C of everything after the header. */
    private static final int HEADER = 20;
    /** Walk chunks: enough to keep every core busy while some chunks are sparse. */
    private static final int CHUNKS = 64;

    private final ByteBuffer buf;
    private final int nInfos;
    private final int infosAt; // offsets table, then the info bytes
    private final IntBuffer[] starts; // per file: range starts with the sign bit flipped (signed order = unsigned)
    private final IntBuffer[] ids;    // per file: info id per range, -1 = no answer
    private final GeoLocation[] decoded; // infos decoded on first use; races only decode twice (records are immutable)

    private GeoSnapshot(ByteBuffer buf, int nInfos, int infosAt, IntBuffer[] starts, IntBuffer[] ids) {
        this.buf = buf;
        this.nInfos = nInfos;
        this.infosAt = infosAt;
        this.starts = starts;
        this.ids = ids;
        this.decoded = new GeoLocation[nInfos];
    }

    /** Where the snapshot of {@code files} lives in {@code dir}. */
    static Path file(Path dir, List<Path> files) throws IOException {
        return SnapshotName.of(dir, "geo", VERSION, files);
    }

    /** The index of the range of file {@code file} that holds IPv4 {@code a}. */
    int find(int file, int a) {
        IntBuffer s = starts[file];
        int key = a ^ Integer.MIN_VALUE;
        int lo = 0, hi = s.limit() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (s.get(mid) <= key) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    /** The answer of range {@code r} of file {@code file}, null when that file has none there. */
    GeoLocation answer(int file, int r) {
        int id = ids[file].get(r);
        return id < 0 ? null : info(id);
    }

    /** The length of the largest aligned network around {@code a} inside range {@code r} of file {@code file}. */
    int prefix(int file, int r, int a) {
        IntBuffer s = starts[file];
        long first = (s.get(r) ^ Integer.MIN_VALUE) & 0xffff_ffffL;
        long last = r + 1 < s.limit() ? ((s.get(r + 1) ^ Integer.MIN_VALUE) & 0xffff_ffffL) - 1 : 0xffff_ffffL;
        return alignedPrefix(a & 0xffff_ffffL, first, last);
    }

    /** The shortest prefix whose aligned network around {@code a} lies within [first, last]. */
    static int alignedPrefix(long a, long first, long last) {
        for (int p = 0; p < 32; p++) {
            long size = 1L << (32 - p);
            long net = a & -size;
            if (net >= first && net + size - 1 <= last) return p;
        }
        return 32;
    }

    private GeoLocation info(int id) {
        GeoLocation g = decoded[id];
        if (g != null) return g;
        int at = infosAt + 4 * nInfos + 4 + buf.getInt(infosAt + 4 * id);
        double lat = buf.getDouble(at), lon = buf.getDouble(at + 8);
        at += 16;
        String[] text = new String[2];
        for (int k = 0; k < 2; k++) {
            int len = buf.getInt(at);
            at += 4;
            if (len >= 0) {
                byte[] b = new byte[len];
                buf.get(at, b);
                text[k] = new String(b, StandardCharsets.UTF_8);
                at += len;
            }
        }
        g = new GeoLocation(text[0], text[1], lat, lon);
        decoded[id] = g;
        return g;
    }

    /** The snapshot in {@code f} if it is one for {@code nFiles} files, else null (absent, foreign or cut). */
    static GeoSnapshot read(Path f, int nFiles) {
        if (!Files.isRegularFile(f)) return null;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            if (ch.size() > Integer.MAX_VALUE) return null;
            return parse(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()), nFiles);
        } catch (IOException | RuntimeException e) {
            return null; // rebuilt from the MMDB files
        }
    }

    private static GeoSnapshot parse(ByteBuffer b, int nFiles) {
        b.order(ByteOrder.LITTLE_ENDIAN);
        long size = b.limit();
        if (size < HEADER || b.getInt(0) != MAGIC || b.getInt(4) != VERSION || b.getInt(8) != nFiles) return null;
        int nInfos = b.getInt(12);
        // A damaged file is rebuilt, never trusted: one checksum pass (hardware CRC-32C, a few ms
        // for GeoLite2's 24 MB) instead of checking every range, which took ~100 ms in a new JVM.
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b.slice(HEADER, (int) size - HEADER));
        if ((int) crc.getValue() != b.getInt(16)) return null;
        long at = HEADER + 4L * nFiles;
        if (nInfos < 0 || at > size) return null;
        int[] n = new int[nFiles];
        for (int i = 0; i < nFiles; i++) {
            n[i] = b.getInt(HEADER + 4 * i);
            if (n[i] < 1) return null;
        }
        int infosAt = (int) at;
        if (at + 4L * nInfos + 4 > size) return null;
        int infoBytes = b.getInt((int) (at + 4L * nInfos));
        at += 4L * nInfos + 4;
        if (infoBytes < 0 || at + infoBytes > size) return null;
        at += infoBytes;
        IntBuffer[] starts = new IntBuffer[nFiles], ids = new IntBuffer[nFiles];
        for (int i = 0; i < nFiles; i++) {
            if (at + 8L * n[i] > size) return null;
            starts[i] = b.slice((int) at, 4 * n[i]).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
            at += 4L * n[i];
            ids[i] = b.slice((int) at, 4 * n[i]).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
            at += 4L * n[i];
            if (starts[i].get(0) != Integer.MIN_VALUE) return null;
        }
        if (at != size) return null;
        return new GeoSnapshot(b, nInfos, infosAt, starts, ids);
    }

    /** Marks {@code f}'s data as not snapshottable (a reader failed on a record), so runs stop trying. */
    static Path noneMarker(Path f) {
        String n = f.getFileName().toString();
        return f.resolveSibling(n.substring(0, n.length() - ".bin".length()) + ".none");
    }

    /**
     * Builds the snapshot of {@code files} (in lookup order) with readers of its own, writes it to {@code f} when it can,
     * and returns it (mapped from the file, or from memory when the cache is not writable); null
     * when a reader fails on some record, so the caller keeps using the readers.
     */
    static GeoSnapshot build(List<Path> files, Path f) {
        List<Reader> readers = new ArrayList<>();
        try {
            for (Path p : files) readers.add(new Reader(p.toFile(), new CHMCache()));
            return index(readers, f);
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            return null; // the readers answer
        } finally {
            for (Reader r : readers) {
                try {
                    r.close();
                } catch (IOException e) {
                    // read-only; nothing to lose
                }
            }
        }
    }

    private static GeoSnapshot index(List<Reader> readers, Path f) {
        List<GeoLocation> infos = new ArrayList<>();
        Map<GeoLocation, Integer> infoIds = new HashMap<>();
        List<int[][]> tables = new ArrayList<>();
        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "keyhole-geo-index");
            t.setDaemon(true);
            return t;
        });
        try {
            for (Reader reader : readers) {
                List<Future<Walk>> parts = new ArrayList<>();
                long step = (1L << 32) / CHUNKS;
                for (int c = 0; c < CHUNKS; c++) {
                    long from = c * step, to = from + step - 1;
                    parts.add(pool.submit(() -> walk(reader, from, to)));
                }
                IntList s = new IntList(), id = new IntList();
                for (Future<Walk> p : parts) {
                    Walk w = p.get();
                    int[] global = new int[w.answers.size()];
                    for (int i = 0; i < global.length; i++) {
                        global[i] = infoIds.computeIfAbsent(w.answers.get(i), x -> {
                            infos.add(x);
                            return infos.size() - 1;
                        });
                    }
                    for (int i = 0; i < w.starts.size; i++) {
                        int k = w.ids.get(i) < 0 ? -1 : global[w.ids.get(i)];
                        if (id.size > 0 && id.last() == k) continue;
                        s.add(w.starts.get(i) ^ Integer.MIN_VALUE);
                        id.add(k);
                    }
                }
                tables.add(new int[][] {s.toArray(), id.toArray()});
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            // a corrupt record: no snapshot, the readers answer (and count the error), and later
            // runs do not walk the same data again
            try {
                Files.createDirectories(f.getParent());
                Files.writeString(noneMarker(f), String.valueOf(e.getCause()));
            } catch (IOException | RuntimeException io) {
                // then the next run tries again
            }
            return null;
        } finally {
            pool.shutdownNow();
        }
        ByteBuffer bytes = serialise(infos, tables);
        try {
            Files.createDirectories(f.getParent());
            Path tmp = Files.createTempFile(f.getParent(), "geo-", ".tmp");
            try {
                // readable by the cache's other users, as the ASN snapshot and the npm files are
                // (a temporary file starts owner-only)
                try {
                    Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: its default permissions stand
                }
                Files.write(tmp, bytes.array());
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            SnapshotName.removeOlder(f);
            GeoSnapshot mapped = read(f, readers.size());
            if (mapped != null) return mapped;
        } catch (IOException | RuntimeException e) {
            // a read-only cache: this run uses the tables from memory, the next builds them again
        }
        return parse(ByteBuffer.wrap(bytes.array()), readers.size());
    }

    private static ByteBuffer serialise(List<GeoLocation> infos, List<int[][]> tables) {
        List<byte[]> enc = new ArrayList<>(infos.size());
        int infoBytes = 0;
        for (GeoLocation g : infos) {
            byte[] cc = g.country() == null ? null : g.country().getBytes(StandardCharsets.UTF_8);
            byte[] city = g.city() == null ? null : g.city().getBytes(StandardCharsets.UTF_8);
            ByteBuffer e = ByteBuffer.allocate(24 + (cc == null ? 0 : cc.length) + (city == null ? 0 : city.length))
                    .order(ByteOrder.LITTLE_ENDIAN);
            e.putDouble(g.latitude()).putDouble(g.longitude());
            e.putInt(cc == null ? -1 : cc.length);
            if (cc != null) e.put(cc);
            e.putInt(city == null ? -1 : city.length);
            if (city != null) e.put(city);
            enc.add(e.array());
            infoBytes += e.capacity();
        }
        long size = HEADER + 4L * tables.size() + 4L * infos.size() + 4 + infoBytes;
        for (int[][] t : tables) size += 8L * t[0].length;
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(VERSION).putInt(tables.size()).putInt(infos.size()).putInt(0);
        for (int[][] t : tables) b.putInt(t[0].length);
        int off = 0;
        for (byte[] e : enc) {
            b.putInt(off);
            off += e.length;
        }
        b.putInt(infoBytes);
        for (byte[] e : enc) b.put(e);
        for (int[][] t : tables) {
            for (int v : t[0]) b.putInt(v);
            for (int v : t[1]) b.putInt(v);
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b.array(), HEADER, b.capacity() - HEADER);
        b.putInt(16, (int) crc.getValue());
        return b;
    }

    /** One chunk's ranges [start, next start) and the chunk-local id of each answer (-1: none). */
    private record Walk(IntList starts, IntList ids, List<GeoLocation> answers) {}

    private static Walk walk(Reader reader, long from, long to) throws IOException {
        IntList starts = new IntList(), ids = new IntList();
        List<GeoLocation> answers = new ArrayList<>();
        Map<GeoLocation, Integer> local = new HashMap<>();
        int ipVersion = reader.getMetadata().getIpVersion();
        long a = from;
        while (a <= to) {
            DatabaseRecord<Map> rec = reader.getRecord(Ip.ofV4((int) a).toInetAddress(), Map.class);
            if (rec.getNetwork() == null) throw new IOException("no network for " + Ip.ofV4((int) a));
            int p = Math.max(0, Math.min(32, GeoLookup.v4Prefix(rec.getNetwork().getPrefixLength(), ipVersion)));
            GeoLocation g = rec.getData() == null ? null : GeoLookup.decode(rec.getData());
            int id = g == null ? -1 : local.computeIfAbsent(g, x -> {
                answers.add(x);
                return answers.size() - 1;
            });
            if (starts.size == 0 || ids.last() != id) {
                starts.add((int) a);
                ids.add(id);
            }
            long size = 1L << (32 - p);
            a = (a & -size) + size;
        }
        return new Walk(starts, ids, answers);
    }

    /** A growable int array (the walk adds millions of ranges). */
    static final class IntList {
        int[] a = new int[1024];
        int size;

        void add(int v) {
            if (size == a.length) a = java.util.Arrays.copyOf(a, size * 2);
            a[size++] = v;
        }

        int get(int i) {
            return a[i];
        }

        int last() {
            return a[size - 1];
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(a, size);
        }
    }
}
