package dev.keyhole.sources.netflow;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.Rejects;
import dev.keyhole.sources.ipfix.TemplateDecoder;
import dev.keyhole.sources.sflow.SflowDecoder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Decodes flow export datagrams as they arrive over UDP: NetFlow v5, NetFlow v9 (RFC 3954), IPFIX
 * (RFC 7011) and sFlow v5, dispatched by the version field (sFlow's is a 32-bit 5, so its first two
 * bytes are 0). Everything learnt from a datagram (templates, options, sampling rates, sequence
 * numbers) belongs to its <em>source</em>: exporter address, version, and observation domain (IPFIX) /
 * source id (v9) / engine type and id (v5); for sFlow the agent address the datagram names and its
 * sub-agent id. Two exporters never share a template even when they use the same ids.
 *
 * <p>Bad datagrams are reported to the {@link Rejects} given with them (exporter, offset, reason) and
 * whatever valid sets they hold is still decoded. Not thread-safe: one decoder per receiving thread.
 */
public final class ExportDecoder {
    /** Sources kept at most; garbage with random domains must not fill memory. */
    static final int MAX_SOURCES = 16_384;
    private static final int V5_HEADER = 24, V5_RECORD = 48, V5_MAX_COUNT = 30;
    private static final int V9_HEADER = 20, IPFIX_HEADER = 16;

    private final RecordSink sink;
    private final Counting counting;
    private final TemplateDecoder sets;
    private final SflowDecoder sflow;
    /** The source version code of sFlow v5 (its own version number, 5, is NetFlow v5's). */
    public static final int SFLOW = 0x10005;
    private final Map<Key, Source> sources = new HashMap<>();
    private long nextScope = 1;
    private Source last;

    private long datagrams, notExport;

    public ExportDecoder(RecordSink sink) {
        this(sink, 0);
    }

    /**
     * @param templateLifetimeMillis how long a template stays usable without being re-sent, for
     *                               datagrams given their arrival time; 0: until withdrawn or replaced
     */
    public ExportDecoder(RecordSink sink, long templateLifetimeMillis) {
        this(sink, templateLifetimeMillis, dev.keyhole.sources.packet.Tunnels.NONE);
    }

    /** @param tunnels the tunnels opened in packet samples (IPFIX/v9 packet sections, sFlow raw headers) */
    public ExportDecoder(RecordSink sink, long templateLifetimeMillis, dev.keyhole.sources.packet.Tunnels tunnels) {
        this.sink = sink;
        this.counting = new Counting(sink);
        this.sets = new TemplateDecoder(counting, tunnels);
        this.sflow = new SflowDecoder(tunnels);
        sets.templateLifetime(templateLifetimeMillis);
    }

    /** Templates that expired (not re-sent within the lifetime) before a data set needed them. */
    public long expiredTemplates() {
        return sets.expired();
    }

    /** Every flow goes through here so each source can count its own. */
    private static final class Counting implements RecordSink {
        final RecordSink next;
        long flows;

        Counting(RecordSink next) {
            this.next = next;
        }

        @Override
        public void flow(FlowRecord f) {
            flows++;
            next.flow(f);
        }
    }

    private record Key(Ip exporter, int version, long domain) {}

    /** What is known about one exporter's observation domain, and its counters. */
    public static final class Source {
        final Ip exporter;
        final int version;
        final long domain;
        final long scope;
        final String who;
        final Sequence sequence;
        int port;
        boolean proven;
        long lastUptime = -1;
        long datagrams, flows, rejected;

        Source(Ip exporter, int port, int version, long domain, long scope) {
            this.exporter = exporter;
            this.port = port;
            this.version = version;
            this.domain = domain;
            this.scope = scope;
            this.who = "exporter " + hostPort(exporter, port) + " (" + describe(version, domain) + "): ";
            // Late datagrams are tolerated up to roughly a few hundred datagrams behind.
            this.sequence = new Sequence(version == 9 || version == SFLOW ? 256 : 1 << 16);
        }
    }

    /** One source's counters (since the last {@link #stats(boolean)} that cleared them). */
    public record SourceStats(String exporter, int version, long domain, long datagrams, long flows,
                              long rejectedRecords, long lost, String lossUnit, long late, long resets) {
        /** netflow-v5, netflow-v9, ipfix or sflow-v5. */
        public String protocol() {
            return switch (version) {
                case 5 -> "netflow-v5";
                case 9 -> "netflow-v9";
                case SFLOW -> "sflow-v5";
                default -> "ipfix";
            };
        }

        /** The version number the protocol's datagrams carry. */
        public int protocolVersion() {
            return version == SFLOW ? SflowDecoder.VERSION : version;
        }
    }

