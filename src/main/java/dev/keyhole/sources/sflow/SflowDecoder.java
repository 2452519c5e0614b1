package dev.keyhole.sources.sflow;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.Rejects;
import dev.keyhole.sources.packet.PacketSection;

/**
 * Decodes the samples of sFlow version 5 datagrams (sflow.org, "sFlow Version 5", July 2004), as
 * switches and hosts (Arista, Juniper, Cumulus, hsflowd, pmacct's sfprobe…) send them. sFlow carries
 * sampled packets, not flows: each flow sample (and expanded flow sample) becomes a flow of one packet,
 * scaled by the sample's sampling rate as the NetFlow decoders scale by the announced rate (1 in 1024
 * gives 1024 packets and 1024 times the packet's length). The packet comes from the sample's raw
 * packet header record (Ethernet, IPv4 or IPv6 headers, read by {@link PacketSection}), else from its
 * sampled IPv4 / IPv6 record; the extended gateway record gives the AS numbers. The packet's length is
 * its IP length, as for IPFIX packet samples. Samples carry no time: a flow's time is the datagram's
 * arrival (the collector) or capture time (pcap).
 *
 * <p>Counter samples (interface statistics) are not flows and are passed over, as are records and
 * samples of formats this decoder does not know (the specification's rule for extensions). XDR: every
 * field is a big-endian 32-bit word or padded to one. Not thread-safe: one per receiving thread.
 */
public final class SflowDecoder {
    public static final int VERSION = 5;
    /** Skipped-kind texts, as they appear in a file's notes (at most 40 characters). */
    public static final String NOT_IP = "sFlow samples without an IP header";
    public static final String OTHER_HEADER = "sFlow samples of non-Ethernet/IP headers";
    public static final String NO_PACKET = "sFlow samples without a packet record";
    public static final String NO_TIME = "sFlow samples without a capture time";
    public static final String COUNTERS = "sFlow counter samples (not flows)";
    public static final String DISCARDED = "sFlow samples of discarded packets";
    public static final String TRAILING = "sFlow datagrams with trailing bytes";

    private static final int FLOW_SAMPLE = 1, COUNTER_SAMPLE = 2, FLOW_SAMPLE_EXPANDED = 3, COUNTER_SAMPLE_EXPANDED = 4;
    private static final int RAW_HEADER = 1, SAMPLED_IPV4 = 3, SAMPLED_IPV6 = 4, EXTENDED_GATEWAY = 1003;
    private static final int HEADER_ETHERNET = 1, HEADER_IPV4 = 11, HEADER_IPV6 = 12;
    /** More samples than fit in a 64 KiB datagram (a sample is at least 8 bytes) is not sFlow. */
    private static final int MAX_SAMPLES = 65_536 / 8;

    private final PacketSection section;

    public SflowDecoder() {
        this(dev.keyhole.sources.packet.Tunnels.NONE);
    }

    /** @param tunnels the tunnels whose inner packets raw packet headers stand for */
    public SflowDecoder(dev.keyhole.sources.packet.Tunnels tunnels) {
        this.section = new PacketSection(tunnels);
    }

    // The header of the datagram being read (see {@link #header}).
    private Ip agent;
    private long subAgent, sequence, uptime, samples;
    private int off, end, samplesAt;

    /**
     * Whether {@code b[off, off + have)}, the captured part of a UDP payload of {@code wire} bytes, starts
     * like an sFlow v5 datagram (a capture holds other UDP too): its samples must fit the whole payload.
     */
    public static boolean looksLikeSflow(byte[] b, int off, int have, int wire) {
        if (have < 12 || u32(b, off) != VERSION) return false;
        long type = u32(b, off + 4);
        int at = type == 1 ? 4 : type == 2 ? 16 : type == 0 ? 0 : -1;
        if (at < 0 || have < 8 + at + 16) return false;
        long n = u32(b, off + 8 + at + 12);
        return n <= MAX_SAMPLES && n * 8 <= wire - (8 + at + 16);
    }

