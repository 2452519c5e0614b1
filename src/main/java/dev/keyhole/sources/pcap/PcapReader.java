package dev.keyhole.sources.pcap;

import dev.keyhole.records.Ip;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.InputFormat;
import dev.keyhole.sources.Plural;
import dev.keyhole.sources.RecordReader;
import dev.keyhole.sources.Rejects;
import dev.keyhole.sources.netflow.ExportDecoder;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Reads flows out of packet captures (pcap or pcapng) of flow export traffic: every UDP datagram that
 * holds NetFlow v5, NetFlow v9 or IPFIX is decoded as a collector would have decoded it, with the
 * packet's source address as the exporter (templates, options and sequence numbers are kept per
 * exporter and domain). Link layers: Ethernet (with 802.1Q / 802.1ad VLAN tags), Linux cooked (SLL,
 * SLL2), raw IP, BSD loopback. Everything else (other link types, non-IP, non-UDP, IP fragments, UDP
 * that is not flow export) is skipped and counted in one note at the end of the file.
 *
 * <p>Each datagram is decoded at its packet's capture time, so a template that the exporter did not
 * send again within the template lifetime expires as it would in {@code keyhole collect}.
 */
public final class PcapReader implements RecordReader {
    /** The default template lifetime, as {@code keyhole collect}'s: 90 minutes. */
    public static final long DEFAULT_TEMPLATE_LIFETIME_MILLIS = 90 * 60_000L;
    static final int LINKTYPE_NULL = 0, LINKTYPE_ETHERNET = 1, LINKTYPE_RAW = 101, LINKTYPE_LOOP = 108,
            LINKTYPE_LINUX_SLL = 113, LINKTYPE_IPV4 = 228, LINKTYPE_IPV6 = 229, LINKTYPE_LINUX_SLL2 = 276,
            DLT_RAW_12 = 12, DLT_RAW_14 = 14;

    private final long templateLifetimeMillis;
    private final dev.keyhole.sources.packet.Tunnels tunnels;

    public PcapReader() {
        this(DEFAULT_TEMPLATE_LIFETIME_MILLIS);
    }

    /** @param templateLifetimeMillis 0: templates never expire */
    public PcapReader(long templateLifetimeMillis) {
        this(templateLifetimeMillis, dev.keyhole.sources.packet.Tunnels.NONE);
    }

    /** @param tunnels the tunnels opened in the exports' packet samples */
    public PcapReader(long templateLifetimeMillis, dev.keyhole.sources.packet.Tunnels tunnels) {
        if (templateLifetimeMillis < 0) throw new IllegalArgumentException("negative template lifetime");
        this.templateLifetimeMillis = templateLifetimeMillis;
        this.tunnels = tunnels;
    }

    @Override
    public long read(InputStream in, RecordSink sink, Rejects rejects) throws IOException {
        Run run = new Run(sink, rejects, templateLifetimeMillis, tunnels);
        CaptureFile file = new CaptureFile(in, rejects);
        file.read(run);
        run.finish(file.packets);
        return run.decoder.flows();
    }

    /** One file's worth of state: the decoder and the counts of what was skipped. */
    static final class Run implements CaptureFile.Handler {
        final ExportDecoder decoder;
        final Rejects rejects;
        long exportDatagrams, notUdp, notIp, fragments, notExport, truncated, cutExport, badHeaders;
        final TreeSet<Integer> unsupportedLinks = new TreeSet<>();
        long unsupportedPackets;
        long lastOffset;
        /** The capture time of the packet being read, or {@link CaptureFile#NO_TIME}. */
        private long millis = CaptureFile.NO_TIME;

        Run(RecordSink sink, Rejects rejects, long templateLifetimeMillis, dev.keyhole.sources.packet.Tunnels tunnels) {
            this.decoder = new ExportDecoder(sink, templateLifetimeMillis, tunnels);
            this.rejects = rejects;
        }