    static String describe(int version, long domain) {
        return switch (version) {
            case 5 -> "NetFlow v5 engine " + (domain >>> 8) + "/" + (domain & 0xff);
            case 9 -> "NetFlow v9 source id " + domain;
            case SFLOW -> "sFlow v5 sub-agent " + domain;
            default -> "IPFIX observation domain " + domain;
        };
    }

    static String hostPort(Ip ip, int port) {
        return ip.isV4() ? ip + ":" + port : "[" + ip + "]:" + port;
    }

    public static String lossUnit(int version) {
        return switch (version) {
            case 5 -> "flows";
            case 9 -> "packets";
            case SFLOW -> "datagrams";
            default -> "records";
        };
    }

    /** Datagrams handed to {@link #datagram}. */
    public long datagrams() {
        return datagrams;
    }

    /** Datagrams that were not NetFlow v5/v9, IPFIX or sFlow v5 at all. */
    public long notExport() {
        return notExport;
    }

    /** Flows decoded. */
    public long flows() {
        return counting.flows;
    }

    /**
     * Decodes one UDP payload.
     *
     * @param base    added to offsets in reports (a file offset for captures, 0 for live datagrams)
     * @param rejects where problems go; reasons start with the exporter and its domain
     */
    public void datagram(byte[] b, int off, int len, Ip exporter, int port, long base, Rejects rejects) {
        datagram(b, off, len, exporter, port, base, rejects, TemplateDecoder.NO_TIME);
    }

    /**
     * {@link #datagram(byte[], int, int, Ip, int, long, Rejects)} for a datagram that arrived at
     * {@code receivedMillis}: templates it uses must have been (re-)sent within the template lifetime.
     */
    public void datagram(byte[] b, int off, int len, Ip exporter, int port, long base, Rejects rejects,
                         long receivedMillis) {
        datagram(b, off, len, exporter, port, base, rejects, receivedMillis, receivedMillis);
    }

    /**
     * As above, with the datagram's arrival on the wall clock too ({@code wallMillis}, epoch ms, or
     * {@link TemplateDecoder#NO_TIME}): sFlow samples carry no time of their own, so a flow's is that.
     */
    public void datagram(byte[] b, int off, int len, Ip exporter, int port, long base, Rejects rejects,
                         long receivedMillis, long wallMillis) {
        sets.receivedAt(receivedMillis);
        datagrams++;
        int version = len >= 2 ? u16(b, off) : -1;
        switch (version) {
            case 5 -> v5(b, off, len, exporter, port, base, rejects);
            case 9 -> v9(b, off, len, exporter, port, base, rejects);
            case 10 -> ipfix(b, off, len, exporter, port, base, rejects);
            case 0 -> sflow(b, off, len, exporter, port, base, rejects, wallMillis);
            default -> notExport(b, off, len, exporter, port, base, rejects, version);
        }
    }

    private void notExport(byte[] b, int off, int len, Ip exporter, int port, long base, Rejects rejects, int version) {
        notExport++;
        rejects.atOffset(base, 0, "exporter " + hostPort(exporter, port) + ": datagram of " + len
                + " bytes is not NetFlow v5/v9, IPFIX or sFlow v5 (" + (len < 2 ? "too short" : "version field "
                + (version == 0 && len >= 4 ? u32(b, off) : version)) + "); ignored");
    }

    /** Per-source counters, sorted by exporter then domain; {@code clear} zeroes them for the next period. */
    public List<SourceStats> stats(boolean clear) {
        List<Source> list = new ArrayList<>(sources.values());
        list.sort((x, y) -> {
            int c = x.exporter.compareTo(y.exporter);
            if (c == 0) c = Integer.compare(x.version, y.version);
            return c != 0 ? c : Long.compare(x.domain, y.domain);
        });
        List<SourceStats> out = new ArrayList<>();
        for (Source s : list) {
            if (s.datagrams == 0 && s.sequence.lost() == 0 && s.sequence.resets() == 0) continue;
            out.add(new SourceStats(hostPort(s.exporter, s.port), s.version, s.domain, s.datagrams, s.flows,
                    s.rejected, s.sequence.lost(), lossUnit(s.version), s.sequence.late(), s.sequence.resets()));
            if (clear) {
                s.datagrams = 0;
                s.flows = 0;
                s.rejected = 0;
                s.sequence.clearCounts();
            }
        }
        return out;
    }

