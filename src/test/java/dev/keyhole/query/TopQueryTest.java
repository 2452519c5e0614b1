package dev.keyhole.query;

import dev.keyhole.cli.KeyholeCli;
import dev.keyhole.enrichment.scope.TargetScope;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.sources.Inputs;
import dev.keyhole.sources.nfcapd.Compression;
import dev.keyhole.sources.nfcapd.NfcapdWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/** Top AS numbers: thousands of distinct 32-bit keys (the table grows), two files on two threads merged. */
class TopQueryTest {
    private static final List<String> TARGET = List.of("175.45.176.0/22");

    @TempDir
    Path dir;

    /** Half the flows touch 175.45.176.0/22; AS numbers from 3,000 values across the 32-bit range. */
    private static List<FlowRecord> flows(long seed, int n) {
        Random rnd = new Random(seed);
        long[] pool = new long[3000];
        for (int i = 0; i < pool.length; i++) pool[i] = i == 0 ? 0 : rnd.nextInt() & 0xffff_ffffL;
        List<FlowRecord> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Ip a = rnd.nextBoolean() ? Ip.ofV4(0xAF2DB000 + rnd.nextInt(1024)) : Ip.ofV4(0x0a00_0000 + rnd.nextInt(1 << 20));
            Ip b = Ip.ofV4(0xc633_6400 + rnd.nextInt(256));
            long t = 1_700_000_000_000L + i;
            // Skewed: low pool indexes are far more frequent, so the top rows are clear.
            long sas = pool[(int) Math.min(pool.length - 1, Math.abs(rnd.nextGaussian()) * 400)];
            long das = pool[(int) Math.min(pool.length - 1, Math.abs(rnd.nextGaussian()) * 400)];
            l.add(FlowRecord.uni(t, t + 10, a, b, 1024 + i % 60_000, 443, 6, 0x1b, 1 + rnd.nextInt(10),
                    100 + rnd.nextInt(10_000), sas, das));
        }
        return l;
    }

    private static Map<Long, List<Long>> expected(List<FlowRecord> flows, boolean dst) {
        TargetScope scope = TargetScope.ofCidrs(TARGET);
        Map<Long, List<Long>> m = new HashMap<>();
        for (FlowRecord f : flows) {
            if (!scope.contains(f.src()) && !scope.contains(f.dst())) continue;
            m.merge(dst ? f.dstAs() : f.srcAs(), List.of(1L, f.packets(), f.bytes()),
                    (x, y) -> List.of(x.get(0) + y.get(0), x.get(1) + y.get(1), x.get(2) + y.get(2)));
        }
        return m;
    }

    private static String seconds(long ms) {
        return ms / 1000 + "." + String.format("%03d", ms % 1000);
    }

    private Path csv(List<FlowRecord> flows) throws Exception {
        StringBuilder b = new StringBuilder("start,end,src,dst,sport,dport,proto,packets,bytes,src_as,dst_as\n");
        for (FlowRecord f : flows) {
            b.append(seconds(f.startMillis())).append(',').append(seconds(f.endMillis())).append(',').append(f.src())
                    .append(',').append(f.dst()).append(',').append(f.srcPort()).append(',').append(f.dstPort())
                    .append(",6,").append(f.packets()).append(',').append(f.bytes()).append(',').append(f.srcAs())
                    .append(',').append(f.dstAs()).append('\n');
        }
        Path p = dir.resolve("flows.csv");
        Files.writeString(p, b);
        return p;
    }

    @Test
    void asNumbersOfCsvAndNfcapdFilesAreCountedAndMerged() throws Exception {
        List<FlowRecord> a = flows(1, 20_000), b = flows(2, 20_000);
        Path nfcapd = dir.resolve("nfcapd.202311142213");
        try (NfcapdWriter w = new NfcapdWriter(nfcapd, Compression.LZ4)) {
            for (FlowRecord f : b) w.write(f);
        }
        List<FlowRecord> all = new ArrayList<>(a);
        all.addAll(b);
        var inputs = Inputs.resolve(List.of(csv(a), nfcapd), null, m -> fail(m));
        for (boolean dst : new boolean[] {true, false}) {
            TopQuery.Result r = TopQuery.run(inputs, TargetScope.ofCidrs(TARGET), dst ? TopQuery.Key.DSTAS
                    : TopQuery.Key.SRCAS, TopQuery.Order.BYTES, 2, m -> fail(m));
            Map<Long, List<Long>> got = new HashMap<>();
            for (TopQuery.Row row : r.rows()) got.put(row.key(), List.of(row.flows(), row.packets(), row.bytes()));
            Map<Long, List<Long>> want = expected(all, dst);
            assertThat(want.size()).as("distinct AS numbers, beyond the table's first size").isGreaterThan(1000);
            assertThat(got).isEqualTo(want);
            assertThat(r.rows()).isSortedAccordingTo((x, y) -> Long.compare(y.bytes(), x.bytes()));
            assertThat(r.flowsRead()).isEqualTo(40_000);
        }
    }

    @Test
    void topByDstasOnTheCommandLine() throws Exception {
        List<FlowRecord> flows = flows(3, 5_000);
        Path in = csv(flows);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int rc;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            rc = new CommandLine(new KeyholeCli()).setCaseInsensitiveEnumValuesAllowed(true).execute("top", "--profile",
                    "dprk", "--cidrs-only", "--in", in.toString(), "--by", "dstas", "-n", "3", "--csv");
        } finally {
            System.setOut(old);
        }
        assertThat(rc).isZero();
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).isEqualTo("val,fl,flP,ipkt,ipktP,ibyt,ibytP");
        Map<Long, List<Long>> want = expected(flows, true);
        long most = want.values().stream().mapToLong(v -> v.get(0)).max().orElseThrow();
        long best = want.entrySet().stream().filter(e -> e.getValue().get(0) == most).mapToLong(Map.Entry::getKey)
                .min().orElseThrow(); // ties are listed by key, ascending
        assertThat(lines.get(1)).startsWith(best + "," + want.get(best).get(0) + ",");
    }
}
