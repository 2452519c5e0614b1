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
import dev.keyhole.sources.ipfix.IpfixReader;

import java.io.BufferedInputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Developer tool, not a test: CPU ns per flow of each pipeline stage on one thread, so stages can be
 * compared on a busy machine. Usage: StageCost FILE.ipfix [rounds]
 */
public final class StageCost {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        TargetProfile p = ProfileLoader.load("dprk");
        try (ReferenceData ref = ReferenceData.open(null, List.of(), List.of(), System.err)) {
            TargetScope scope = TargetScope.of(p, ref.asn());
            Catalog cat = Catalog.loadDefault();
            AnalysisContext ctx = new AnalysisContext(p);
            for (int r = 0; r < rounds; r++) {
                stage("read", file, f -> {});
                Enricher e1 = new Enricher(scope, ref.geo(), ref.asn(), cat);
                stage("read+enrich", file, f -> e1.enrich(f));
                System.out.printf("  remote misses %,d, resets %,d, name misses %,d%n", e1.remoteMisses(), e1.remoteResets(), e1.nameMisses());
                Enricher e2 = new Enricher(scope, ref.geo(), ref.asn(), cat);
                AnalysisSet a = new AnalysisSet(ctx);
                stage("read+enrich+analyses", file, f -> a.accept(e2.enrich(f)));
                Enricher e3 = new Enricher(scope, ref.geo(), ref.asn(), cat);
                EnrichedFlow[] keep = new EnrichedFlow[1];
                stage("read+enrich (kept)", file, f -> keep[0] = e3.enrich(f));
            }
        }
    }

    private interface FlowFn {
        void accept(FlowRecord f);
    }

    private static void stage(String name, Path file, FlowFn fn) throws Exception {
        var mx = ManagementFactory.getThreadMXBean();
        long[] n = new long[1];
        long c0 = mx.getCurrentThreadCpuTime();
        try (var in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            new IpfixReader().read(in, new RecordSink() {
                @Override
                public void flow(FlowRecord f) {
                    n[0]++;
                    fn.accept(f);
                }
            }, new Rejects(file.toString(), null));
        }
        long c = mx.getCurrentThreadCpuTime() - c0;
        System.out.printf("%-24s %,12d flows %8.1f ns/flow%n", name, n[0], (double) c / n[0]);
    }
}
