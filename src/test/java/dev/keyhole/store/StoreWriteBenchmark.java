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
import dev.keyhole.store.parquet.ParquetWriter;

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
 * Single-thread write rate of one StoreWriter (buffering, grouping by day, Parquet
 * encoding), after a warm-up run; not a unit test. docs/store.md gives the command and results.
 * Arguments: flows (default 4,000,000), days they spread over (default 1), distinct services,
 * names, AS organisations and cities (default 300; the 10 M-flow IPFIX test data has about 3,000 a
 * batch), scratch directory ("-" for a new temporary one), page compression (snappy, zstd or
 * uncompressed; default the store's).
 */
public final class StoreWriteBenchmark {
    private static ParquetWriter.Codec codec;

    private StoreWriteBenchmark() {}

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 4_000_000;
        int days = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int distinct = args.length > 2 ? Integer.parseInt(args[2]) : 300;
        Path base = args.length > 3 && !args[3].equals("-") ? Path.of(args[3]) : Files.createTempDirectory("keyhole-store-bench");
        codec = args.length > 4 ? ParquetWriter.Codec.valueOf(args[4].toUpperCase(java.util.Locale.ROOT)) : FlowStore.DEFAULT_CODEC;
        Flows flows = new Flows(days, distinct);
        run(flows, Math.min(n, 1_000_000), base.resolve("warmup"));
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        // Making the flows (what reader and enrichment do) is timed alone and taken off.
        long m0 = System.nanoTime(), mc0 = os.getProcessCpuTime();
        long sink = 0;
        for (int i = 0; i < n; i++) sink += flows.get(i).flow().bytes();
        double make = (System.nanoTime() - m0) / 1e9, makeCpu = (os.getProcessCpuTime() - mc0) / 1e9;
        long t0 = System.nanoTime(), c0 = os.getProcessCpuTime();
        FlowStore.Summary s = run(flows, n, base.resolve("run"));
        double wall = (System.nanoTime() - t0) / 1e9 - make, cpu = (os.getProcessCpuTime() - c0) / 1e9 - makeCpu;
        long size;
        try (Stream<Path> st = Files.walk(base.resolve("run"))) {
            size = st.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        // Process CPU time (GC included) is what a shared machine's load distorts least.
        System.out.printf("%,d rows over %d day(s), %,d distinct names: %,d files, %.1f MiB; %.2f s with buffering, %,.0f rows/s; "
                        + "flushes (Parquet) %,.0f rows/s; CPU %.2f s, %,.0f rows per CPU second "
                        + "(making the flows: %.2f s, not counted)%s%n", s.rows(), days, distinct, s.files(), size / 1048576.0,
                wall, s.rows() / wall, s.rowsPerSecond(), cpu, s.rows() / cpu, make, sink == 42 ? "!" : "");
        delete(base);
    }

    private static FlowStore.Summary run(Flows flows, int n, Path dir) throws IOException {
        TargetProfile p = new TargetProfile("bench", List.of("175.45.176.0/22"), List.of(),
                ZoneId.of("Asia/Pyongyang"), Set.of(DayOfWeek.SUNDAY), List.of(), List.of());
        try (FlowStore store = FlowStore.create(dir, p, FlowStore.DEFAULT_BATCH_ROWS, codec)) {
            StoreWriter w = store.newWriter();
            w.file(new InputFile(Path.of("/data/ipfix/2018-05-05/nfcapd.201805050000.ipfix"), InputFormat.IPFIX,
                    false, 0));
            for (int i = 0; i < n; i++) w.accept(flows.get(i));
            return store.finish();
        }
    }

    /**
     * Flows shaped like enrichment output, made fresh for each row as reader and enrichment make
     * them (so they are in the CPU cache when the store sees them), from 1M precomputed rows in
     * start order: a few hundred services, names, countries, cities and AS organisations, each a
     * shared String as the catalogue and the MMDB readers' caches hand them out.
     */
    static final class Flows {
        static final int SIZE = 1 << 20;
        final long[] start = new long[SIZE];
        final int[] dur = new int[SIZE], local = new int[SIZE], remote = new int[SIZE], sport = new int[SIZE],
                packets = new int[SIZE], bytes = new int[SIZE], svc = new int[SIZE], country = new int[SIZE],
                city = new int[SIZE], asn = new int[SIZE], org = new int[SIZE];
        final boolean[] named = new boolean[SIZE], https = new boolean[SIZE];
        final String[] services, serviceNames, names, companies, orgs, cities;
        final String[] countries = {"CN", "RU", "US", "DE", "HK", "JP", "KR", "SG", "NL", "FR"};

        Flows(int days, int distinct) {
            Random r = new Random(1);
            services = new String[distinct];
            serviceNames = new String[distinct];
            names = new String[distinct];
            companies = new String[Math.max(1, distinct * 2 / 5)];
            orgs = new String[Math.max(1, distinct * 2 / 3)];
            cities = new String[Math.max(1, distinct / 6)];
            long t0 = Instant.parse("2018-05-04T15:00:00Z").toEpochMilli();
            for (int i = 0; i < services.length; i++) {
                services[i] = "service-" + i;
                serviceNames[i] = "Service " + i;
                names[i] = "www." + services[i] + ".example";
            }
            for (int i = 0; i < companies.length; i++) companies[i] = "Company " + i;
            for (int i = 0; i < orgs.length; i++) orgs[i] = "AS Org " + i;
            for (int i = 0; i < cities.length; i++) cities[i] = "City " + i;
            for (int i = 0; i < SIZE; i++) start[i] = t0 + (long) (r.nextDouble() * days * 86_400_000L);
            java.util.Arrays.sort(start);
            for (int i = 0; i < SIZE; i++) {
                dur[i] = r.nextInt(600_000);
                local[i] = 0xAF2DB000 | r.nextInt(1024);
                remote[i] = r.nextInt();
                sport[i] = 1024 + r.nextInt(60_000);
                https[i] = r.nextBoolean();
                packets[i] = 1 + r.nextInt(100);
                bytes[i] = 40 + r.nextInt(1_000_000);
                svc[i] = (int) Math.min(services.length - 1, Math.abs(r.nextGaussian() * services.length / 7.5));
                named[i] = r.nextInt(3) > 0;
                country[i] = r.nextInt(countries.length);
                city[i] = r.nextBoolean() ? r.nextInt(cities.length) : -1;
                asn[i] = 4000 + r.nextInt(orgs.length);
                org[i] = r.nextInt(orgs.length);
            }
        }

        EnrichedFlow get(int row) {
            int i = row & (SIZE - 1);
            Ip l = Ip.ofV4(local[i]), rem = Ip.ofV4(remote[i]);
            int s = svc[i];
            String name = named[i] ? names[s] : null;
            FlowRecord f = new FlowRecord(start[i], start[i] + dur[i], l, rem, sport[i], https[i] ? 443 : 80, 6, 0x1b,
                    packets[i], bytes[i], 0, 0, false, 0, 0, null, name, named[i] ? NameSource.DNS : NameSource.NONE);
            String c = countries[country[i]];
            Category[] cats = Category.values();
            Origin[] origins = Origin.values();
            Obfuscation[] obf = Obfuscation.values();
            return new EnrichedFlow(f, Direction.OUTBOUND, true, l, rem, f.dstPort(), name, c,
                    city[i] < 0 ? null : cities[city[i]], asn[i], orgs[org[i]], services[s], serviceNames[s],
                    companies[s % companies.length], cats[s % cats.length], c, origins[s % origins.length],
                    obf[s % obf.length]);
        }
    }

    private static void delete(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) Files.delete(x);
        }
    }
}
