package dev.keyhole.collect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyhole.bench.ExportEncoder;
import dev.keyhole.records.FlowRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/** {@code keyhole collect} as its own process, stopped with SIGTERM: the files hold every flow sent. */
class CollectSigtermTest {
    @TempDir
    Path dir;

    @Test
    void sigtermCompletesTheFileWithEverythingReceived() throws Exception {
        Path out = dir.resolve("flows");
        Path log = dir.resolve("collect.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "dev.keyhole.cli.KeyholeCli", "collect", "--listen", "127.0.0.1:0", "--out", out.toString(),
                "--rotate", "1h").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            int port = port(p, log);
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
            List<FlowRecord> flows = Senders.flows(2, 5_000, 11);
            List<byte[]> datagrams = Senders.encode(ExportEncoder.Protocol.IPFIX, 3, flows);
            try (DatagramChannel ch = Senders.exporter(2)) {
                int n = 0;
                for (byte[] d : datagrams) {
                    ch.send(ByteBuffer.wrap(d), to);
                    if (++n % 50 == 0) Thread.sleep(2); // well within any socket buffer
                }
            }
            p.destroy(); // SIGTERM, right after the last datagram
            if (!p.waitFor(30, TimeUnit.SECONDS)) fail("collector did not stop on SIGTERM:\n" + Files.readString(log));
            // A clean stop is a success, as for nfcapd: not the JVM's 143 for death by SIGTERM.
            assertThat(p.exitValue()).as("exit code; output:%n%s", Files.readString(log)).isZero();
            List<Path> files;
            try (Stream<Path> s = Files.list(out)) {
                files = s.filter(f -> f.getFileName().toString().endsWith(".ipfix")).sorted().toList();
            }
            assertThat(files).as("output:%n%s", Files.readString(log)).hasSize(1);
            assertThat(Senders.read(files).stream().map(Senders::key).toList())
                    .containsExactlyInAnyOrderElementsOf(flows.stream().map(Senders::key).toList());
            JsonNode stats = new ObjectMapper().readTree(Collector.statsFile(files.get(0)).toFile());
            assertThat(stats.get("records").asLong()).isEqualTo(flows.size());
            assertThat(stats.get("datagrams").asLong()).isEqualTo(datagrams.size());
            assertThat(Files.readString(log)).contains("completed " + files.get(0));
            try (Stream<Path> s = Files.list(out)) {
                assertThat(s.map(f -> f.getFileName().toString()).filter(f -> f.startsWith("."))).isEmpty();
            }
        } finally {
            p.destroyForcibly();
        }
    }

    private static final Pattern LISTENING = Pattern.compile("listening on udp 127\\.0\\.0\\.1:(\\d+)");

    private static int port(Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) return Integer.parseInt(m.group(1));
            if (!p.isAlive()) fail("collector exited:\n" + Files.readString(log));
            Thread.sleep(20);
        }
        return fail("collector did not start; classpath " + System.getProperty("java.class.path").split(File.pathSeparator).length
                + " entries; output:\n" + Files.readString(log));
    }
}
