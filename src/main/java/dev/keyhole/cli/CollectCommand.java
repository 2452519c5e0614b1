package dev.keyhole.cli;

import dev.keyhole.collect.Collector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code keyhole collect}: a NetFlow v5/v9, IPFIX and sFlow v5 UDP collector writing rotating IPFIX files. */
@Command(name = "collect", mixinStandardHelpOptions = true,
        description = {"Receives NetFlow v5, NetFlow v9, IPFIX and sFlow v5 over UDP and writes rotating IPFIX files "
                + "(keyhole-YYYYMMDDHHMM.ipfix, read by 'keyhole analyze') with a .stats.json per file. "
                + "Stops cleanly on SIGTERM / SIGINT: everything received is written."})
public final class CollectCommand implements Callable<Integer> {
    @Option(names = "--listen", required = true, paramLabel = "HOST:PORT",
            description = "Address and UDP port to listen on: 0.0.0.0:2055, [::]:4739, 127.0.0.1:9995 (port 0: any free port).")
    String listen;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the IPFIX and stats files.")
    Path out;

    @Option(names = "--rotate", defaultValue = "5m", paramLabel = "DURATION",
            description = "File rotation period, aligned to the clock (UTC): 30s, 5m, 1h, ... (default ${DEFAULT-VALUE}).")
    String rotate;

    @Option(names = "--format", defaultValue = "ipfix", paramLabel = "FORMAT",
            description = "Output format; only 'ipfix' (RFC 5655 files) for now.")
    String format;

    @Option(names = "--template-lifetime", defaultValue = "90m", paramLabel = "DURATION",
            description = "How long a template stays usable when the exporter does not send it again (RFC 7011 §8.4): "
                    + "data sets for an expired template are rejected until it is re-sent; 0 = never expire "
                    + "(default ${DEFAULT-VALUE}, three times Cisco's 30-minute template timeout).")
    String templateLifetime;

    @picocli.CommandLine.Mixin
    DecapOption decap = new DecapOption();

    @Option(names = "--rcvbuf", defaultValue = "67108864", paramLabel = "BYTES",
            description = "Socket receive buffer to request (default 64 MiB; Linux caps it at net.core.rmem_max).")
    int receiveBuffer;

    @Override
    public Integer call() throws Exception {
        if (!format.equalsIgnoreCase("ipfix")) throw new IllegalArgumentException("--format: only 'ipfix' is supported");
        // 0 or less would leave the kernel's default (often 208 KiB): a burst then drops datagrams.
        if (receiveBuffer < 65_536) throw new IllegalArgumentException("--rcvbuf: at least 65536 bytes, got " + receiveBuffer);
        Duration period = parseDuration(rotate, "--rotate");
        InetSocketAddress address = parseListen(listen);
        Duration lifetime = parseLifetime(templateLifetime);
        Collector c = Collector.start(new Collector.Config(address, out, period, receiveBuffer,
                System.err::println, null, lifetime, null, decap.tunnels));
        Thread hook = new Thread(() -> {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("keyhole collect: " + e.getMessage());
            }
        }, "keyhole-collect-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        stopOnSignals(c);
        System.err.printf("keyhole collect: listening on udp %s, writing %s every %s; templates expire %s%n",
                Collector.text(c.localAddress()), out, period,
                lifetime.isZero() ? "never" : "after " + lifetime + " without a re-send");
        if (decap.tunnels.any()) {
            System.err.println("keyhole collect: packet samples inside " + decap.tunnels + " tunnels count as the inner packet");
        }
        int granted = c.receiveBufferGranted();
        System.err.printf("keyhole collect: socket receive buffer: requested %d MiB, granted %.1f MiB%s%n",
                receiveBuffer >> 20, granted / 1048576.0, granted < receiveBuffer
                        ? " (raise it with: sysctl -w net.core.rmem_max=" + receiveBuffer + ")" : "");
        while (!c.awaitTermination(1, TimeUnit.HOURS)) {
            // runs until SIGTERM / SIGINT (their handler closes the collector) or a failure
        }
        if (c.failure() != null) {
            System.err.println("keyhole collect: stopped after a failure: " + c.failure());
            return 1;
        }
        return 0;
    }

    /**
     * SIGTERM and SIGINT close the collector and let {@link #call} return 0, as nfcapd does: the JVM's
     * own handling would run the same close in the shutdown hook but exit 143 (130), which service
     * managers read as a failure. The hook stays for any other way the JVM ends.
     */
    private static void stopOnSignals(Collector c) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                    try {
                        c.close();
                    } catch (Exception e) {
                        System.err.println("keyhole collect: " + e.getMessage());
                    }
                });
            } catch (IllegalArgumentException e) {
                // The signal is not ours to handle (java -Xrs, or ignored by the parent): the hook still closes.
            }
        }
    }

    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})\\s*(s|m|h|d)");
    /** 100 years: longer makes no sense for a rotation or a template lifetime, and milliseconds must fit a long. */
    private static final long MAX_DURATION_SECONDS = 100L * 366 * 86_400;

    /** {@code --template-lifetime}: a duration as for {@code --rotate}, or 0 for none. */
    static Duration parseLifetime(String s) {
        // 0 in any unit (0, 0s, 0m, PT0S) means never.
        return s.trim().matches("(?i)0+[smhd]?|PT0+S") ? Duration.ZERO : parseDuration(s, "--template-lifetime");
    }

    static Duration parseDuration(String s) {
        return parseDuration(s, "--rotate");
    }

    /** {@code 30s}, {@code 5m}, {@code 1h}, {@code 1h30m}, or ISO-8601 ({@code PT5M}); at least 1 s. */
    static Duration parseDuration(String s, String option) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(t);
        Duration d = Duration.ZERO;
        int at = 0;
        if (t.startsWith("p")) {
            try {
                d = Duration.parse(s.trim().toUpperCase(Locale.ROOT));
            } catch (java.time.format.DateTimeParseException e) {
                d = Duration.ZERO; // reported below
            }
            at = t.length();
        }
        while (m.find() && m.start() == at) {
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            });
            at = m.end();
        }
        if (at != t.length() || d.isNegative() || d.getSeconds() < 1 || d.getSeconds() > MAX_DURATION_SECONDS) {
            throw new IllegalArgumentException(option + ": not a duration from 1s to 100 years: " + s
                    + " (examples: 30s, 5m, 1h)");
        }
        return d;
    }

    /** {@code HOST:PORT}, {@code [IPV6]:PORT} or {@code :PORT} (all addresses). Never resolves names remotely beyond the OS. */
    static InetSocketAddress parseListen(String s) throws UnknownHostException {
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("--listen: expected [IPV6]:PORT, got " + s);
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0 || s.indexOf(':') != colon) throw new IllegalArgumentException("--listen: expected HOST:PORT, got " + s);
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--listen: bad port in " + s);
        }
        if (p < 0 || p > 65_535) throw new IllegalArgumentException("--listen: port out of range in " + s);
        InetAddress a = host.isEmpty() ? InetAddress.getByName("0.0.0.0") : InetAddress.getByName(host);
        return new InetSocketAddress(a, p);
    }
}
