package dev.keyhole.testing;

import java.io.File;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The real flow tools the interop tests compare Keyhole with: softflowd (exporter, reading a pcap),
 * nfcapd / nfdump (collector and reader) and pmacct's pmacctd (an sFlow agent replaying a pcap). Missing
 * tools fail the test with a pointer to ./test.sh.
 */
public final class FlowTools {
    private FlowTools() {}

    /** An executable from PATH or the sbin folders; fails if absent. */
    public static Path tool(String name) {
        List<String> path = new ArrayList<>(Arrays.asList(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        path.addAll(List.of("/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"));
        for (String d : path) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) return p;
        }
        return fail(name + " is not installed; this test needs softflowd, nfcapd, nfdump or pmacctd: run ./test.sh"
                + " (it installs them)");
    }

    /**
     * Runs {@code softflowd -r pcap -v version -n 127.0.0.1:PORT options...} and returns the datagrams it sent,
     * in order.
     */
    public static List<byte[]> softflowd(Path pcap, Path logDir, String version, String... options) throws Exception {
        Path softflowd = tool("softflowd");
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.setReceiveBufferSize(4 << 20);
            List<byte[]> datagrams = Collections.synchronizedList(new ArrayList<>());
            Thread receiver = new Thread(() -> receive(socket, datagrams), "softflowd-receiver");
            receiver.start();
            List<String> cmd = new ArrayList<>(List.of(softflowd.toString(), "-r", pcap.toString(), "-v", version, "-T",
                    "full", "-n", "127.0.0.1:" + socket.getLocalPort()));
            cmd.addAll(List.of(options));
            Path log = logDir.resolve("softflowd-v" + version + "-" + String.join("", options).replaceAll("[^a-z0-9]", "") + ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("softflowd did not finish: " + Files.readString(log));
            }
            assertThat(p.exitValue()).as("softflowd exit code; output:%n%s", Files.readString(log)).isZero();
            receiver.join(10_000);
            socket.close();
            String output = Files.readString(log);
            assertThat(output).as("softflowd output").contains("(0 failures)");
            assertThat(datagrams).as("datagrams from softflowd").isNotEmpty();
            return new ArrayList<>(datagrams);
        }
    }

    /** Receives until the exporter has been quiet for 500 ms. */
    private static void receive(DatagramSocket socket, List<byte[]> into) {
        byte[] buf = new byte[65_535];
        try {
            socket.setSoTimeout(500);
            boolean started = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                    into.add(Arrays.copyOf(p.getData(), p.getLength()));
                    started = true;
                } catch (SocketTimeoutException e) {
                    if (started) return;
                }
            }
        } catch (SocketException closed) {
            // the test closed the socket: done
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends the datagrams to 127.0.0.1:port, 1 ms apart (nothing is lost on loopback at that pace). */
    public static void relay(List<byte[]> datagrams, int port) throws Exception {
        try (DatagramSocket relay = new DatagramSocket()) {
            for (byte[] d : datagrams) {
                relay.send(new DatagramPacket(d, d.length, InetAddress.getLoopbackAddress(), port));
                Thread.sleep(1);
            }
        }
    }

    /**
     * Relays the datagrams to nfcapd, then reads what it stored with
     * {@code nfdump -o fmt:%ts|%te|%sa|%da|%sp|%dp|%pr|%pkt|%byt} (times UTC).
     */
    public static List<String[]> nfdump(List<byte[]> datagrams, Path dir) throws Exception {
        return nfdump(nfcapd(datagrams, dir), "%ts|%te|%sa|%da|%sp|%dp|%pr|%pkt|%byt");
    }

    /** {@code nfdump -r file -q -N -6 -o fmt:FORMAT} (times UTC), one array of trimmed '|'-separated fields a record. */
    public static List<String[]> nfdump(Path file, String format) throws Exception {
        Path nfdump = tool("nfdump");
        ProcessBuilder pb = new ProcessBuilder(nfdump.toString(), "-r", file.toString(), "-q", "-N", "-6", "-o",
                "fmt:" + format).redirectErrorStream(true);
        pb.environment().put("TZ", "UTC");
        Process dump = pb.start();
        String out = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(dump.waitFor()).as("nfdump exit; output:%n%s", out).isZero();
        int fields = format.split("\\|").length;
        List<String[]> rows = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.split("\\|");
            assertThat(f).as("nfdump line: %s", line).hasSize(fields);
            for (int i = 0; i < f.length; i++) f[i] = f[i].trim();
            rows.add(f);
        }
        return rows;
    }

    /**
     * Relays the datagrams to a new nfcapd listening on 127.0.0.1, in a directory of its own under {@code dir};
     * returns the file it wrote once it has exited.
     */
    public static Path nfcapd(List<byte[]> datagrams, Path dir) throws Exception {
        Path nfcapd = tool("nfcapd");
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path flowDir = Files.createDirectories(dir.resolve("nfcapd-" + port));
        Path log = dir.resolve("nfcapd-" + port + ".log");
        Process capd = new ProcessBuilder(nfcapd.toString(), "-w", flowDir.toString(), "-b", "127.0.0.1", "-p",
                String.valueOf(port)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.readString(log).contains("Startup")) {
                if (!capd.isAlive() || System.nanoTime() > deadline) fail("nfcapd did not start: " + Files.readString(log));
                Thread.sleep(20);
            }
            relay(datagrams, port);
            Thread.sleep(300);
        } finally {
            capd.destroy(); // SIGTERM: nfcapd flushes and closes its file
            if (!capd.waitFor(20, TimeUnit.SECONDS)) capd.destroyForcibly();
        }
        try (Stream<Path> files = Files.list(flowDir)) {
            return files.filter(p -> p.getFileName().toString().matches("nfcapd\\.\\d{12}")).findFirst()
                    .orElseGet(() -> fail("nfcapd wrote no file; log:\n" + readQuietly(log)));
        }
    }

    public static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
