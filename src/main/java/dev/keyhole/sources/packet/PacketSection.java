package dev.keyhole.sources.packet;

import dev.keyhole.records.Ip;

/**
 * Reads the headers of one sampled packet that an exporter sent as bytes instead of as flow fields:
 * sFlow's raw packet header records, IPFIX dataLinkFrameSection (IE 315, also NetFlow v9 / IPFIX
 * layer2packetSectionData, 104) from the Ethernet header, or ipHeaderPacketSection (IE 313) and
 * sFlow's IPv4/IPv6 headers from the IP header. Switches (sFlow), Juniper inline monitoring,
 * Cisco and others export packet samples this way. The headers give the flow's addresses, ports,
 * protocol and TCP flags, and its length on the wire at the IP layer.
 *
 * <p>Ethernet with any number of 802.1Q / 802.1ad tags, MPLS label stacks (then IPv4, IPv6, or a
 * pseudowire control word and Ethernet again, as EVPN and Ethernet over MPLS carry it), IPv4 and
 * IPv6 with extension headers. Tunnels are opened only when asked ({@link Tunnels}): by default an
 * IP-in-IP, GRE, ERSPAN, SRv6, VXLAN or Geneve packet is the outer header's flow, with the outer
 * protocol (4, 41, 47, 17), as other collectors report it by default; with decapsulation it is the inner packet's
 * flow and length, and a packet that is not such a tunnel, or whose inner headers were cut off,
 * stays the outer flow. A section cut before the transport header (exporters send the first
 * 64–128 bytes) still gives addresses and protocol, with ports 0. Not thread-safe: one per decoder.
 */
public final class PacketSection {
    public static final int ETHERNET = 1, IP = 2;
    private static final int MAX_ETHERNET_NESTING = 2;
    /** Tunnels opened inside one packet at most (GRE in VXLAN…): the rest stays as the innermost reached. */
    private static final int MAX_TUNNELS = 3;
    private static final int VXLAN_PORT = 4789, GENEVE_PORT = 6081;

    private final Tunnels tunnels;
    /** How many tunnels the last successful {@link #read} opened (0: the packet's own outer headers). */
    public int opened;

    /** Reads packets as they are, tunnels included. */
    public PacketSection() {
        this(Tunnels.NONE);
    }

    /** Opens the given tunnels and reads the packet inside. */
    public PacketSection(Tunnels tunnels) {
        this.tunnels = tunnels;
    }

    public boolean v6;
    public int src4, dst4;
    public long src6hi, src6lo, dst6hi, dst6lo;
    public int proto, srcPort, dstPort, flags;
    /** The packet's IP length (IPv4 total length, IPv6 40 + payload length), 0 when the header says none. */
    public long ipLength;
    /** Why the section held no IP packet, when {@link #read} returned false. */
    public String why;

    private byte[] b;

    /** The source address read by the last successful {@link #read}. */
    public Ip src() {
        return v6 ? Ip.ofV6(src6hi, src6lo) : Ip.ofV4(src4);
    }

    /** The destination address read by the last successful {@link #read}. */
    public Ip dst() {
        return v6 ? Ip.ofV6(dst6hi, dst6lo) : Ip.ofV4(dst4);
    }

    /** Reads {@code b[from, from + len)} starting at the given layer; false when it holds no IP header. */
    public boolean read(byte[] b, int from, int len, int layer) {
        this.b = b;
        v6 = false;
        src4 = dst4 = proto = srcPort = dstPort = flags = 0;
        src6hi = src6lo = dst6hi = dst6lo = ipLength = 0;
        why = null;
        opened = 0;
        int end = from + len;
        return layer == ETHERNET ? ethernet(from, end, 0) : ip(from, end);
    }

