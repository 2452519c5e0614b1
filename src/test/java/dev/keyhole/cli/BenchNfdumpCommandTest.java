package dev.keyhole.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BenchNfdumpCommandTest {
    private static long[] r(long port, long flows) {
        return new long[] {port, flows};
    }

    @Test
    void topListsMayDifferOnlyAmongPortsTiedWithTheLastCount() {
        List<long[]> nfdump = List.of(r(443, 90), r(53, 40), r(80, 7), r(22, 7));
        // 22 and 8080 tie with the cut: either tool may keep either.
        assertThat(BenchNfdumpCommand.sameUpToTies(nfdump, List.of(r(443, 90), r(53, 40), r(8080, 7), r(80, 7)))).isTrue();
        assertThat(BenchNfdumpCommand.sameUpToTies(nfdump, List.of(r(53, 40), r(443, 90), r(22, 7), r(80, 7)))).isTrue();
        // Above the cut, ports and counts must agree.
        assertThat(BenchNfdumpCommand.sameUpToTies(nfdump, List.of(r(443, 90), r(25, 40), r(80, 7), r(22, 7)))).isFalse();
        assertThat(BenchNfdumpCommand.sameUpToTies(nfdump, List.of(r(443, 90), r(53, 41), r(80, 7), r(22, 7)))).isFalse();
        assertThat(BenchNfdumpCommand.sameUpToTies(nfdump, List.of(r(443, 90), r(53, 40), r(80, 7), r(22, 6)))).isFalse();
        assertThat(BenchNfdumpCommand.sameUpToTies(nfdump, List.of(r(443, 90), r(53, 40), r(80, 7)))).isFalse();
        assertThat(BenchNfdumpCommand.sameUpToTies(nfdump, null)).isFalse();
        assertThat(BenchNfdumpCommand.sameUpToTies(List.of(), List.of())).as("two empty answers").isFalse();
    }

    @Test
    void pairedRatiosAreTheMedianOfEachRunOverItsPartner() {
        // The machine was slower during run 2: both sides of that pair took longer.
        List<Double> keyhole = List.of(4.0, 6.0, 5.0), nfdump = List.of(2.0, 3.0, 2.2);
        // Run ratios 2.0, 2.0 and 2.27: the median is 2.0, where the ratio of the medians
        // (5.0 / 2.2 = 2.27) would divide a run by another run's partner.
        assertThat(BenchNfdumpCommand.pairedRatio(keyhole, nfdump)).isEqualTo(2.0);
        assertThat(BenchNfdumpCommand.pairedRatio(List.of(4.0, 6.0, 5.5), List.of(2.0, 2.9, 2.6)))
                .isCloseTo(6.0 / 2.9, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(BenchNfdumpCommand.pairedRatio(List.of(3.0), List.of(1.5))).isEqualTo(2.0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchNfdumpCommand.pairedRatio(List.of(1.0, 2.0), List.of(1.0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unpaired");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchNfdumpCommand.pairedRatio(List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void newJvmsGetTheLaunchersCompilerAndAotOptionsOnly() {
        // What ./keyhole passes (JDK 25+: the AOT cache; 13-24: the class-data archive): a new JVM in the
        // benchmark must start as the launcher starts one.
        for (String a : List.of("-XX:CompileCommand=quiet", "-XX:AOTCache=/k/target/keyhole-jdk25.0.3.aot",
                "-XX:SharedArchiveFile=/k/target/keyhole-jdk17.0.15.jsa",
                "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED", "-Xlog:disable",
                "-Xlog:all=warning:stderr", "-XX:TieredStopAtLevel=1", "-XX:-TieredCompilation")) {
            assertThat(BenchNfdumpCommand.passedToNewJvms(a)).as(a).isTrue();
        }
        // Not this JVM's recordings, agents or training output.
        for (String a : List.of("-XX:AOTCacheOutput=/tmp/x.aot", "-XX:AOTConfiguration=/tmp/x.conf", "-XX:AOTMode=create",
                "-XX:ArchiveClassesAtExit=/tmp/x.jsa",
                "-agentpath:/tmp/libasyncProfiler.so", "-XX:StartFlightRecording=filename=x.jfr", "-Xlog:gc:file=gc.log", "-Xmx6g",
                "-XX:HeapDumpPath=/tmp")) {
            assertThat(BenchNfdumpCommand.passedToNewJvms(a)).as(a).isFalse();
        }
    }

    @Test
    void nfdumpCsvRecordsAreCountedWithOrWithoutTheHeader(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String rows = "2017-04-01 00:51:00.900,17.491,17,77.94.35.70,12076,139.252.97.4,4500,36,9828,1\n"
                + "2017-04-01 00:51:00.905,17.486,17,139.252.97.4,4500,77.94.35.70,12076,19,5168,1\n\n";
        java.nio.file.Path v171 = dir.resolve("171.csv"), v178 = dir.resolve("178.csv");
        java.nio.file.Files.writeString(v171, rows); // nfdump 1.7.1 -q -o csv: records only
        java.nio.file.Files.writeString(v178, "firstSeen,duration,proto,srcAddr,srcPort,dstAddr,dstPort,packets,bytes,flows\n" + rows);
        assertThat(BenchNfdumpCommand.nfdumpRecords(v171)).isEqualTo(2);
        assertThat(BenchNfdumpCommand.nfdumpRecords(v178)).isEqualTo(2);
    }
}