    /** Reports, once per source, what its sequence numbers say was lost before it reached us. */
    public void reportLoss(Rejects rejects, long offset) {
        for (SourceStats s : stats(false)) {
            if (s.lost() == 0 && s.resets() == 0) continue;
            rejects.atOffset(offset, 0, "exporter " + s.exporter() + " (" + describe(s.version(), s.domain())
                    + "): sequence numbers show " + s.lost() + " " + s.lossUnit() + " missing (lost before"
                    + " reaching Keyhole), " + s.late() + " late datagrams, " + s.resets() + " restarts");
        }
    }

    // ---------------------------------------------------------------- sources

    private Source source(Ip exporter, int port, int version, long domain, long base, Rejects rejects) {
        Source s = last;
        if (s != null && s.version == version && s.domain == domain && s.exporter.equals(exporter)) {
            s.port = port;
            return s;
        }
        Key k = new Key(exporter, version, domain);
        s = sources.get(k);
        if (s == null) {
            if (sources.size() >= MAX_SOURCES) evictUnproven();
            if (sources.size() >= MAX_SOURCES) {
                rejects.atOffset(base, 0, "exporter " + hostPort(exporter, port) + " (" + describe(version, domain)
                        + "): already " + MAX_SOURCES + " exporter domains known; datagram ignored");
                return null;
            }
            s = new Source(exporter, port, version, domain, nextScope++);
            sources.put(k, s);
        }
        s.port = port;
        last = s;
        return s;
    }

    /** Forgets the sources that never produced a flow: datagrams of garbage with random domains. */
    private void evictUnproven() {
        for (Iterator<Source> it = sources.values().iterator(); it.hasNext(); ) {
            Source s = it.next();
            if (!s.proven) {
                sets.forget(s.scope);
                it.remove();
            }
        }
        last = null;
    }

    private void done(Source s, long flowsBefore, long rejectsBefore, Rejects rejects) {
        s.datagrams++;
        long n = counting.flows - flowsBefore;
        s.flows += n;
        if (n > 0) s.proven = true;
        s.rejected += rejects.count() - rejectsBefore;
    }

    /**
     * v5 / v9 carry the exporter's sysUpTime: going back by more than reordering could explain (10 s) means
     * it restarted, so its sequence numbers start again. A wrap of the 32-bit counter (49.7 days) is not one.
     */
    private static boolean restarted(Source s, long uptime) {
        long last = s.lastUptime;
        s.lastUptime = uptime;
        if (last < 0 || uptime + 10_000 >= last) return false;
        boolean wrap = last > 0xffff_ffffL - 600_000 && uptime < 600_000;
        return !wrap;
    }

    // ---------------------------------------------------------------- NetFlow v5