    private boolean ethernet(int p, int end, int depth) {
        if (end - p < 14) return fail("Ethernet header cut at " + (end - p) + " bytes");
        int type = u16(p + 12);
        p += 14;
        while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
            if (end - p < 4) return fail("VLAN tag cut");
            type = u16(p + 2);
            p += 4;
        }
        if (type == 0x8847 || type == 0x8848) {
            // MPLS: labels up to the one with the bottom-of-stack bit; then the payload's first nibble.
            while (true) {
                if (end - p < 4) return fail("MPLS label stack cut");
                boolean bottom = (b[p + 2] & 1) != 0;
                p += 4;
                if (bottom) break;
            }
            if (end - p < 1) return fail("MPLS payload missing");
            int nibble = (b[p] & 0xff) >>> 4;
            if (nibble == 4 || nibble == 6) return ip(p, end);
            if (nibble == 0 && depth < MAX_ETHERNET_NESTING) return ethernet(p + 4, end, depth + 1); // control word
            return fail("MPLS payload that is not IP (first nibble " + nibble + ")");
        }
        if (type == 0x0800 || type == 0x86dd) return ip(p, end);
        return fail(String.format("ethertype 0x%04x", type));
    }

    private boolean ip(int p, int end) {
        if (end - p < 1) return fail("IP header missing");
        int version = (b[p] & 0xff) >>> 4;
        if (version == 4) return ipv4(p, end);
        if (version == 6) return ipv6(p, end);
        return fail("IP version " + version);
    }

    private boolean ipv4(int p, int end) {
        if (end - p < 20) return fail("IPv4 header cut at " + (end - p) + " bytes");
        int ihl = (b[p] & 0x0f) * 4;
        if (ihl < 20) return fail("IPv4 header length " + ihl);
        v6 = false;
        srcPort = dstPort = flags = 0; // an inner packet's, not its tunnel's
        ipLength = u16(p + 2);
        proto = b[p + 9] & 0xff;
        src4 = i32(p + 12);
        dst4 = i32(p + 16);
        // Only a packet's first fragment holds the transport header.
        int fragment = u16(p + 6);
        if ((fragment & 0x1fff) == 0) {
            transport(p + ihl, end);
            // A fragmented tunnel stays the tunnel: its later fragments cannot be opened, so opening
            // the first would count the inner packet's whole length and the rest on top.
            if (tunnels.any() && (fragment & 0x2000) == 0) tunnel(p + ihl, end);
        }
        return true;
    }

    private boolean ipv6(int p, int end) {
        if (end - p < 40) return fail("IPv6 header cut at " + (end - p) + " bytes");
        v6 = true;
        srcPort = dstPort = flags = 0;
        int payload = u16(p + 4);
        ipLength = payload == 0 ? 0 : 40L + payload; // 0: a jumbogram
        src6hi = i64(p + 8);
        src6lo = i64(p + 16);
        dst6hi = i64(p + 24);
        dst6lo = i64(p + 32);
        int next = b[p + 6] & 0xff;
        int q = p + 40;
        boolean fragmented = false;
        // Hop-by-hop, routing, destination options, AH, fragment: the protocol is the header after them.
        while (next == 0 || next == 43 || next == 60 || next == 51 || next == 44) {
            if (end - q < 8) {
                proto = next; // cut inside the extension headers: the first one we cannot pass
                return true;
            }
            int h = next;
            next = b[q] & 0xff;
            if (h == 44) {
                if ((u16(q + 2) & 0xfff8) != 0) { // not the first fragment: no transport header
                    proto = next;
                    return true;
                }
                fragmented = (u16(q + 2) & 1) != 0;
                q += 8;
            } else {
                q += h == 51 ? ((b[q + 1] & 0xff) + 2) * 4 : ((b[q + 1] & 0xff) + 1) * 8;
            }
        }
        proto = next;
        transport(q, end);
        if (tunnels.any() && !fragmented) tunnel(q, end);
        return true;
    }

    /**
     * The outer headers are read and {@code p} is where their payload starts: when that payload is a
     * tunnel the caller asked to open, the flow becomes the inner packet's. If the inner headers are
     * cut off or are not IP, the outer flow stays as it was read.
     */
    private void tunnel(int p, int end) {
        if (opened >= MAX_TUNNELS) return;
        int innerAt, layer;
        if ((proto == 4 || proto == 41) && tunnels.ipInIp()) {
            innerAt = p;
            layer = IP;
        } else if (proto == 143 && v6 && tunnels.ipInIp()) { // Ethernet in IPv6: SRv6 End.DX2 (RFC 8986)
            innerAt = p;
            layer = ETHERNET;
        } else if (proto == 47 && (tunnels.gre() || tunnels.erspan())) {
            // RFC 2784 / 2890: flags and version, protocol type, then checksum, key and sequence when flagged.
            if (end - p < 4) return;
            int fv = u16(p), type = u16(p + 2);
            // RFC 2784 §2.3: routing, strict source route or recursion bits set, or version 1 (PPTP's
            // enhanced GRE, which carries PPP), is not a plain GRE header: not opened.
            if ((fv & 0x4c07) != 0) return;
            boolean sequenced = (fv & 0x1000) != 0;
            innerAt = p + 4 + ((fv & 0x8000) != 0 ? 4 : 0) + ((fv & 0x2000) != 0 ? 4 : 0) + (sequenced ? 4 : 0);
            if (type == 0x88be || type == 0x22eb) {
                if (!tunnels.erspan()) return;
                // ERSPAN (Cisco's draft-foschiano-erspan): type I (0x88be without a sequence number) has
                // no header of its own; type II (0x88be with one) an 8-byte header of version 1; type III
                // (0x22eb) a 12-byte header of version 2, 8 more when its O flag is set, and a frame type
                // (0 Ethernet, 2 IP). The mirrored frame follows.
                layer = ETHERNET;
                if (type == 0x88be && sequenced) {
                    if (end - innerAt < 8 || (b[innerAt] & 0xf0) != 0x10) return;
                    innerAt += 8;
                } else if (type == 0x22eb) {
                    if (end - innerAt < 12 || (b[innerAt] & 0xf0) != 0x20) return;
                    int frameType = (b[innerAt + 10] >>> 2) & 0x1f;
                    if (frameType == 2) layer = IP;
                    else if (frameType != 0) return;
                    innerAt += (b[innerAt + 11] & 1) != 0 ? 20 : 12;
                }
            } else {
                if (!tunnels.gre()) return;
                if (type == 0x0800 || type == 0x86dd) layer = IP;
                else if (type == 0x6558) layer = ETHERNET; // transparent Ethernet bridging (NVGRE and others)
                else return;
            }
        } else if (proto == 17 && dstPort == VXLAN_PORT && tunnels.vxlan()) {
            // RFC 7348: UDP header, then 8 bytes with the I flag (a valid VNI), then Ethernet.
            if (end - p < 16 || (b[p + 8] & 0x08) == 0) return;
            innerAt = p + 16;
            layer = ETHERNET;
        } else if (proto == 17 && dstPort == GENEVE_PORT && tunnels.geneve()) {
            // RFC 8926: UDP header, then version 0, options length in 4-byte words, the O flag (a
            // control message, not data: not opened) and the protocol type of the payload.
            if (end - p < 16 || (b[p + 8] & 0xc0) != 0 || (b[p + 9] & 0x80) != 0) return;
            int type = u16(p + 10);
            if (type == 0x6558) layer = ETHERNET;
            else if (type == 0x0800 || type == 0x86dd) layer = IP;
            else return;
            innerAt = p + 16 + (b[p + 8] & 0x3f) * 4;
        } else {
            return;
        }
        if (innerAt > end) return;
        Outer outer = save();
        opened++; // counted before the inside is read, so that tunnels within it see the depth
        if (!(layer == ETHERNET ? ethernet(innerAt, end, 0) : ip(innerAt, end))) {
            opened--;
            restore(outer);
        }
    }

    /** The outer flow's fields, to fall back to when a tunnel's inside cannot be read. */
    private record Outer(boolean v6, int src4, int dst4, long src6hi, long src6lo, long dst6hi, long dst6lo, int proto,
                         int srcPort, int dstPort, int flags, long ipLength) {}

    private Outer save() {
        return new Outer(v6, src4, dst4, src6hi, src6lo, dst6hi, dst6lo, proto, srcPort, dstPort, flags, ipLength);
    }

    private void restore(Outer o) {
        v6 = o.v6;
        src4 = o.src4;
        dst4 = o.dst4;
        src6hi = o.src6hi;
        src6lo = o.src6lo;
        dst6hi = o.dst6hi;
        dst6lo = o.dst6lo;
        proto = o.proto;
        srcPort = o.srcPort;
        dstPort = o.dstPort;
        flags = o.flags;
        ipLength = o.ipLength;
        why = null;
    }

    private void transport(int p, int end) {
        switch (proto) {
            case 6, 17, 132, 136 -> { // TCP, UDP, SCTP, UDP-Lite
                if (end - p < 4) return;
                srcPort = u16(p);
                dstPort = u16(p + 2);
                if (proto == 6 && end - p >= 14) flags = b[p + 13] & 0xff;
            }
            case 1, 58 -> { // ICMP: type and code in the destination port, as nfdump keeps them
                if (end - p < 2) return;
                dstPort = (b[p] & 0xff) << 8 | (b[p + 1] & 0xff);
            }
            default -> { }
        }
    }

    private boolean fail(String reason) {
        why = reason;
        return false;
    }

    private int u16(int p) {
        return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
    }

    private int i32(int p) {
        return (b[p] & 0xff) << 24 | (b[p + 1] & 0xff) << 16 | (b[p + 2] & 0xff) << 8 | (b[p + 3] & 0xff);
    }

    private long i64(int p) {
        return (long) i32(p) << 32 | (i32(p + 4) & 0xffff_ffffL);
    }
}
