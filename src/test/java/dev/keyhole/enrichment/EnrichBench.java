package dev.keyhole.enrichment;

import dev.keyhole.enrichment.catalog.Catalog;
import dev.keyhole.enrichment.catalog.Service;
import dev.keyhole.enrichment.scope.TargetScope;
import dev.keyhole.profile.ProfileLoader;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.NameSource;
import dev.keyhole.refdata.CsvAsnLookup;
import dev.keyhole.refdata.GeoLookup;
import dev.keyhole.refdata.ReferenceSetup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Hand-run microbenchmark of {@link Enricher#enrich} on the real reference data (not a test;
 * surefire skips it). Installs the npm reference data if the cache lacks it. Run with:
 * <pre>
 * mvn -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.keyhole.enrichment.EnrichBench [remotes]
 * </pre>
 * {@code remotes} is the number of distinct remote addresses (default 50 000).
 * Flows are made in small chunks right before they are enriched, as a streaming parser hands them
 * over, with host names as fresh String objects; only the enrich calls are timed.
 */
public final class EnrichBench {
    public static void main(String[] args) throws Exception {
        int remoteCount = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int batch = 1_000_000, batches = 12;
        ReferenceSetup setup = new ReferenceSetup(null);
        setup.ensure();
        long t0 = System.nanoTime();
        CsvAsnLookup asn = CsvAsnLookup.load(List.of(setup.path(ReferenceSetup.Role.ASN_IPV4),
                setup.path(ReferenceSetup.Role.ASN_IPV6)));
        System.out.printf("ASN CSV load: %d IPv4 + %d IPv6 ranges in %.0f ms (wall %.0f ms)%n",
                asn.ipv4Ranges(), asn.ipv6Ranges(), asn.loadNanos() / 1e6, (System.nanoTime() - t0) / 1e6);
        GeoLookup geo = GeoLookup.open(List.of(setup.path(ReferenceSetup.Role.GEO_IPV4),
                setup.path(ReferenceSetup.Role.GEO_IPV6)));
        Catalog catalog = Catalog.loadDefault();
        t0 = System.nanoTime();
        TargetScope scope = TargetScope.of(ProfileLoader.load("dprk"), asn);
        System.out.printf("scope: %d ranges, built in %.1f ms%n", scope.rangeCount(), (System.nanoTime() - t0) / 1e6);

        SplittableRandom rnd = new SplittableRandom(42);
        // Remote pool: half from catalogued ASNs' real ranges, half random public IPv4
        List<Service> withAsn = catalog.services().stream().filter(s -> !s.asns().isEmpty()).toList();
        java.util.Map<Long, List<long[]>> ranges = new java.util.HashMap<>();
        Ip[] remotes = new Ip[remoteCount];
        for (int i = 0; i < remoteCount; i++) {
            Ip ip = null;
            if (i % 2 == 0) {
                Service s = withAsn.get(rnd.nextInt(withAsn.size()));
                List<long[]> r = ranges.computeIfAbsent(s.asns().get(rnd.nextInt(s.asns().size())), asn::rangesOf);
                if (!r.isEmpty()) {
                    long[] range = r.get(rnd.nextInt(r.size()));
                    ip = Ip.ofV4((int) (range[0] + rnd.nextLong(range[1] - range[0] + 1)));
                }
            }
            remotes[i] = ip != null ? ip : Ip.ofV4(rnd.nextInt(1 << 30) + (1 << 24));
        }
        List<String> names = new ArrayList<>();
        for (Service s : catalog.services()) for (String d : s.domains()) names.add(d);
        String[] prefixes = {"www.", "api.", "static.", "img.", "cdn1.", "m.", ""};
        Ip[] locals = new Ip[1000];
        for (int i = 0; i < locals.length; i++) locals[i] = Ip.ofV4(0xAF2DB000 + rnd.nextInt(1024)); // 175.45.176.0/22

        Enricher en = new Enricher(scope, geo, asn, catalog);
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        double[] nsPerFlow = new double[batches];
        long sink = 0;
        // Flows are made in small chunks just before enrichment, as a streaming parser hands them over,
        // and only the enrich calls are timed
        FlowRecord[] flows = new FlowRecord[4096];
        for (int b = 0; b < batches; b++) {
            long timed = 0, cpu = 0;
            for (int done = 0; done < batch; done += flows.length) {
                for (int i = 0; i < flows.length; i++) flows[i] = flow(rnd, locals, remotes, names, prefixes);
                long cpu0 = threads.getCurrentThreadCpuTime();
                long start = System.nanoTime();
                for (FlowRecord f : flows) {
                    EnrichedFlow e = en.enrich(f);
                    sink += e.direction().ordinal() + (e.obfuscation() == null ? 0 : e.obfuscation().ordinal());
                }
                timed += System.nanoTime() - start;
                cpu += threads.getCurrentThreadCpuTime() - cpu0;
            }
            int n = (batch + flows.length - 1) / flows.length * flows.length;
            // CPU time, not wall time: the machine may be shared, and a descheduled thread is not slow code
            nsPerFlow[b] = (double) cpu / n;
            System.out.printf("batch %2d: %.1f ns/flow CPU (%.1f wall), remote misses so far %d, name misses %d%n",
                    b, nsPerFlow[b], (double) timed / n, en.remoteMisses(), en.nameMisses());
        }
        double[] steady = Arrays.copyOfRange(nsPerFlow, 2, batches);
        Arrays.sort(steady);
        System.out.printf("median of batches 2..%d: %.1f ns/flow CPU (single thread); sink %d%n", batches - 1,
                steady[steady.length / 2], sink);
    }

    private static FlowRecord flow(SplittableRandom rnd, Ip[] locals, Ip[] remotes, List<String> names, String[] prefixes) {
        Ip local = locals[rnd.nextInt(locals.length)];
        Ip remote = remotes[rnd.nextInt(remotes.length)];
        int k = rnd.nextInt(100);
        int port = k < 60 ? 443 : k < 75 ? 80 : k < 80 ? 53 : k < 85 ? 1194 : k < 90 ? 6881 : 1024 + rnd.nextInt(60000);
        int proto = port == 53 || port == 1194 || port == 6881 ? 17 : 6;
        String name = null;
        if (k < 70) {
            // a fresh String as a parser makes it: its hash is not cached yet
            name = new String(prefixes[rnd.nextInt(prefixes.length)] + names.get(rnd.nextInt(names.size())));
        }
        // ~10% of flows have neither end in the target
        Ip src = k % 10 == 9 ? remotes[rnd.nextInt(remotes.length)] : local;
        NameSource ns = name == null ? NameSource.NONE : NameSource.SNI;
        return (k & 1) == 0
                ? new FlowRecord(0, 1, src, remote, 40000 + k * 7, port, proto, 0, 10, 1000, 9, 9000, true, 0, 0, null, name, ns)
                : new FlowRecord(0, 1, remote, src, port, 40000 + k * 7, proto, 0, 10, 1000, 0, 0, false, 0, 0, null, name, ns);
    }
}