        @Override
        public void packet(int linkType, byte[] b, int off, int len, int origLen, long at, long millis) {
            lastOffset = at + len;
            this.millis = millis;
            int end = off + len;
            int p;
            int etherType;
            switch (linkType) {
                case LINKTYPE_ETHERNET -> {
                    if (len < 14) {
                        truncated++;
                        return;
                    }
                    etherType = u16(b, off + 12);
                    p = off + 14;
                }
                case LINKTYPE_LINUX_SLL -> {
                    if (len < 16) {
                        truncated++;
                        return;
                    }
                    etherType = u16(b, off + 14);
                    p = off + 16;
                }
                case LINKTYPE_LINUX_SLL2 -> {
                    if (len < 20) {
                        truncated++;
                        return;
                    }
                    etherType = u16(b, off);
                    p = off + 20;
                }
                case LINKTYPE_RAW, DLT_RAW_12, DLT_RAW_14, LINKTYPE_IPV4, LINKTYPE_IPV6 -> {
                    etherType = -1;
                    p = off;
                }
                case LINKTYPE_NULL, LINKTYPE_LOOP -> {
                    // A 4-byte address family in host (NULL) or network (LOOP) order; the IP version says the same.
                    etherType = -1;
                    p = off + 4;
                }
                default -> {
                    unsupportedLinks.add(linkType);
                    unsupportedPackets++;
                    return;
                }
            }
            // 802.1Q, 802.1ad (QinQ) and the old 0x9100 tags, any depth.
            while (etherType == 0x8100 || etherType == 0x88a8 || etherType == 0x9100) {
                if (end - p < 4) {
                    truncated++;
                    return;
                }
                etherType = u16(b, p + 2);
                p += 4;
            }
            if (end - p < 1) {
                truncated++;
                return;
            }
            int version = (b[p] & 0xff) >>> 4;
            if (etherType == 0x0800 || (etherType == -1 && version == 4)) ipv4(b, p, end, at - off);
            else if (etherType == 0x86dd || (etherType == -1 && version == 6)) ipv6(b, p, end, at - off);
            else notIp++;
        }

        private void ipv4(byte[] b, int p, int end, long fileBase) {
            if (end - p < 20) {
                truncated++;
                return;
            }
            int ihl = (b[p] & 0x0f) * 4;
            int total = u16(b, p + 2);
            if ((b[p] & 0xff) >>> 4 != 4 || ihl < 20 || total < ihl) {
                badHeaders++;
                return;
            }
            if ((u16(b, p + 6) & 0x3fff) != 0) { // more-fragments flag or a fragment offset
                fragments++;
                return;
            }
            if ((b[p + 9] & 0xff) != 17) {
                notUdp++;
                return;
            }
            Ip src = Ip.ofV4((int) u32(b, p + 12));
            int ipEnd = Math.min(end, p + total);
            udp(b, p + ihl, ipEnd, p + total > end, src, fileBase);
        }

        private void ipv6(byte[] b, int p, int end, long fileBase) {
            if (end - p < 40) {
                truncated++;
                return;
            }
            int payload = u16(b, p + 4);
            int next = b[p + 6] & 0xff;
            long hi = 0, lo = 0;
            for (int i = 0; i < 8; i++) hi = (hi << 8) | (b[p + 8 + i] & 0xff);
            for (int i = 0; i < 8; i++) lo = (lo << 8) | (b[p + 16 + i] & 0xff);
            Ip src = Ip.ofV6(hi, lo);
            int ipEnd = p + 40 + payload;
            boolean cut = ipEnd > end;
            ipEnd = Math.min(ipEnd, end);
            int q = p + 40;
            // Extension headers: hop-by-hop, routing, destination options, AH; a fragment header means a fragment.
            while (next == 0 || next == 43 || next == 60 || next == 51 || next == 44) {
                if (next == 44) {
                    fragments++;
                    return;
                }
                if (ipEnd - q < 8) {
                    truncated++;
                    return;
                }
                int hlen = next == 51 ? ((b[q + 1] & 0xff) + 2) * 4 : ((b[q + 1] & 0xff) + 1) * 8;
                next = b[q] & 0xff;
                q += hlen;
            }
            if (next != 17) {
                notUdp++;
                return;
            }
            udp(b, q, ipEnd, cut, src, fileBase);
        }

        private void udp(byte[] b, int p, int ipEnd, boolean ipCut, Ip src, long fileBase) {
            if (ipEnd - p < 8) {
                truncated++;
                return;
            }
            int srcPort = u16(b, p);
            int udpLen = u16(b, p + 4);
            if (udpLen != 0 && udpLen < 8) {
                badHeaders++;
                return;
            }
            int wire = udpLen == 0 ? ipEnd - p - 8 : udpLen - 8; // 0: IPv6 jumbogram, use the IP length
            int have = Math.min(wire, ipEnd - p - 8);
            int data = p + 8;
            if (!looksLikeExport(b, data, have, wire)) {
                notExport++;
                return;
            }
            if (have < wire || ipCut) cutExport++;
            exportDatagrams++;
            decoder.datagram(b, data, have, src, srcPort, fileBase + data, rejects, millis);
        }

