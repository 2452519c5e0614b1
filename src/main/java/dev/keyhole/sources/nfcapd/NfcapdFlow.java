package dev.keyhole.sources.nfcapd;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.NameSource;

/**
 * One flow record of an nfcapd file as primitives. The decoder fills one instance per file and hands
 * it to a {@link FlowVisitor} for every record, so fast paths (counting, filtering) allocate nothing;
 * {@link #toFlowRecord()} makes the pipeline's immutable record. Fields an element did not carry are 0.
 */
public final class NfcapdFlow {
    /** EXgenericFlow msecFirst / msecLast (or the NSEL/NEL event time when those are 0), epoch ms UTC. */
    public long startMillis, endMillis;
    /** True when the addresses came from EXipv6Flow. */
    public boolean v6;
    /** EXipv4Flow addresses (host order), valid when !v6. */
    public int src4, dst4;
    /** EXipv6Flow addresses as two 64-bit halves, valid when v6. */
    public long srcHi, srcLo, dstHi, dstLo;
    public int srcPort, dstPort, protocol, tcpFlags;
    /** EXgenericFlow inPackets / inBytes. */
    public long packets, bytes;
    /** EXcntFlow outPackets / outBytes (the reverse direction of bi-directional exports). */
    public long outPackets, outBytes;
    /** EXcntFlow flows: how many flows nfdump aggregated into this record; 1 when absent. */
    public long aggregatedFlows;
    /** EXasRouting srcAS / dstAS, 0 when absent. */
    public long srcAs, dstAs;
    /** Record header: exporter id (nfdump's sysid of the exporter) and nfversion (5, 9, 10; nfpcapd: 'A'). */
    public int exporterId, nfVersion;

    void clear() {
        startMillis = endMillis = 0;
        v6 = false;
        src4 = dst4 = 0;
        srcHi = srcLo = dstHi = dstLo = 0;
        srcPort = dstPort = protocol = tcpFlags = 0;
        packets = bytes = outPackets = outBytes = 0;
        aggregatedFlows = 1;
        srcAs = dstAs = 0;
        exporterId = nfVersion = 0;
    }

    /** A copy that outlives the visitor call. */
    public NfcapdFlow copy() {
        NfcapdFlow c = new NfcapdFlow();
        c.startMillis = startMillis;
        c.endMillis = endMillis;
        c.v6 = v6;
        c.src4 = src4;
        c.dst4 = dst4;
        c.srcHi = srcHi;
        c.srcLo = srcLo;
        c.dstHi = dstHi;
        c.dstLo = dstLo;
        c.srcPort = srcPort;
        c.dstPort = dstPort;
        c.protocol = protocol;
        c.tcpFlags = tcpFlags;
        c.packets = packets;
        c.bytes = bytes;
        c.outPackets = outPackets;
        c.outBytes = outBytes;
        c.aggregatedFlows = aggregatedFlows;
        c.srcAs = srcAs;
        c.dstAs = dstAs;
        c.exporterId = exporterId;
        c.nfVersion = nfVersion;
        return c;
    }

    public Ip src() {
        return v6 ? Ip.ofV6(srcHi, srcLo) : Ip.ofV4(src4);
    }

    public Ip dst() {
        return v6 ? Ip.ofV6(dstHi, dstLo) : Ip.ofV4(dst4);
    }

    /** Out counters make it bi-directional: src is then the initiator, as NSEL and IPFIX biflows define it. */
    public boolean biflow() {
        return outPackets != 0 || outBytes != 0;
    }

    public FlowRecord toFlowRecord() {
        Ip s, d;
        Ip ls = lastSrc, ld = lastDst;
        // The two halves of a conversation come back to back: the second's addresses are the
        // first's, swapped, and immutable, so they are shared instead of allocated again.
        if (!v6 && ls != null && ld.isV4() && ls.isV4() && ld.v4() == src4 && ls.v4() == dst4) {
            s = ld;
            d = ls;
        } else {
            s = src();
            d = dst();
        }
        lastSrc = s;
        lastDst = d;
        return new FlowRecord(startMillis, endMillis, s, d, srcPort, dstPort, protocol, tcpFlags, packets,
                bytes, outPackets, outBytes, biflow(), srcAs, dstAs, null, null, NameSource.NONE);
    }

    private Ip lastSrc, lastDst;

    /** Sets every field from a pipeline record (the writer's input); the exporter stays 0. */
    public NfcapdFlow set(FlowRecord f) {
        clear();
        startMillis = f.startMillis();
        endMillis = f.endMillis();
        Ip s = f.src(), d = f.dst();
        v6 = !(s.isV4() && d.isV4());
        if (v6) {
            srcHi = s.hi();
            srcLo = s.lo();
            dstHi = d.hi();
            dstLo = d.lo();
        } else {
            src4 = s.v4();
            dst4 = d.v4();
        }
        srcPort = f.srcPort();
        dstPort = f.dstPort();
        protocol = f.protocol();
        tcpFlags = f.tcpFlags();
        packets = f.packets();
        bytes = f.bytes();
        outPackets = f.reversePackets();
        outBytes = f.reverseBytes();
        srcAs = f.srcAs();
        dstAs = f.dstAs();
        return this;
    }
}
