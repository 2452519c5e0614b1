package dev.keyhole.simulate;

import dev.keyhole.records.FlowRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * nfdump reads what the simulator writes: its IPFIX is replayed over UDP to nfcapd 1.7, and the
 * totals nfdump reports from the captured file are exactly what the simulator wrote.
 */
class NfdumpInteropTest {
    @TempDir
    Path tmp;

    @Test
    void nfcapdCollectsEveryFlowPacketAndByte() throws Exception {
        Path nfcapd = tool("nfcapd"), nfdump = tool("nfdump");
        Path out = tmp.resolve("world");
        Sim.run(out, 8000, 5, LocalDate.of(2018, 1, 1), LocalDate.of(2018, 1, 7), false);
        List<Path> files = Sim.files(out.resolve("ipfix"), ".ipfix");
        long packets = 0, bytes = 0, flows = 0;
        for (FlowRecord r : Sim.ipfix(out)) {
            flows++;
            packets += r.packets();
            bytes += r.bytes();
        }
        assertThat(flows).isEqualTo(8000);

        Path capture = Files.createDirectories(tmp.resolve("nfcapd"));
        int port;
        try (DatagramSocket probe = new DatagramSocket(0)) {
            port = probe.getLocalPort();
        }
        Process collector = new ProcessBuilder(nfcapd.toString(), "-w", capture.toString(), "-p", String.valueOf(port),
                "-b", "127.0.0.1", "-t", "3600", "-B", "4000000").redirectErrorStream(true)
                .redirectOutput(tmp.resolve("nfcapd.log").toFile()).start();
        IpfixReplay.Totals sent;
        try {
            waitFor(() -> Files.list(capture).anyMatch(p -> p.getFileName().toString().startsWith("nfcapd.current")),
                    collector, "nfcapd to start");
            sent = IpfixReplay.send(files, port);
            Thread.sleep(300);
        } finally {
            // SIGTERM: nfcapd flushes and closes the current file.
            collector.destroy();
            assertThat(collector.waitFor(20, TimeUnit.SECONDS)).as("nfcapd stopped").isTrue();
        }
        assertThat(sent.flows()).isEqualTo(flows);
        assertThat(sent.packets()).isEqualTo(packets);
        assertThat(sent.bytes()).isEqualTo(bytes);

        List<Path> captured = Files.list(capture).filter(p -> p.getFileName().toString().matches("nfcapd\\.\\d{12}"))
                .toList();
        assertThat(captured).as("nfcapd output in %s; log:%n%s", capture, Files.readString(tmp.resolve("nfcapd.log")))
                .hasSize(1);
        Process p = new ProcessBuilder(nfdump.toString(), "-r", captured.get(0).toString(), "-I")
                .redirectErrorStream(true).start();
        String info = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Map<String, Long> stats = new HashMap<>();
        for (String line : info.split("\n")) {
            String[] kv = line.split(":\\s*", 2);
            if (kv.length == 2 && kv[1].trim().matches("\\d+")) stats.put(kv[0].trim(), Long.parseLong(kv[1].trim()));
        }
        assertThat(stats).as("nfdump -I:%n%s", info).containsEntry("Flows", flows).containsEntry("Packets", packets)
                .containsEntry("Bytes", bytes).containsEntry("Sequence failures", 0L);
    }

    private static Path tool(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return p;
        }
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/usr/sbin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return p;
        }
        return fail(name + " is not installed (Debian packages nfdump/nfcapd 1.7): run ./test.sh, which installs it");
    }

    interface Check {
        boolean ok() throws IOException;
    }

    private static void waitFor(Check c, Process p, String what) throws Exception {
        for (int i = 0; i < 200; i++) {
            if (c.ok()) return;
            if (!p.isAlive()) fail("nfcapd exited with " + p.exitValue() + " while waiting for " + what);
            Thread.sleep(25);
        }
        fail("timed out waiting for " + what);
    }
}