    /**
     * Header: version, count, sys_uptime, unix_secs, unix_nsecs, flow_sequence, engine_type, engine_id,
     * sampling_interval (2 bits mode, 14 bits interval); then count 48-byte records whose First/Last are
     * sysUpTime milliseconds.
     */
    private void v5(byte[] b, int off, int len, Ip exporter, int port, long base, Rejects rejects) {
        if (len < V5_HEADER) {
            rejects.atOffset(base, 0, "exporter " + hostPort(exporter, port) + ": NetFlow v5 datagram of " + len
                    + " bytes is shorter than its 24-byte header; ignored");
            return;
        }
        int count = u16(b, off + 2);
        long uptime = u32(b, off + 4);
        long secs = u32(b, off + 8);
        long nsecs = u32(b, off + 12);
        long seq = u32(b, off + 16);
        int engine = u16(b, off + 20);
        int interval = u16(b, off + 22) & 0x3fff;
        Source s = source(exporter, port, 5, engine, base, rejects);
        if (s == null) return;
        long flowsBefore = counting.flows, rejectsBefore = rejects.count();
        int fit = (len - V5_HEADER) / V5_RECORD;
        int n = Math.min(count, fit);
        if (count == 0 || count > V5_MAX_COUNT) {
            // Nothing in v5 checks records; a count no exporter sends means this is not a v5 datagram.
            rejects.atOffset(base + 2, 0, s.who + "NetFlow v5 record count " + count + " is not 1.." + V5_MAX_COUNT
                    + "; datagram ignored");
            done(s, flowsBefore, rejectsBefore, rejects);
            return;
        }
        if (count > fit) {
            rejects.atOffset(base + V5_HEADER + (long) fit * V5_RECORD, count - fit, s.who
                    + "NetFlow v5 datagram of " + len + " bytes holds " + fit + " whole records but its header"
                    + " counts " + count + "; records lost: " + (count - fit));
        } else if (len > V5_HEADER + count * V5_RECORD
                && !TemplateDecoder.zero(b, off + V5_HEADER + count * V5_RECORD, off + len)) {
            rejects.atOffset(base + V5_HEADER + (long) count * V5_RECORD, 0, s.who + (len - V5_HEADER - count * V5_RECORD)
                    + " bytes after the " + count + " records the header counts; ignored");
        }
        long exportMs = secs * 1000 + nsecs / 1_000_000;
        long rate = interval > 1 ? interval : 1;
        for (int i = 0, r = off + V5_HEADER; i < n; i++, r += V5_RECORD) {
            Ip src = Ip.ofV4((int) u32(b, r));
            Ip dst = Ip.ofV4((int) u32(b, r + 4));
            long packets = u32(b, r + 16) * rate;
            long bytes = u32(b, r + 20) * rate;
            // mod 2^32 relative to the header's uptime: exact across an uptime wrap.
            long first = exportMs - (int) (uptime - u32(b, r + 24));
            long lastMs = exportMs - (int) (uptime - u32(b, r + 28));
            int srcPort = u16(b, r + 32);
            int dstPort = u16(b, r + 34);
            int flags = b[r + 37] & 0xff;
            int proto = b[r + 38] & 0xff;
            long srcAs = u16(b, r + 40), dstAs = u16(b, r + 42); // v5 has 16-bit AS numbers only
            counting.flow(FlowRecord.uni(first, lastMs, src, dst, srcPort, dstPort, proto, flags, packets, bytes, srcAs,
                    dstAs));
        }
        s.sequence.observe(seq, count, restarted(s, uptime));
        done(s, flowsBefore, rejectsBefore, rejects);
    }

    // ---------------------------------------------------------------- NetFlow v9

    /** Header: version, count, sysUptime, unix_secs, package sequence, source id; then flowsets. */
    private void v9(byte[] b, int off, int len, Ip exporter, int port, long base, Rejects rejects) {
        if (len < V9_HEADER) {
            rejects.atOffset(base, 0, "exporter " + hostPort(exporter, port) + ": NetFlow v9 datagram of " + len
                    + " bytes is shorter than its 20-byte header; ignored");
            return;
        }
        long uptime = u32(b, off + 4);
        long secs = u32(b, off + 8);
        long seq = u32(b, off + 12);
        long sourceId = u32(b, off + 16);
        Source s = source(exporter, port, 9, sourceId, base, rejects);
        if (s == null) return;
        long flowsBefore = counting.flows, rejectsBefore = rejects.count();
        int end = off + len;
        int q = TemplateDecoder.chainV9(b, off + V9_HEADER, end);
        sets.beginV9(b, base - off, s.scope, sourceId, secs, uptime, rejects, s.who);
        sets.sets(off + V9_HEADER, q);
        if (q < end && !TemplateDecoder.zero(b, q, end)) {
            // Trailing zeros are padding (Palo Alto sends whole zero-filled buffers); anything else is damage.
            String why;
            if (end - q < 4) {
                why = (end - q) + " stray bytes after the last flowset";
            } else {
                int sl = u16(b, q + 2);
                why = "flowset " + u16(b, q) + " has length " + sl + (sl < 4 ? ", shorter than its header"
                        : ", more than the " + (end - q) + " bytes left in the datagram");
            }
            rejects.atOffset(base + q - off, 1, s.who + why + "; the rest of the datagram (" + (end - q)
                    + " bytes) is skipped; records lost: unknown, counted as 1");
        }
        s.sequence.observe(seq, 1, restarted(s, uptime));
        done(s, flowsBefore, rejectsBefore, rejects);
    }

    // ---------------------------------------------------------------- sFlow v5

