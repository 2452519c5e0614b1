package dev.keyhole.store;

import dev.keyhole.enrichment.Category;
import dev.keyhole.enrichment.Direction;
import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.enrichment.Obfuscation;
import dev.keyhole.enrichment.Origin;
import dev.keyhole.profile.TargetProfile;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.NameSource;
import dev.keyhole.sources.InputFile;
import dev.keyhole.sources.InputFormat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Single-thread write rate of one StoreWriter (buffering, the hand-off to DuckDB, Parquet
 * encoding), after a warm-up run; not a unit test. docs/store.md gives the command and results.
 * Arguments: flows (default 4,000,000), days they spread over (default 1), scratch directory.
 */
public final class StoreWriteBenchmark {
    private StoreWriteBenchmark() {}

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 4_000_000;
        int days = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        Path base = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("keyhole-store-bench");
        EnrichedFlow[] flows = flows(days);
        run(flows, Math.min(n, 1_000_000), base.resolve("warmup"));
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long t0 = System.nanoTime(), c0 = os.getProcessCpuTime();
        FlowStore.Summary s = run(flows, n, base.resolve("run"));
        double wall = (System.nanoTime() - t0) / 1e9, cpu = (os.getProcessCpuTime() - c0) / 1e9;
        long size;
        try (Stream<Path> st = Files.walk(base.resolve("run"))) {
            size = st.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        // Process CPU time (GC included) is what a shared machine's load does not distort.
        System.out.printf("%,d rows over %d day(s): %,d files, %.1f MiB; %.2f s with buffering, %,.0f rows/s; "
                        + "DuckDB hand-off and Parquet %,.0f rows/s; CPU %.2f s, %,.0f rows per CPU second%n", s.rows(),
                days, s.files(), size / 1048576.0, wall, s.rows() / wall, s.rowsPerSecond(), cpu, s.rows() / cpu);
        delete(base);
    }

    private static FlowStore.Summary run(EnrichedFlow[] flows, int n, Path dir) throws IOException {
        TargetProfile p = new TargetProfile("bench", List.of("175.45.176.0/22"), List.of(),
                ZoneId.of("Asia/Pyongyang"), Set.of(DayOfWeek.SUNDAY), List.of(), List.of());
        try (FlowStore store = FlowStore.create(dir, p, FlowStore.DEFAULT_BATCH_ROWS)) {
            StoreWriter w = store.newWriter();
            w.file(new InputFile(Path.of("/data/ipfix/2018-05-05/nfcapd.201805050000.ipfix"), InputFormat.IPFIX,
                    false, 0));
            for (int i = 0; i < n; i++) w.accept(flows[i % flows.length]);
            return store.finish();
        }
    }

    /**
     * 64k distinct flows shaped like enrichment output: a few hundred services, names, countries,
     * cities and AS organisations, each a shared String as the catalogue and the MMDB readers'
     * caches hand them out. Built in start order, as flow exports mostly are, so the array is
     * also in allocation order (the local clock caches the zone offset; memory is read in order).
     */
    private static EnrichedFlow[] flows(int days) {
        Random r = new Random(1);
        long start = Instant.parse("2018-05-04T15:00:00Z").toEpochMilli();
        String[] services = new String[300], serviceNames = new String[300], names = new String[300];
        for (int i = 0; i < services.length; i++) {
            services[i] = "service-" + i;
            serviceNames[i] = "Service " + i;
            names[i] = "www." + services[i] + ".example";
        }
        String[] companies = new String[120], orgs = new String[200], cities = new String[50];
        for (int i = 0; i < companies.length; i++) companies[i] = "Company " + i;
        for (int i = 0; i < orgs.length; i++) orgs[i] = "AS Org " + i;
        for (int i = 0; i < cities.length; i++) cities[i] = "City " + i;
        Category[] cats = Category.values();
        Origin[] origins = Origin.values();
        Obfuscation[] obf = Obfuscation.values();
        String[] countries = {"CN", "RU", "US", "DE", "HK", "JP", "KR", "SG", "NL", "FR"};
        EnrichedFlow[] out = new EnrichedFlow[1 << 16];
        long[] times = new long[out.length];
        for (int i = 0; i < out.length; i++) times[i] = start + (long) (r.nextDouble() * days * 86_400_000L);
        java.util.Arrays.sort(times);
        for (int i = 0; i < out.length; i++) {
            long t = times[i];
            Ip local = Ip.ofV4(0xAF2DB000 | r.nextInt(1024));
            Ip remote = Ip.ofV4(r.nextInt());
            int svc = (int) Math.min(services.length - 1, Math.abs(r.nextGaussian() * 40));
            boolean named = r.nextInt(3) > 0;
            String name = named ? names[svc] : null;
            FlowRecord f = new FlowRecord(t, t + r.nextInt(600_000), local, remote, 1024 + r.nextInt(60_000),
                    r.nextBoolean() ? 443 : 80, 6, 0x1b, 1 + r.nextInt(100), 40 + r.nextInt(1_000_000), 0, 0, false,
                    null, name, named ? NameSource.DNS : NameSource.NONE);
            String country = countries[r.nextInt(countries.length)];
            out[i] = new EnrichedFlow(f, Direction.OUTBOUND, true, local, remote, f.dstPort(), name, country,
                    r.nextBoolean() ? cities[r.nextInt(cities.length)] : null, 4000 + r.nextInt(200),
                    orgs[r.nextInt(orgs.length)], services[svc], serviceNames[svc], companies[svc % companies.length],
                    cats[svc % cats.length], country, origins[svc % origins.length], obf[svc % obf.length]);
        }
        return out;
    }

    private static void delete(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) Files.delete(x);
        }
    }
}
