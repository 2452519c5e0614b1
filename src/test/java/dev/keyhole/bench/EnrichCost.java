package dev.keyhole.bench;

import dev.keyhole.analyses.AnalysisContext;
import dev.keyhole.analyses.AnalysisSet;
import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.enrichment.Enricher;
import dev.keyhole.enrichment.catalog.Catalog;
import dev.keyhole.enrichment.scope.TargetScope;
import dev.keyhole.profile.ProfileLoader;
import dev.keyhole.profile.TargetProfile;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.RecordSink;
import dev.keyhole.refdata.ReferenceData;
import dev.keyhole.sources.Rejects;
import dev.keyhole.sources.nfcapd.NfcapdReader;

import java.io.BufferedInputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Developer tool, not a test: CPU ns per flow of enrichment, and of enrichment plus the analyses,
 * over an nfcapd file's flows decoded once and held in memory, on one thread with warm caches and
 * JIT; the first two rounds are warm-up, the rest give min and median. Compares code changes in
 * enrichment or analyses without the reader, the second worker or a new JVM's start in the figure.
 * Usage: EnrichCost FILE(nfcapd) [rounds]
 */
public final class EnrichCost {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int rounds = Math.max(3, args.length > 1 ? Integer.parseInt(args[1]) : 12);
        List<FlowRecord> flows = new ArrayList<>();
        try (var in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            new NfcapdReader().read(in, new RecordSink() {
                @Override
                public void flow(FlowRecord f) {
                    flows.add(f);
                }
            }, new Rejects(file.toString(), null));
        }
        FlowRecord[] a = flows.toArray(new FlowRecord[0]);
        TargetProfile p = ProfileLoader.load("dprk");
        var mx = ManagementFactory.getThreadMXBean();
        try (ReferenceData ref = ReferenceData.open(null, List.of(), List.of(), System.err)) {
            TargetScope scope = TargetScope.of(p, ref.asn());
            Catalog cat = Catalog.loadDefault();
            AnalysisContext ctx = new AnalysisContext(p);
            long sink = 0; // printed at the end, so the JIT keeps the enrichment it would otherwise drop
            Enricher e = new Enricher(scope, ref.geo(), ref.asn(), cat);
            Enricher e2 = new Enricher(scope, ref.geo(), ref.asn(), cat);
            double[] en = new double[rounds], an = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long c0 = mx.getCurrentThreadCpuTime();
                for (FlowRecord f : a) sink += e.enrich(f).serverPort();
                long c1 = mx.getCurrentThreadCpuTime();
                AnalysisSet s = new AnalysisSet(ctx);
                long c2 = mx.getCurrentThreadCpuTime();
                for (FlowRecord f : a) s.accept(e2.enrich(f));
                long c3 = mx.getCurrentThreadCpuTime();
                en[r] = (c1 - c0) / (double) a.length;
                an[r] = (c3 - c2) / (double) a.length;
                System.out.printf("round %d: enrich %.1f ns/flow, enrich+analyses %.1f ns/flow (%,d flows)%n", r, en[r],
                        an[r], a.length);
            }
            Arrays.sort(en, 2, rounds);
            Arrays.sort(an, 2, rounds);
            int mid = 2 + (rounds - 2) / 2;
            System.out.printf("rounds 2-%d: enrich min %.1f median %.1f; enrich+analyses min %.1f median %.1f ns/flow"
                    + " (checksum %d)%n", rounds - 1, en[2], en[mid], an[2], an[mid], sink);
        }
    }
}