    /**
     * The agent named in the datagram is its exporter (a relay may forward several agents' datagrams),
     * its sub-agent id the domain; the datagram sequence number counts lost datagrams.
     */
    private void sflow(byte[] b, int off, int len, Ip sender, int port, long base, Rejects rejects, long wallMillis) {
        long v = len < 4 ? -1 : u32(b, off);
        if (v != 2 && v != 4 && v != SflowDecoder.VERSION) {
            notExport(b, off, len, sender, port, base, rejects, 0);
            return;
        }
        String bad = sflow.header(b, off, len, sender); // sFlow v2 / v4 are named as such
        if (bad != null) {
            rejects.atOffset(base, 0, "exporter " + hostPort(sender, port) + ": " + bad + "; datagram ignored");
            return;
        }
        Source s = source(sflow.agent(), port, SFLOW, sflow.subAgent(), base, rejects);
        if (s == null) return;
        long flowsBefore = counting.flows, rejectsBefore = rejects.count();
        sflow.samples(b, counting, rejects, s.who, base, wallMillis); // NO_TIME is the decoder's unknown too
        s.sequence.observe(sflow.sequence(), 1, restarted(s, sflow.uptime()));
        done(s, flowsBefore, rejectsBefore, rejects);
    }

    // ---------------------------------------------------------------- IPFIX

    /** One datagram normally carries one message; more are read if they follow it exactly. */
    private void ipfix(byte[] b, int off, int len, Ip exporter, int port, long base, Rejects rejects) {
        int end = off + len;
        int p = off;
        while (p < end) {
            if (end - p < IPFIX_HEADER || u16(b, p) != 10) {
                rejects.atOffset(base + p - off, 0, "exporter " + hostPort(exporter, port) + ": " + (end - p)
                        + " bytes " + (p == off ? "are too short for an IPFIX message header" : "after the IPFIX message"
                        + " are not another message") + "; ignored");
                return;
            }
            p = ipfixMessage(b, off, p, end, exporter, port, base, rejects);
        }
    }

    private int ipfixMessage(byte[] b, int off, int p, int end, Ip exporter, int port, long base, Rejects rejects) {
        int declared = u16(b, p + 2);
        long exportSeconds = u32(b, p + 4);
        long seq = u32(b, p + 8);
        long domain = u32(b, p + 12);
        Source s = source(exporter, port, 10, domain, base + p - off, rejects);
        if (s == null) return end;
        long flowsBefore = counting.flows, rejectsBefore = rejects.count();
        boolean lengthOk = declared >= IPFIX_HEADER && declared <= end - p;
        int msgEnd = lengthOk ? p + declared : end;
        int q = TemplateDecoder.chainIpfix(b, p + IPFIX_HEADER, msgEnd);
        sets.beginIpfix(b, base - off, s.scope, domain, exportSeconds, rejects, s.who);
        sets.sets(p + IPFIX_HEADER, q);
        long at = base + p - off;
        if (!lengthOk && q == end) {
            rejects.atOffset(at, 0, s.who + "message length field says " + declared + " bytes but its sets end with the"
                    + " datagram after " + (end - p) + "; read by its sets, nothing lost");
        } else if (q < msgEnd) {
            long lost = 1;
            boolean unknown = true;
            String why;
            if (msgEnd - q < TemplateDecoder.SET_HEADER) {
                why = (msgEnd - q) + " stray bytes after the last set";
                lost = 0;
                unknown = false;
            } else {
                int sid = u16(b, q);
                int sl = u16(b, q + 2);
                if (!TemplateDecoder.validIpfixSetId(sid)) {
                    why = "invalid set id " + sid;
                } else if (sl < TemplateDecoder.SET_HEADER) {
                    why = "set " + sid + " has length " + sl + ", shorter than a set header";
                } else if (!lengthOk && declared > end - p && q + sl <= p + declared) {
                    // The datagram is shorter than the message says (a capture cut it): keep the whole records.
                    lost = sid >= 256 ? sets.cutDataSet(q, sid, sl, end) : 0;
                    unknown = false;
                    why = "message truncated: its length field says " + declared + " bytes but the datagram has "
                            + (end - p) + "; set " + sid + " is cut";
                } else {
                    why = "set " + sid + " of length " + sl + " overflows its message (" + (msgEnd - p) + " bytes)";
                }
            }
            rejects.atOffset(base + q - off, lost, s.who + why + "; the rest of the message (" + (msgEnd - q)
                    + " bytes) is skipped" + (unknown ? "; records lost: unknown, counted as 1" : "; records lost: " + lost));
        }
        s.sequence.observe(seq, q == msgEnd ? sets.messageRecords() : -1);
        done(s, flowsBefore, rejectsBefore, rejects);
        return msgEnd;
    }

    // ---------------------------------------------------------------- bytes

    static int u16(byte[] b, int p) {
        return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
    }

    static long u32(byte[] b, int p) {
        return ((long) (b[p] & 0xff) << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
    }
}
