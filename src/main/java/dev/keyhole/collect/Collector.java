package dev.keyhole.collect;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.Plural;
import dev.keyhole.sources.Rejects;
import dev.keyhole.sources.netflow.ExportDecoder;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A UDP flow collector: NetFlow v5, NetFlow v9, IPFIX and sFlow v5 in, rotating IPFIX files out.
 *
 * <p>Two threads. The receiving thread does nothing but move datagrams from a socket with a large
 * receive buffer into batches (big byte arrays plus offsets) and hand full batches over a bounded queue;
 * when the decoder falls behind and no free batch is left, it waits and the kernel buffer absorbs the
 * burst. The decoding thread owns all state (templates per exporter and domain, sampling, sequence
 * numbers) and the output files, so nothing on the data path is shared or locked.
 *
 * <p>{@link #close()} (also what the CLI's shutdown hook calls on SIGTERM / SIGINT) stops receiving
 * only after draining what the kernel has already queued, lets the decoder finish every batch, and
 * completes the current file and its stats: nothing received is lost.
 */
public final class Collector implements Closeable {
    /** Requested socket receive buffer: ~0.5 s of 1 M flows/s in 1,400-byte datagrams. */
    public static final int DEFAULT_RECEIVE_BUFFER = 64 << 20;
    private static final int BATCH_BYTES = 2 << 20, BATCHES = 16, MAX_DATAGRAM = 65_535;
    private static final int LOGGED_REJECTS_PER_FILE = 20;

    /**
     * How long a template stays usable without being re-sent: three times Cisco's default template
     * timeout (30 min), as RFC 7011 §8.4 wants the lifetime to be several refresh intervals.
     */
    public static final Duration DEFAULT_TEMPLATE_LIFETIME = Duration.ofMinutes(90);

    /**
     * @param clock            file periods (wall clock, UTC)
     * @param templateLifetime {@link Duration#ZERO}: templates never expire
     * @param ticks            milliseconds on a clock that never jumps, for template ages (null:
     *                         {@link System#nanoTime}), so that a wall-clock step (NTP, a resumed VM)
     *                         neither expires every template at once nor keeps dead ones
     */
    public record Config(InetSocketAddress listen, Path out, Duration rotate, int receiveBuffer,
                         Consumer<String> log, Clock clock, Duration templateLifetime, LongSupplier ticks,
                         dev.keyhole.sources.packet.Tunnels tunnels) {
        public Config {
            if (tunnels == null) tunnels = dev.keyhole.sources.packet.Tunnels.NONE;
            if (listen == null || out == null || rotate == null) throw new NullPointerException();
            if (log == null) log = m -> {};
            if (clock == null) clock = Clock.systemUTC();
            if (templateLifetime == null) templateLifetime = DEFAULT_TEMPLATE_LIFETIME;
            if (templateLifetime.isNegative()) throw new IllegalArgumentException("negative template lifetime");
            if (ticks == null) ticks = () -> System.nanoTime() / 1_000_000;
        }

        public Config(InetSocketAddress listen, Path out, Duration rotate, int receiveBuffer, Consumer<String> log,
                      Clock clock, Duration templateLifetime, LongSupplier ticks) {
            this(listen, out, rotate, receiveBuffer, log, clock, templateLifetime, ticks, null);
        }

        public Config(InetSocketAddress listen, Path out, Duration rotate, int receiveBuffer, Consumer<String> log,
                      Clock clock, Duration templateLifetime) {
            this(listen, out, rotate, receiveBuffer, log, clock, templateLifetime, null, null);
        }

        public Config(InetSocketAddress listen, Path out, Duration rotate, int receiveBuffer, Consumer<String> log,
                      Clock clock) {
            this(listen, out, rotate, receiveBuffer, log, clock, null, null, null);
        }

        public Config(InetSocketAddress listen, Path out, Duration rotate) {
            this(listen, out, rotate, DEFAULT_RECEIVE_BUFFER, null, null, null, null, null);
        }
    }

    private final Config config;
    private final DatagramChannel channel;
    private final Selector selector;
    private final int grantedReceiveBuffer;
    private final BlockingQueue<Batch> free = new ArrayBlockingQueue<>(BATCHES);
    private final BlockingQueue<Batch> full = new ArrayBlockingQueue<>(BATCHES + 1);
    private final Thread receiver, decoder;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopping;
    /** How long close() keeps draining a socket that never goes quiet. */
    private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** How long the socket must stay empty before close() considers it drained. */
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private volatile Throwable failure;

    // Published by the receiving thread.
    private final AtomicLong received = new AtomicLong();
    private volatile long firstReceiveNanos, lastReceiveNanos;
    private volatile long lastDecodedNanos;
    // Published by the decoding thread.
    private final AtomicLong decoded = new AtomicLong();
    private final AtomicLong flows = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    private final RotatingIpfixFiles files;
    private final ExportDecoder export;
    private Rejects rejects;
    private long rejectedBefore; // records rejected in completed periods
    private long periodDatagrams, periodBytes, periodNotExport, periodExpired;

    private Collector(Config config) throws IOException {
        this.config = config;
        Files.createDirectories(config.out());
        this.files = new RotatingIpfixFiles(config.out(), config.rotate(), 0);
        this.export = new ExportDecoder(new RecordSink() {
            @Override
            public void flow(FlowRecord f) {
                files.write(f);
            }
        }, config.templateLifetime().toMillis(), config.tunnels());
        boolean v6 = config.listen().getAddress() instanceof java.net.Inet6Address;
        DatagramChannel ch = v6 ? DatagramChannel.open(StandardProtocolFamily.INET6) : DatagramChannel.open(StandardProtocolFamily.INET);
        try {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, config.receiveBuffer());
            // No SO_REUSEADDR: on UDP it lets a second collector bind the same port and take part of the traffic.
            try {
                ch.bind(config.listen());
            } catch (java.net.BindException e) {
                throw new java.net.BindException("cannot listen on udp " + text(config.listen()) + ": " + e.getMessage());
            }
            ch.configureBlocking(false);
            this.grantedReceiveBuffer = ch.getOption(StandardSocketOptions.SO_RCVBUF);
            this.selector = Selector.open();
            ch.register(selector, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        this.channel = ch;
        for (int i = 0; i < BATCHES; i++) free.add(new Batch());
        this.rejects = newRejects();
        this.files.start(config.clock().millis());
        this.receiver = new Thread(this::receiveLoop, "keyhole-collect-receive");
        this.decoder = new Thread(this::decodeLoop, "keyhole-collect-decode");
        receiver.setPriority(Thread.MAX_PRIORITY);
        // Daemons: the JVM's lifetime is decided by close() / awaitTermination, never by these threads.
        receiver.setDaemon(true);
        decoder.setDaemon(true);
    }

    /** Binds the socket, opens the first file and starts both threads. */
    public static Collector start(Config config) throws IOException {
        Collector c = new Collector(config);
        c.receiver.start();
        c.decoder.start();
        return c;
    }

    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the OS granted for SO_RCVBUF (Linux reports twice the usable size, capped by net.core.rmem_max). */
    public int receiveBufferGranted() {
        return grantedReceiveBuffer;
    }

    public long datagramsReceived() {
        return received.get();
    }

    public long datagramsDecoded() {
        return decoded.get();
    }

    /** Flows decoded and written (to the open file or a completed one). */
    public long flows() {
        return flows.get();
    }

    /** Records rejected (see the stats files for why). */
    public long rejectedRecords() {
        return rejected.get();
    }

    /** Nanos from the first datagram received to the last one decoded and written (0 before any). */
    public long busyNanos() {
        long f = firstReceiveNanos;
        return f == 0 ? 0 : Math.max(lastDecodedNanos, lastReceiveNanos) - f;
    }

    public List<Path> completedFiles() {
        return files.completed();
    }

    /** Set if a thread died (I/O error on the output, for instance); the collector then stops. */
    public Throwable failure() {
        return failure;
    }

    /** Waits until the collector has stopped (after {@link #close()} or a failure). */
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return finished.await(timeout, unit);
    }

    /**
     * Stops: drains the socket, decodes everything received, completes the current file and its stats.
     * Idempotent and callable from any thread (the shutdown hook).
     */
    @Override
    public void close() throws IOException {
        stopping = true;
        selector.wakeup();
        try {
            if (!finished.await(60, TimeUnit.SECONDS)) throw new IOException("collector did not stop within 60 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping the collector", e);
        }
        if (failure != null) throw new IOException("collector failed: " + failure, failure);
    }

    // ---------------------------------------------------------------- receiving thread

    /** Datagrams packed into one array, with their offsets, lengths, source addresses and ports. */
    private static final class Batch {
        final byte[] data = new byte[BATCH_BYTES];
        final ByteBuffer buffer = ByteBuffer.wrap(data);
        int count;
        int[] offsets = new int[4096], lengths = new int[4096], ports = new int[4096];
        Ip[] sources = new Ip[4096];
        boolean last;

        void clear() {
            count = 0;
            buffer.clear();
        }

        boolean roomFor() {
            return data.length - buffer.position() >= MAX_DATAGRAM && count < offsets.length;
        }
    }

    private void receiveLoop() {
        Batch b = null;
        long drainUntil = 0;
        long quietSince = 0;
        InetSocketAddress lastFrom = null;
        Ip lastIp = null;
        try {
            b = free.take();
            b.clear();
            while (true) {
                if (stopping) {
                    if (drainUntil == 0) drainUntil = System.nanoTime() + DRAIN_NANOS;
                    else if (System.nanoTime() > drainUntil) break;
                }
                InetSocketAddress from = (InetSocketAddress) channel.receive(positioned(b));
                if (from == null) {
                    // Socket empty: hand over what we have, then wait for more (or for stop).
                    if (b.count > 0) {
                        Batch queued = b;
                        b = null; // if interrupted below, the finally block must not queue it again
                        full.put(queued);
                        b = free.take();
                        b.clear();
                    }
                    if (stopping) {
                        // Loopback delivery can lag the sender (softirq work deferred under load): stop only
                        // after the socket has stayed empty for a moment.
                        long now = System.nanoTime();
                        if (quietSince == 0) quietSince = now;
                        if (now - quietSince >= QUIET_NANOS) break;
                        selector.select(10);
                    } else {
                        selector.select(200);
                    }
                    selector.selectedKeys().clear();
                    continue;
                }
                quietSince = 0;
                long now = System.nanoTime();
                if (firstReceiveNanos == 0) firstReceiveNanos = now;
                lastReceiveNanos = now;
                int start = b.count == 0 ? 0 : b.offsets[b.count - 1] + b.lengths[b.count - 1];
                b.offsets[b.count] = start;
                b.lengths[b.count] = b.buffer.position() - start;
                b.ports[b.count] = from.getPort();
                // The JDK hands back the same address object while the sender does not change.
                if (from != lastFrom) {
                    lastFrom = from;
                    lastIp = Ip.ofBytes(from.getAddress().getAddress());
                }
                b.sources[b.count] = lastIp;
                b.count++;
                received.lazySet(received.get() + 1);
                if (!b.roomFor()) {
                    Batch queued = b;
                    b = null;
                    full.put(queued);
                    b = free.take(); // waits while the decoder is behind: the kernel buffer takes the burst
                    b.clear();
                }
            }
        } catch (ClosedChannelException e) {
            // closed under us: nothing more to receive
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = t;
            config.log().accept("keyhole collect: receiving failed: " + t);
        } finally {
            if (b == null) b = new Batch(); // never re-send a batch already handed over
            b.last = true;
            try {
                full.put(b);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The batch's buffer limited to one more datagram after those already in it. */
    private static ByteBuffer positioned(Batch b) {
        ByteBuffer bb = b.buffer;
        int start = b.count == 0 ? 0 : b.offsets[b.count - 1] + b.lengths[b.count - 1];
        bb.limit(start + MAX_DATAGRAM).position(start); // roomFor() guarantees the space
        return bb;
    }

    // ---------------------------------------------------------------- decoding thread

    private void decodeLoop() {
        try {
            while (true) {
                Batch b = full.poll(250, TimeUnit.MILLISECONDS);
                long now = config.clock().millis();
                if (files.due(now)) rotate(now);
                if (b == null) continue;
                long ticks = config.ticks().getAsLong();
                for (int i = 0; i < b.count; i++) {
                    // Decoded within milliseconds of arriving: the batch's time stands for each datagram's.
                    export.datagram(b.data, b.offsets[i], b.lengths[i], b.sources[i], b.ports[i], 0, rejects, ticks, now);
                    periodBytes += b.lengths[i];
                }
                periodDatagrams += b.count;
                decoded.lazySet(decoded.get() + b.count);
                if (b.count > 0) lastDecodedNanos = System.nanoTime();
                flows.lazySet(export.flows());
                rejected.lazySet(rejectedBefore + rejects.count());
                boolean last = b.last;
                b.clear();
                if (last) break;
                free.put(b);
            }
        } catch (Throwable t) {
            failure = t;
            config.log().accept("keyhole collect: decoding failed: " + t);
            stopping = true;
            receiver.interrupt();
        } finally {
            try {
                if (files.open()) {
                    Map<String, Object> st = stats();
                    Path done = files.complete(config.clock().millis(), st);
                    config.log().accept("keyhole collect: completed " + done + summary(st));
                }
            } catch (Throwable t) {
                if (failure == null) failure = t;
                config.log().accept("keyhole collect: could not complete the last file: " + t);
            }
            try {
                channel.close();
                selector.close();
            } catch (IOException e) {
                // closing: nothing left to do with it
            }
            finished.countDown();
        }
    }

    private void rotate(long now) throws IOException {
        Map<String, Object> st = stats();
        Path done = files.complete(now, st);
        config.log().accept("keyhole collect: completed " + done + summary(st));
        rejectedBefore += rejects.count();
        rejects = newRejects();
        files.start(now);
    }

    private Rejects newRejects() {
        int[] logged = {0};
        return new Rejects("udp datagram", m -> {
            if (logged[0]++ < LOGGED_REJECTS_PER_FILE) config.log().accept("keyhole collect: " + m);
            else if (logged[0] == LOGGED_REJECTS_PER_FILE + 1) {
                config.log().accept("keyhole collect: more rejects in this period; see its stats file");
            }
        });
    }

    /** The open period's figures; clears the per-source counters for the next period. */
    private Map<String, Object> stats() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("listen", localAddressText());
        m.put("receiveBufferRequested", config.receiveBuffer());
        m.put("receiveBufferGranted", grantedReceiveBuffer);
        m.put("datagrams", periodDatagrams);
        m.put("bytes", periodBytes);
        long notExport = export.notExport() - periodNotExport;
        m.put("notFlowExport", notExport);
        m.put("templatesExpired", export.expiredTemplates() - periodExpired);
        periodExpired = export.expiredTemplates();
        List<Map<String, Object>> exporters = new ArrayList<>();
        for (ExportDecoder.SourceStats s : export.stats(true)) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("exporter", s.exporter());
            e.put("protocol", s.protocol());
            e.put("version", s.protocolVersion());
            e.put(switch (s.version()) {
                case 5 -> "engine";
                case 9 -> "sourceId";
                case ExportDecoder.SFLOW -> "subAgent";
                default -> "observationDomain";
            }, s.version() == 5 ? (s.domain() >>> 8) + "/" + (s.domain() & 0xff) : s.domain());
            e.put("datagrams", s.datagrams());
            e.put("flows", s.flows());
            e.put("rejectedRecords", s.rejectedRecords());
            e.put("lost", s.lost());
            e.put("lostUnit", s.lossUnit());
            e.put("late", s.late());
            e.put("restarts", s.resets());
            exporters.add(e);
        }
        m.put("exporters", exporters);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("records", rejects.count());
        r.put("messages", rejects.messages());
        m.put("rejects", r);
        // What exporters sent on purpose that is not a flow (packet samples of ARP, LLDP...), by kind.
        m.put("skipped", new LinkedHashMap<>(rejects.skipped()));
        periodDatagrams = 0;
        periodBytes = 0;
        periodNotExport = export.notExport();
        return m;
    }

    /**
     * One line of a period's figures for the log, as nfcapd logs each file: flows, exporters, loss,
     * rejects and what was skipped by kind (the stats file holds the same and per exporter).
     */
    @SuppressWarnings("unchecked")
    static String summary(Map<String, Object> st) {
        long flows = 0;
        // Loss is in each protocol's own unit (flows, export packets, datagrams): summed per unit.
        Map<String, Long> lost = new LinkedHashMap<>();
        List<Map<String, Object>> sources = (List<Map<String, Object>>) st.get("exporters");
        // A source is an exporter and one of its domains: one router can be several.
        java.util.Set<Object> exporters = new java.util.HashSet<>();
        for (Map<String, Object> e : sources) {
            exporters.add(e.get("exporter"));
            flows += ((Number) e.get("flows")).longValue();
            long l = ((Number) e.get("lost")).longValue();
            if (l > 0) lost.merge((String) e.get("lostUnit"), l, Long::sum);
        }
        StringBuilder sb = new StringBuilder(": " + Plural.of(flows, "flows") + " from " + Plural.of(exporters.size(), "exporters")
                + " in " + Plural.of(((Number) st.get("datagrams")).longValue(), "datagrams"));
        lost.forEach((unit, n) -> sb.append(", ").append(Plural.of(n, unit)).append(" lost (sequence gaps)"));
        long rejected = ((Number) ((Map<String, Object>) st.get("rejects")).get("records")).longValue();
        if (rejected > 0) sb.append(String.format(Locale.ROOT, ", %,d rejected", rejected));
        long notExport = ((Number) st.get("notFlowExport")).longValue();
        if (notExport > 0) sb.append(", ").append(Plural.of(notExport, "datagrams")).append(" not flow export");
        Map<String, Long> skipped = (Map<String, Long>) st.get("skipped");
        if (!skipped.isEmpty()) {
            sb.append("; skipped:");
            String sep = " ";
            for (Map.Entry<String, Long> k : skipped.entrySet()) {
                sb.append(sep).append(Plural.of(k.getValue(), k.getKey()));
                sep = ", ";
            }
        }
        return sb.toString();
    }

    private String localAddressText() {
        try {
            return text((InetSocketAddress) channel.getLocalAddress());
        } catch (IOException e) {
            return text(config.listen());
        }
    }

    /** {@code 192.0.2.1:2055} or {@code [2001:db8::1]:2055}, addresses in RFC 5952 text. */
    public static String text(InetSocketAddress a) {
        Ip ip = Ip.ofBytes(a.getAddress().getAddress());
        boolean v4 = a.getAddress() instanceof java.net.Inet4Address;
        return (v4 ? ip.toString() : "[" + ip + "]") + ":" + a.getPort();
    }

    /** The stats file written next to a completed IPFIX file. */
    public static Path statsFile(Path ipfix) {
        return RotatingIpfixFiles.stats(ipfix);
    }
}
