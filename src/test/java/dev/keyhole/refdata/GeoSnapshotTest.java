package dev.keyhole.refdata;

import dev.keyhole.records.Ip;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The IPv4 snapshot must answer exactly as MaxMind's reader does over the same files. */
class GeoSnapshotTest {
    @TempDir
    Path dir;

    /**
     * Random nested networks, /6 to /32, in an IPv4 file and (MaxMind layout) under ::/96 of an
     * IPv6 file, some with records that name no place (so the next file is asked).
     */
    private List<Path> randomPair(long seed, List<Integer> edges) throws IOException {
        Random r = new Random(seed);
        String[] cc = {"KP", "CN", "RU", "US", "DE", "SG"};
        MmdbWriter v4 = new MmdbWriter(4, "city ipv4");
        MmdbWriter v6 = new MmdbWriter(6, "GeoLite2-City");
        for (int i = 0; i < 1500; i++) {
            int len = 6 + r.nextInt(27);
            int net = r.nextInt() & (int) (0xffff_ffffL << (32 - len));
            String cidr = Ip.ofV4(net) + "/" + len;
            edges.add(net);
            edges.add(net + (int) ((1L << (32 - len)) - 1));
            Map<String, Object> flat = new HashMap<>();
            int kind = r.nextInt(10);
            if (kind == 0) {
                flat.put("postcode", "none"); // decodes to no place: the lookup goes on to the next file
            } else {
                flat.put("country_code", cc[r.nextInt(cc.length)]);
                flat.put("city", kind < 4 ? "" : "City" + r.nextInt(40));
                flat.put("latitude", r.nextInt(90) * 1.0);
                flat.put("longitude", r.nextInt(180) * 1.0);
            }
            if (r.nextInt(3) == 0) {
                v6.insert(cidr, Map.of("country", Map.of("iso_code", cc[r.nextInt(cc.length)]),
                        "location", Map.of("latitude", 1.5, "longitude", 2.5)));
            } else {
                v4.insert(cidr, flat);
            }
        }
        return List.of(v4.write(dir.resolve("a-ipv4.mmdb")), v6.write(dir.resolve("b-ipv6.mmdb")));
    }

    @Test
    void answersAsTheReadersDoWithPrefixesThatHold() throws IOException {
        List<Integer> edges = new ArrayList<>();
        List<Path> files = randomPair(7, edges);
        List<String> log = new ArrayList<>();
        Random r = new Random(11);
        try (GeoLookup snap = GeoLookup.open(files, dir.resolve("snapshots"), log::add);
             GeoLookup readers = GeoLookup.open(files)) {
            assertThat(snap.snapshotted()).isTrue();
            assertThat(log).singleElement().asString().contains("indexing 2 MMDB file(s)");
            int[] ps = new int[1], pr = new int[1];
            List<Integer> probes = new ArrayList<>();
            for (int e : edges) {
                probes.add(e - 1);
                probes.add(e);
                probes.add(e + 1);
            }
            for (int i = 0; i < 100_000; i++) probes.add(r.nextInt());
            probes.add(0);
            probes.add(-1);
            int found = 0, uniform = 0;
            for (int a : probes) {
                Ip ip = Ip.ofV4(a);
                GeoLocation s = snap.lookup(ip, ps), g = readers.lookup(ip, pr);
                assertThat(s).as("%s", ip).isEqualTo(g);
                if (g == null) {
                    assertThat(ps[0]).as("nothing known: no network claimed for %s", ip).isEqualTo(33);
                    continue;
                }
                found++;
                // merged ranges may hold for a larger network than the reader's, never a smaller one
                assertThat(ps[0]).as("%s", ip).isLessThanOrEqualTo(pr[0]);
                if (ps[0] <= 24 && uniform < 300) {
                    uniform++;
                    for (int k = 0; k < 256; k += 17) {
                        Ip other = Ip.ofV4((a & 0xffff_ff00) | k);
                        assertThat(readers.lookup(other)).as("same /24 as %s: %s", ip, other).isEqualTo(s);
                    }
                }
            }
            assertThat(found).as("the probes must hit networks").isGreaterThan(10_000);
            assertThat(uniform).isGreaterThan(50);
            // IPv6 still comes from the readers
            assertThat(snap.lookup(Ip.parse("2001:db8::1"))).isEqualTo(readers.lookup(Ip.parse("2001:db8::1")));
        }
    }