    /**
     * Reads the datagram header: version 5, agent address (IPv4 or IPv6), sub-agent id, sequence number,
     * uptime (ms), number of samples. Null when it is one, else why not (the caller reports it).
     */
    public String header(byte[] b, int off, int len, Ip sender) {
        this.off = off;
        this.end = off + len;
        if (len < 8) return "sFlow datagram of " + len + " bytes is too short for its header";
        long version = u32(b, off);
        if (version != VERSION) return "sFlow version " + version + " (only version 5 is read)";
        long type = u32(b, off + 4);
        int p = off + 8;
        if (type == 0) { // "unknown": the agent sends no address; the sender stands for it
            agent = sender;
        } else if (type == 1) {
            if (end - p < 4) return "sFlow header cut inside the agent address";
            agent = Ip.ofV4((int) u32(b, p));
            p += 4;
        } else if (type == 2) {
            if (end - p < 16) return "sFlow header cut inside the agent address";
            agent = Ip.ofV6(i64(b, p), i64(b, p + 8));
            p += 16;
        } else {
            return "sFlow agent address type " + type + " (1 IPv4, 2 IPv6)";
        }
        // An agent configured without an address (0.0.0.0) is told apart by the sender, not merged with others.
        if (agent.isV4() ? agent.v4() == 0 : agent.hi() == 0 && agent.lo() == 0) agent = sender;
        if (end - p < 16) return "sFlow header cut after the agent address (" + len + " bytes)";
        subAgent = u32(b, p);
        sequence = u32(b, p + 4);
        uptime = u32(b, p + 8);
        samples = u32(b, p + 12);
        samplesAt = p + 16;
        return null;
    }

    public Ip agent() {
        return agent;
    }

    public long subAgent() {
        return subAgent;
    }

    public long sequence() {
        return sequence;
    }

    /** The agent's uptime in milliseconds when it sent the datagram. */
    public long uptime() {
        return uptime;
    }

    /**
     * Decodes the samples of the datagram whose {@link #header} was read: flow samples to {@code sink},
     * damage to {@code rejects} at {@code base} + its offset in the datagram, each reason after {@code who}.
     *
     * @param timeMillis when the datagram arrived or was captured (epoch ms), or {@link Long#MIN_VALUE}
     *                   when unknown (its samples are then skipped: a flow needs a time)
     */
    public void samples(byte[] b, RecordSink sink, Rejects rejects, String who, long base, long timeMillis) {
        int p = samplesAt;
        long skippedCounters = 0;
        boolean cut = false;
        for (long i = 0; i < samples; i++) {
            // What is missing cannot be known (a garbage count, counter samples among them): counted as 1.
            if (end - p < 8) {
                rejects.atOffset(base + p - off, 1, who + "datagram ends after " + i + " of its " + samples
                        + " samples; records lost: unknown, counted as 1");
                cut = true;
                break;
            }
            long format = u32(b, p);
            long length = u32(b, p + 4);
            int body = p + 8;
            if (length > end - body) {
                rejects.atOffset(base + p - off, 1, who + "sample " + (i + 1) + " of " + samples + " is " + length
                        + " bytes long, more than the " + (end - body) + " left in the datagram; the rest is skipped;"
                        + " records lost: unknown, counted as 1");
                cut = true;
                break;
            }
            int next = padded(body, length, end);
            if (format >>> 12 == 0) { // enterprise 0: the standard formats
                int f = (int) (format & 0xfff);
                if (f == FLOW_SAMPLE || f == FLOW_SAMPLE_EXPANDED) {
                    flowSample(b, body, next, f == FLOW_SAMPLE_EXPANDED, sink, rejects, who, base, timeMillis);
                } else if (f == COUNTER_SAMPLE || f == COUNTER_SAMPLE_EXPANDED) {
                    skippedCounters++;
                }
            }
            p = next;
        }
        if (!cut && p < end) trailing(b, p, rejects, who, base);
        rejects.skipped(COUNTERS, skippedCounters);
    }

    /**
     * Bytes after the samples the header counts. The count is what the specification, sflowtool,
     * Wireshark and Akvorado go by, so they are not decoded; but when they are whole samples that fill
     * the datagram exactly (an agent's wrong count), the flow samples among them are reported lost.
     * Anything else is counted by kind, without a message per datagram.
     */
    private void trailing(byte[] b, int p, Rejects rejects, String who, long base) {
        int q = p, whole = 0, flowSamples = 0;
        while (end - q >= 8) {
            long format = u32(b, q), length = u32(b, q + 4);
            if (length > end - q - 8) break;
            if (format == FLOW_SAMPLE || format == FLOW_SAMPLE_EXPANDED) flowSamples++;
            whole++;
            q = padded(q + 8, length, end);
        }
        if (q == end && flowSamples > 0) {
            rejects.atOffset(base + p - off, flowSamples, who + (end - p) + " bytes after the " + samples
                    + " sample(s) the header counts hold " + whole + " more whole sample(s), not read (the count"
                    + " is what the specification and other collectors go by); records lost: " + flowSamples
                    + " (flow samples)");
        } else {
            rejects.skipped(TRAILING, 1);
        }
    }