        /**
         * A capture holds other UDP too (DNS, syslog...). Only what passes the version's own consistency
         * checks goes to the decoder, so that a DNS id of 0x0009 is not read as NetFlow v9.
         */
        static boolean looksLikeExport(byte[] b, int p, int have, int wire) {
            if (have < 4) return false;
            int version = u16(b, p);
            switch (version) {
                case 5: {
                    // Trailing bytes (softflowd sends its whole buffer) and a datagram cut short of its count
                    // go to the decoder as they do in the collector, which reports them; the nanoseconds
                    // field and whole records keep other UDP out.
                    int count = u16(b, p + 2);
                    if (count < 1 || count > 30 || wire < 24 + 48 || have < 16) return false;
                    long nsecs = u16(b, p + 12) * 65536L + u16(b, p + 14);
                    return nsecs < 1_000_000_000L && (wire >= 24 + 48 * count || (wire - 24) % 48 == 0);
                }
                case 9: {
                    if (have < 24) return false;
                    int sid = u16(b, p + 20);
                    int sl = u16(b, p + 22);
                    return (sid <= 1 || sid >= 256) && sl >= 4 && sl <= wire - 20;
                }
                case 10: {
                    // The first message may be followed by more (the collector reads them all); its first
                    // set must be a template (2), options template (3) or data set (256 and up).
                    int len = u16(b, p + 2);
                    if (len < 16 || len > wire) return false;
                    if (len == wire || have < 20) return len == wire;
                    int set = u16(b, p + 16);
                    return set == 2 || set == 3 || set >= 256;
                }
                case 0:
                    return dev.keyhole.sources.sflow.SflowDecoder.looksLikeSflow(b, p, have, wire);
                default:
                    return false;
            }
        }

        void finish(long packets) {
            decoder.reportLoss(rejects, lastOffset);
            List<String> skipped = new ArrayList<>();
            if (notExport > 0) skipped.add(Plural.of(notExport, "UDP datagrams that are not NetFlow v5/v9, IPFIX or sFlow v5"));
            if (notUdp > 0) skipped.add(Plural.of(notUdp, "IP packets that are not UDP"));
            if (notIp > 0) skipped.add(Plural.of(notIp, "frames that are not IPv4/IPv6"));
            if (fragments > 0) skipped.add(Plural.of(fragments, "IP fragments (not reassembled)"));
            if (badHeaders > 0) skipped.add(Plural.of(badHeaders, "packets with invalid IP/UDP headers"));
            if (unsupportedPackets > 0) {
                skipped.add(Plural.of(unsupportedPackets, "packets of unsupported link type(s) " + unsupportedLinks));
            }
            if (truncated > 0) skipped.add(Plural.of(truncated, "packets too short for the link/IP/UDP headers"));
            if (cutExport > 0) {
                rejects.atOffset(lastOffset, 0, Plural.of(cutExport, "flow export datagrams") + (cutExport == 1 ? " was" : " were")
                        + " cut short by the capture's snaplen; decoded as far as they go");
            }
            if (!skipped.isEmpty()) {
                rejects.atOffset(lastOffset, 0, "of " + packets + " packets, " + exportDatagrams
                        + " were flow export datagrams; skipped: " + String.join(", ", skipped));
            } else if (packets > 0 && exportDatagrams == 0) {
                rejects.atOffset(lastOffset, 0, "no flow export datagram in " + packets + " packets");
            }
        }
    }

    /** pcap (either byte order, µs / ns / modified magic) or pcapng (section header block), from the first bytes. */
    public static Optional<InputFormat> sniff(byte[] head) {
        if (head.length < 4) return Optional.empty();
        int be = ((head[0] & 0xff) << 24) | ((head[1] & 0xff) << 16) | ((head[2] & 0xff) << 8) | (head[3] & 0xff);
        int le = Integer.reverseBytes(be);
        if (be == CaptureFile.PCAPNG_SHB && head.length >= 12) {
            int bom = ((head[8] & 0xff) << 24) | ((head[9] & 0xff) << 16) | ((head[10] & 0xff) << 8) | (head[11] & 0xff);
            if (bom == CaptureFile.PCAPNG_BOM || Integer.reverseBytes(bom) == CaptureFile.PCAPNG_BOM) {
                return Optional.of(InputFormat.PCAPNG);
            }
        }
        for (int m : new int[] {CaptureFile.PCAP_US, CaptureFile.PCAP_NS, CaptureFile.PCAP_MODIFIED}) {
            if ((be == m || le == m) && head.length >= 24) return Optional.of(InputFormat.PCAP);
        }
        return Optional.empty();
    }

    static int u16(byte[] b, int p) {
        return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
    }

    static long u32(byte[] b, int p) {
        return ((long) (b[p] & 0xff) << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
    }
}