    @Test
    void isBuiltOnceAndRebuiltWhenTheDataChanges() throws IOException {
        List<Path> files = GeoLookupTest.flatPair(dir);
        Path snaps = dir.resolve("snapshots");
        List<String> log = new ArrayList<>();
        try (GeoLookup g = GeoLookup.open(files, snaps, log::add)) {
            assertThat(g.lookup(Ip.parse("1.2.3.4")).city()).isEqualTo("Beijing");
        }
        try (GeoLookup g = GeoLookup.open(files, snaps, log::add)) {
            assertThat(g.snapshotted()).isTrue();
            assertThat(g.lookup(Ip.parse("1.2.4.4")).city()).isEqualTo("Sydney");
        }
        assertThat(log).as("the second open reads the snapshot").hasSize(1);
        Path first = single(snaps);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(first)))
                .as("other users of the cache can read it").isEqualTo("rw-r--r--");

        // Newer data: a new snapshot, the old one removed
        new MmdbWriter(4, "city ipv4")
                .insert("1.0.0.0/8", Map.of("country_code", "JP", "city", "Tokyo", "latitude", 35.7, "longitude", 139.7))
                .write(files.get(0));
        Files.setLastModifiedTime(files.get(0), FileTime.fromMillis(Files.getLastModifiedTime(files.get(0)).toMillis() + 5000));
        try (GeoLookup g = GeoLookup.open(files, snaps, log::add)) {
            assertThat(g.lookup(Ip.parse("1.2.3.4")).city()).isEqualTo("Tokyo");
        }
        assertThat(log).hasSize(2);
        assertThat(single(snaps)).isNotEqualTo(first);
    }

    @Test
    void anUnwritableCacheGetsASnapshotInMemory() throws IOException {
        List<Path> files = GeoLookupTest.flatPair(dir);
        // a file where the directory should be
        Path blocked = Files.writeString(dir.resolve("not-a-dir"), "x");
        try (GeoLookup g = GeoLookup.open(files, blocked, m -> {})) {
            assertThat(g.snapshotted()).isTrue();
            assertThat(g.lookup(Ip.parse("8.8.8.8")).country()).isEqualTo("US");
            assertThat(g.lookup(Ip.parse("9.9.9.9"))).isNull();
        }
    }

    @Test
    void damagedSnapshotsAreFoundAndRebuilt() throws IOException {
        List<Path> files = GeoLookupTest.flatPair(dir);
        Path snaps = dir.resolve("snapshots");
        List<String> log = new ArrayList<>();
        GeoLookup.open(files, snaps, log::add).close();
        Path f = single(snaps);
        byte[] whole = Files.readAllBytes(f);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(whole).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int nFiles = b.getInt(8), nInfos = b.getInt(12);
        int infosAt = 20 + 4 * nFiles, infoBytes = b.getInt(infosAt + 4 * nInfos);
        int tablesAt = infosAt + 4 * nInfos + 4 + infoBytes, n0 = b.getInt(20); // header: magic, version, files, infos, CRC
        // cut short; an info offset past the end, an answer id past the infos, two starts out of order
        List<java.util.function.Consumer<java.nio.ByteBuffer>> damage = List.of(
                x -> x.putInt(infosAt + 4 * (nInfos - 1), infoBytes + 100),
                x -> x.putInt(tablesAt + 4 * n0 + 4, nInfos),
                x -> x.putInt(tablesAt + 4, x.getInt(tablesAt + 8) + 1));
        Files.write(f, java.util.Arrays.copyOf(whole, whole.length - 3));
        try (GeoLookup g = GeoLookup.open(files, snaps, log::add)) {
            assertThat(g.lookup(Ip.parse("210.52.109.77")).city()).isEqualTo("Pyongyang");
        }
        assertThat(log).as("rebuilt").hasSize(2);
        assertThat(Files.readAllBytes(f)).isEqualTo(whole);
        int builds = 2;
        for (var d : damage) {
            byte[] copy = whole.clone();
            d.accept(java.nio.ByteBuffer.wrap(copy).order(java.nio.ByteOrder.LITTLE_ENDIAN));
            Files.write(f, copy);
            try (GeoLookup g = GeoLookup.open(files, snaps, log::add)) {
                assertThat(g.lookup(Ip.parse("8.8.8.8")).country()).isEqualTo("US");
                assertThat(g.lookup(Ip.parse("1.2.3.4")).city()).isEqualTo("Beijing");
            }
            assertThat(log).as("rebuilt").hasSize(++builds);
            assertThat(Files.readAllBytes(f)).isEqualTo(whole);
        }
    }

    @Test
    void otherFilesKeepTheirOwnSnapshot() throws IOException {
        List<Path> pair = GeoLookupTest.flatPair(dir);
        Path own = GeoLookupTest.maxmindCity(dir.resolve("city.mmdb"));
        Path snaps = dir.resolve("snapshots");
        List<String> log = new ArrayList<>();
        Files.createDirectories(snaps);
        Path oldScheme = Files.writeString(snaps.resolve("geo-0c1889b9a84be69daeb1d2bb.bin"), "x");
        Path asn = Files.writeString(snaps.resolve("asn-0c1889b9a84b-0c1889b9a84be69d.bin"), "x");
        for (int i = 0; i < 3; i++) {
            GeoLookup.open(pair, snaps, log::add).close();
            try (GeoLookup g = GeoLookup.open(List.of(own), snaps, log::add)) {
                assertThat(g.lookup(Ip.parse("175.45.178.9")).city()).isEqualTo("Pyongyang");
            }
        }
        assertThat(log).as("one build per data set").hasSize(2);
        assertThat(oldScheme).as("a name from before the current scheme").doesNotExist();
        assertThat(asn).as("another kind's snapshot").exists();
    }

    @Test
    void aCorruptRecordLeavesTheReadersInChargeAndIsNotWalkedAgain() throws IOException {
        Path f = dir.resolve("bad.mmdb");
        new MmdbWriter(4, "city ipv4")
                .insert("8.8.8.0/24", Map.of("country_code", "US", "city", "", "latitude", 37.751, "longitude", -97.822))
                .write(f);
        byte[] db = Files.readAllBytes(f);
        int data = indexOf(db, new byte[16]) + 16; // the data section follows 16 zero bytes
        db[data] = 0x00; // extended type...
        db[data + 1] = (byte) 0x7f; // ...that does not exist
        Files.write(f, db);
        Path snaps = dir.resolve("snapshots");
        List<String> log = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            try (GeoLookup g = GeoLookup.open(List.of(f), snaps, log::add)) {
                assertThat(g.snapshotted()).isFalse();
                assertThat(g.lookup(Ip.parse("8.8.8.8"))).isNull();
                assertThat(g.errors()).isEqualTo(1);
                assertThat(g.lookup(Ip.parse("9.9.9.9"))).isNull();
            }
        }
        assertThat(log).as("walked once").hasSize(1);
    }

    private static int indexOf(byte[] a, byte[] b) {
        outer:
        for (int i = 0; i + b.length <= a.length; i++) {
            for (int k = 0; k < b.length; k++) if (a[i + k] != b[k]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }

    @Test
    void alignedPrefixIsTheLargestNetworkInsideTheRange() {
        assertThat(GeoSnapshot.alignedPrefix(0x0102_0304L, 0, 0xffff_ffffL)).isZero();
        assertThat(GeoSnapshot.alignedPrefix(0x0102_0304L, 0x0102_0300L, 0x0102_03ffL)).isEqualTo(24);
        assertThat(GeoSnapshot.alignedPrefix(0x0102_0304L, 0x0102_0301L, 0x0102_03ffL)).isEqualTo(30);
        assertThat(GeoSnapshot.alignedPrefix(0x0102_0300L, 0x0102_0300L, 0x0102_0300L)).isEqualTo(32);
        assertThat(GeoSnapshot.alignedPrefix(0x0102_0380L, 0x0102_0300L, 0x0102_04ffL)).isEqualTo(24);
    }

    private static Path single(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            List<Path> l = s.filter(p -> p.getFileName().toString().startsWith("geo-")).toList();
            assertThat(l).hasSize(1);
            return Objects.requireNonNull(l.get(0));
        }
    }
}
