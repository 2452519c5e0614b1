package dev.keyhole.records;

/**
 * One flow as every flow parser emits it. Uni-directional exports (NetFlow, IPFIX) fill only the
 * forward counters; bi-directional ones (Zeek conn, IPFIX biflows) also fill the reverse ones.
 *
 * @param startMillis  flow start, epoch milliseconds UTC
 * @param endMillis    flow end, epoch milliseconds UTC
 * @param protocol     IP protocol number (6 TCP, 17 UDP, ...)
 * @param tcpFlags     OR of TCP flags seen, 0 when unknown
 * @param uid          the Zeek connection uid (or another source's connection id), null if none
 * @param serverName   SNI / HTTP Host / DNS name attached to this flow, null if none yet
 * @param biflow       true when the source says src is the originator (Zeek conn, biflow IPFIX)
 * @param srcAs        the exporter's BGP source AS number (unsigned 32-bit), 0 when not reported
 * @param dstAs        the exporter's BGP destination AS number, 0 when not reported. These are what the router
 *                     said (NetFlow / IPFIX / nfcapd); the enrichment's ASN comes from reference data instead
 */
public record FlowRecord(
        long startMillis,
        long endMillis,
        Ip src,
        Ip dst,
        int srcPort,
        int dstPort,
        int protocol,
        int tcpFlags,
        long packets,
        long bytes,
        long reversePackets,
        long reverseBytes,
        boolean biflow,
        long srcAs,
        long dstAs,
        String uid,
        String serverName,
        NameSource nameSource) {

    public static final int TCP = 6;
    public static final int UDP = 17;
    /**
     * A packet or byte counter of 2^48 (281 TB in one record) or more is garbage, not traffic: summed,
     * such values would wrap a run's 64-bit totals. Parsers reject those records where they read them.
     */
    public static final long MAX_COUNTER = 1L << 48;

    /** True when each counter is below {@link #MAX_COUNTER} and not negative. */
    public static boolean plausibleCounters(long packets, long bytes, long reversePackets, long reverseBytes) {
        return ((packets | bytes | reversePackets | reverseBytes) & ~(MAX_COUNTER - 1)) == 0;
    }

    /** Why counters read from an input cannot be a flow's (2^48 or more, or negative), or null when they can. */
    public static String implausibleCounters(long packets, long bytes, long reversePackets, long reverseBytes) {
        if (plausibleCounters(packets, bytes, reversePackets, reverseBytes)) return null;
        return "implausible counters (packets " + packets + ", bytes " + bytes + ", reverse " + reversePackets
                + " / " + reverseBytes + "; 2^48 or more, or negative)";
    }

    /** {@link #implausibleCounters(long, long, long, long)} of this record's counters. */
    public String implausibleCounters() {
        return implausibleCounters(packets, bytes, reversePackets, reverseBytes);
    }

    public long totalBytes() {
        return bytes + reverseBytes;
    }

    public long totalPackets() {
        return packets + reversePackets;
    }

    public FlowRecord withName(String name, NameSource source) {
        return new FlowRecord(startMillis, endMillis, src, dst, srcPort, dstPort, protocol, tcpFlags, packets, bytes,
                reversePackets, reverseBytes, biflow, srcAs, dstAs, uid, name, source);
    }

    /** A uni-directional flow with no names, as NetFlow/IPFIX exporters report it (AS numbers 0 if not reported). */
    public static FlowRecord uni(long start, long end, Ip src, Ip dst, int srcPort, int dstPort, int protocol,
                                 int tcpFlags, long packets, long bytes, long srcAs, long dstAs) {
        return new FlowRecord(start, end, src, dst, srcPort, dstPort, protocol, tcpFlags, packets, bytes, 0, 0,
                false, srcAs, dstAs, null, null, NameSource.NONE);
    }
}