    private void flowSample(byte[] b, int p, int sampleEnd, boolean expanded, RecordSink sink, Rejects rejects,
                            String who, long base, long timeMillis) {
        // sequence, source id (1 or 2 words), sampling rate, sample pool, drops, input, output (1 or 2 words each)
        int fixed = expanded ? 44 : 32;
        if (sampleEnd - p < fixed) {
            rejects.atOffset(base + p - 8 - off, 1, who + (expanded ? "expanded " : "") + "flow sample of "
                    + (sampleEnd - p) + " bytes is shorter than its " + fixed + "-byte header; records lost: 1");
            return;
        }
        long rate = u32(b, p + (expanded ? 12 : 8));
        if (rate == 0) rate = 1; // "1 in 0" means no sampling to some agents
        // Output interface format 1: the packet was dropped (ACL, no route…), it never left: not traffic.
        boolean discarded = expanded ? u32(b, p + 32) == 1 : u32(b, p + 24) >>> 30 == 1;
        long records = u32(b, p + fixed - 4);
        int q = p + fixed;
        int headerAt = -1, headerLen = 0, headerLayer = 0;
        long frameLength = 0;
        boolean otherHeader = false;
        int ipAt = -1, ipKind = 0;
        long srcAs = 0, dstAs = 0;
        // Where a damaged record was: if the sample then gives no flow, it is rejected there, not skipped.
        int damagedAt = -1;
        String damage = null;
        for (long r = 0; r < records; r++) {
            if (sampleEnd - q < 8 || u32(b, q + 4) > sampleEnd - q - 8) {
                damagedAt = q;
                damage = "flow record " + (r + 1) + " of " + records + " overflows its sample";
                break;
            }
            long format = u32(b, q);
            int len = (int) u32(b, q + 4);
            int body = q + 8;
            if (format == RAW_HEADER) {
                long proto = len < 16 ? 0 : u32(b, body);
                long hl = len < 16 ? 0 : u32(b, body + 12);
                if (len < 16 || hl > len - 16) {
                    damagedAt = q;
                    damage = "raw packet header record of " + len + " bytes " + (len < 16 ? "is shorter than its"
                            + " 16-byte header" : "says its header is " + hl + " bytes");
                } else if (proto == HEADER_ETHERNET || proto == HEADER_IPV4 || proto == HEADER_IPV6) {
                    headerAt = body + 16;
                    headerLen = (int) hl;
                    headerLayer = proto == HEADER_ETHERNET ? PacketSection.ETHERNET : PacketSection.IP;
                    frameLength = Math.max(0, u32(b, body + 4) - u32(b, body + 8)); // less what was stripped (FCS)
                } else {
                    otherHeader = true;
                }
            } else if (format == SAMPLED_IPV4 || format == SAMPLED_IPV6) {
                if (len >= (format == SAMPLED_IPV4 ? 32 : 56)) {
                    ipAt = body;
                    ipKind = (int) format;
                } else {
                    damagedAt = q;
                    damage = "sampled IPv" + (format == SAMPLED_IPV4 ? 4 : 6) + " record of " + len + " bytes is too short";
                }
            } else if (format == EXTENDED_GATEWAY) {
                long[] as = gatewayAs(b, body, body + len);
                if (as != null) {
                    srcAs = as[0];
                    dstAs = as[1];
                }
            }
            q = padded(body, len, sampleEnd);
        }
        if (discarded) {
            rejects.skipped(DISCARDED, 1);
            return;
        }
        if (timeMillis == Long.MIN_VALUE) {
            rejects.skipped(NO_TIME, 1);
            return;
        }
        Ip src, dst;
        int proto, srcPort, dstPort, flags;
        long length;
        if (headerAt >= 0 && section.read(b, headerAt, headerLen, headerLayer)) {
            PacketSection s = section;
            src = s.src();
            dst = s.dst();
            proto = s.proto;
            srcPort = s.srcPort;
            dstPort = s.dstPort;
            flags = s.flags;
            length = s.ipLength > 0 ? s.ipLength : frameLength;
            if (s.opened > 0) {
                // The gateway record's AS numbers route the tunnel, not the packet inside it.
                srcAs = dstAs = 0;
            }
        } else if (ipAt >= 0) {
            boolean v6 = ipKind == SAMPLED_IPV6;
            int a = ipAt + 8;
            length = u32(b, ipAt);
            proto = (int) u32(b, ipAt + 4) & 0xff;
            src = v6 ? Ip.ofV6(i64(b, a), i64(b, a + 8)) : Ip.ofV4((int) u32(b, a));
            dst = v6 ? Ip.ofV6(i64(b, a + 16), i64(b, a + 24)) : Ip.ofV4((int) u32(b, a + 4));
            int ports = a + (v6 ? 32 : 8);
            srcPort = (int) u32(b, ports) & 0xffff;
            dstPort = (int) u32(b, ports + 4) & 0xffff;
            flags = (int) u32(b, ports + 8) & 0xff;
            if (proto == 1 || proto == 58) { // type and code in the destination port, as nfdump keeps ICMP
                dstPort = (srcPort & 0xff) << 8 | dstPort & 0xff;
                srcPort = 0;
            }
        } else if (damage != null) {
            rejects.atOffset(base + damagedAt - off, 1, who + damage + "; the flow sample gives no flow; records lost: 1");
            return;
        } else {
            // ARP, LLDP, STP… are sampled too: real traffic, not damage, but no flow of any address.
            rejects.skipped(headerAt >= 0 ? NOT_IP : otherHeader ? OTHER_HEADER : NO_PACKET, 1);
            return;
        }
        long packets = rate, bytes = length > Long.MAX_VALUE / rate ? Long.MAX_VALUE : length * rate;
        String implausible = FlowRecord.implausibleCounters(packets, bytes, 0, 0);
        if (implausible != null) {
            rejects.atOffset(base + p - 8 - off, 1, who + "flow sample with sampling rate " + rate + ": " + implausible);
            return;
        }
        sink.flow(FlowRecord.uni(timeMillis, timeMillis, src, dst, srcPort, dstPort, proto, flags, packets, bytes,
                srcAs, dstAs));
    }

