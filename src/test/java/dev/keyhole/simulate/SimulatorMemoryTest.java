package dev.keyhole.simulate;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Memory does not grow with the number of flows: two million flow records (about 90 MB of IPFIX,
 * several hundred MB as objects) are generated in a JVM with a 24 MB heap.
 */
class SimulatorMemoryTest {
    @TempDir
    Path tmp;

    @Test
    void twoMillionFlowsFitInATinyHeap() throws Exception {
        Path out = tmp.resolve("big");
        Path cache = Files.createDirectories(tmp.resolve("cache"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xmx24m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "dev.keyhole.cli.SimulateCommand", "--out", out.toString(), "--flows", "2000000", "--seed", "3",
                "--from", "2018-08-01", "--to", "2018-08-12", "--no-zeek", "--cache", cache.toString(), "-q");
        Path log = tmp.resolve("child.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("child finished").isTrue();
        assertThat(p.exitValue()).as("exit code; output:%n%s", Files.readString(log)).isZero();
        var truth = new ObjectMapper().readTree(out.resolve("truth.json").toFile());
        assertThat(truth.path("flows").path("ipfixRecords").asLong()).isEqualTo(2_000_000);
        long bytes = 0;
        for (Path f : Sim.files(out.resolve("ipfix"), ".ipfix")) bytes += Files.size(f);
        assertThat(bytes).isGreaterThan(24L << 20 << 1);
    }
}