    /**
     * Extended gateway: next hop (address type + address), the router's AS, the source AS, the source's
     * peer AS, then the AS path to the destination in segments. The destination AS is the path's last;
     * a source AS of 0 or an empty path means the router's own AS (the traffic starts or ends there),
     * as the specification's "local" and other collectors (Akvorado, pmacct) read them. Null when cut.
     */
    private static long[] gatewayAs(byte[] b, int p, int end) {
        if (end - p < 4) return null;
        long type = u32(b, p);
        if (type > 2) return null; // an address type we cannot step over
        p += 4 + (type == 1 ? 4 : type == 2 ? 16 : 0);
        if (end - p < 16) return null;
        long own = u32(b, p);
        long srcAs = u32(b, p + 4);
        long segments = u32(b, p + 12);
        p += 16;
        long dstAs = 0;
        for (long s = 0; s < segments; s++) {
            if (end - p < 8) return null;
            long n = u32(b, p + 4);
            if (n > (end - p - 8) / 4) return null;
            if (n > 0) dstAs = u32(b, p + 8 + (int) (n - 1) * 4);
            p += 8 + (int) n * 4;
        }
        return new long[] {srcAs != 0 ? srcAs : own, dstAs != 0 ? dstAs : own};
    }

    /**
     * Where the next sample or record starts: lengths include XDR's padding to 4 bytes, but an agent that
     * leaves it out still stays aligned (as sflowtool and pmacct read them); never past {@code limit}.
     */
    private static int padded(int body, long length, int limit) {
        return (int) Math.min(limit, body + ((length + 3) & ~3L));
    }

    static long u32(byte[] b, int p) {
        return ((b[p] & 0xffL) << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
    }

    private static long i64(byte[] b, int p) {
        return u32(b, p) << 32 | u32(b, p + 4);
    }
}
