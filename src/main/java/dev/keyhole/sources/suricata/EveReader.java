package dev.keyhole.sources.suricata;

import com.fasterxml.jackson.core.JsonFactory;
import dev.keyhole.records.DnsRecord;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.HttpRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.NameSource;
import dev.keyhole.records.RecordSink;
import dev.keyhole.records.TlsRecord;
import dev.keyhole.sources.RecordReader;
import dev.keyhole.sources.Rejects;
import dev.keyhole.records.IpText;
import dev.keyhole.sources.text.LineReader;
import dev.keyhole.sources.text.TextParse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads Suricata EVE JSON ({@code eve.json}, one event a line): {@code flow} and {@code netflow}
 * events become flows, {@code http}, {@code tls} and {@code dns} events the names for them, keyed
 * by {@code flow_id} as Zeek's are by uid. Other event types are skipped and counted (see
 * {@link Rejects#skipped}). One file carries both flows and names, so the engine reads it in both
 * passes. See docs/formats/suricata.md.
 */
public final class EveReader implements RecordReader {
    /** Longer lines are rejected: a corrupt file can be one huge line. */
    static final int MAX_LINE = 16 << 20;
    /** DNS v1 query names remembered per (flow_id, dns id), to name per-answer events after their question. */
    private static final int MAX_PENDING_QUERIES = 4096;

    private static final JsonFactory JSON = JsonFactory.builder().build();


    @Override
    public long read(InputStream in, RecordSink sink, Rejects rejects) throws IOException {
        return new Session(sink, rejects).run(in);
    }

    /**
     * True when the first line (already decompressed, possibly cut off by the head's end) is a JSON
     * object with {@code event_type} and {@code flow_id} or {@code timestamp}, as every EVE event is.
     */
    public static boolean sniff(byte[] head) {
        if (head == null) return false;
        int i = 0, n = head.length;
        if (n >= 3 && (head[0] & 0xff) == 0xEF && (head[1] & 0xff) == 0xBB && (head[2] & 0xff) == 0xBF) i = 3;
        while (i < n && (head[i] == ' ' || head[i] == '\r' || head[i] == '\n' || head[i] == '\t')) i++;
        if (i >= n || head[i] != '{') return false;
        int e = i;
        while (e < n && head[e] != '\n') e++;
        boolean eventType = false, idOrTime = false;
        // Top-level keys only: depth counts braces/brackets outside strings.
        int depth = 0, q = -1;
        for (int k = i; k < e; k++) {
            byte c = head[k];
            if (q >= 0) {
                if (c == '\\') {
                    k++;
                } else if (c == '"') {
                    int after = k + 1;
                    while (after < e && head[after] == ' ') after++;
                    if (depth == 1 && after < e && head[after] == ':') {
                        String key = new String(head, q + 1, k - q - 1, StandardCharsets.UTF_8);
                        if (key.equals("event_type")) eventType = true;
                        else if (key.equals("flow_id") || key.equals("timestamp")) idOrTime = true;
                    }
                    q = -1;
                }
            } else if (c == '"') {
                q = k;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
            }
        }
        return eventType && idOrTime;
    }

    /** The state of one {@link #read} call. */
    private static final class Session {
        private final RecordSink sink;
        private final Rejects rejects;
        private final EveLine ev = new EveLine(JSON);
        private final Map<String, long[]> skipped = new TreeMap<>();
        private final LinkedHashMap<String, String> pendingQueries = new LinkedHashMap<>(64, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > MAX_PENDING_QUERIES;
            }
        };
        private final Map<String, String> interned = new HashMap<>();
        /** Suricata writes a flow's netflow pair after its flow event; with both enabled only flow is read. */
        private boolean sawFlow;
        private long emitted;

        Session(RecordSink sink, Rejects rejects) {
            this.sink = sink;
            this.rejects = rejects;
        }

        long run(InputStream in) throws IOException {
            LineReader lines = new LineReader(in, 1 << 16, MAX_LINE);
            boolean first = true;
            while (lines.next()) {
                byte[] b = lines.buf();
                int s = lines.start(), e = lines.end();
                long line = lines.lineNumber();
                if (first) {
                    first = false;
                    if (e - s >= 3 && (b[s] & 0xff) == 0xEF && (b[s + 1] & 0xff) == 0xBB && (b[s + 2] & 0xff) == 0xBF) {
                        s += 3;
                    }
                }
                if (lines.overlong()) {
                    rejects.atLine(line, "line longer than " + (MAX_LINE >> 20) + " MiB, skipped");
                    continue;
                }
                while (s < e && (b[s] == ' ' || b[s] == '\t')) s++;
                if (s == e) continue;
                if (b[s] != '{') {
                    rejects.atLine(line, "not a JSON object");
                    continue;
                }
                try {
                    line(b, s, e);
                } catch (EveLine.Bad bad) {
                    rejects.atLine(line, bad.getMessage());
                } catch (RuntimeException ex) {
                    // A parser bug must cost one line, not the file; the message says so.
                    rejects.atLine(line, "unreadable line (internal error: " + ex + ")");
                }
            }
            skipped.forEach((kind, n) -> rejects.skipped(kind, n[0]));
            return emitted;
        }

        private void skip(String kind) {
            long[] n = skipped.get(kind);
            if (n == null) {
                // event_type is the sender's text: cap the distinct kinds kept.
                if (skipped.size() >= 32) kind = "other";
                n = skipped.computeIfAbsent(kind, k -> new long[1]);
            }
            n[0]++;
        }

        private void line(byte[] b, int s, int e) throws EveLine.Bad {
            if (!ev.parse(b, s, e)) {
                skip(intern(ev.eventType));
                return;
            }
            if (ev.eventType == null) throw new EveLine.Bad("no event_type (not a Suricata EVE event?)");
            switch (ev.eventType) {
                case "flow":
                    sawFlow = true;
                    emit(flow(false));
                    break;
                case "netflow":
                    if (sawFlow) skip("netflow (flow events present)");
                    else emit(flow(true));
                    break;
                case "http":
                    emit(http());
                    break;
                case "tls":
                    emit(tls());
                    break;
                default:
                    dns();
                    break;
            }
        }

        private void emit(Object rec) {
            emitted++;
            if (rec instanceof FlowRecord f) sink.flow(f);
            else if (rec instanceof HttpRecord h) sink.http(h);
            else if (rec instanceof TlsRecord t) sink.tls(t);
            else sink.dns((DnsRecord) rec);
        }

        private String intern(String s) {
            if (s == null) return null;
            String k = interned.get(s);
            if (k != null) return k;
            if (interned.size() < 1024) interned.put(s, s);
            return s;
        }

        // ---- records ----

        private FlowRecord flow(boolean netflow) throws EveLine.Bad {
            long ts = time("timestamp", ev.timestamp);
            long start = ev.start != null ? time(netflow ? "netflow.start" : "flow.start", ev.start) : ts;
            long end = ev.end != null ? time(netflow ? "netflow.end" : "flow.end", ev.end) : start;
            Ip src = addr("src_ip", ev.srcIp);
            Ip dst = addr("dest_ip", ev.destIp);
            int proto = protocol(src);
            int sport, dport;
            if (ev.srcPort == null && ev.destPort == null && ev.icmpType != null) {
                // ICMP has no ports; like Zeek, type and code stand in for them.
                sport = (int) bounded("icmp_type", ev.icmpType, 255);
                dport = ev.icmpCode == null ? 0 : (int) bounded("icmp_code", ev.icmpCode, 255);
            } else {
                sport = port("src_port", ev.srcPort);
                dport = port("dest_port", ev.destPort);
            }
            int flags = 0;
            if (ev.tcpFlags != null) {
                try {
                    flags = Integer.parseInt(ev.tcpFlags, 16);
                } catch (NumberFormatException x) {
                    flags = -1;
                }
                if (flags < 0 || flags > 255) throw bad("tcp.tcp_flags", "not a hex flag byte", ev.tcpFlags);
            }
            FlowRecord f = netflow
                    ? new FlowRecord(start, end, src, dst, sport, dport, proto, flags, count("netflow.pkts", ev.pkts),
                            count("netflow.bytes", ev.bytes), 0, 0, false, 0, 0, ev.flowId, null, NameSource.NONE)
                    : new FlowRecord(start, end, src, dst, sport, dport, proto, flags,
                            count("flow.pkts_toserver", ev.pktsToServer), count("flow.bytes_toserver", ev.bytesToServer),
                            count("flow.pkts_toclient", ev.pktsToClient), count("flow.bytes_toclient", ev.bytesToClient),
                            true, 0, 0, ev.flowId, null, NameSource.NONE); // EVE has no AS numbers
            String implausible = f.implausibleCounters();
            if (implausible != null) throw new EveLine.Bad(implausible);
            return f;
        }

        private HttpRecord http() throws EveLine.Bad {
            long ts = time("timestamp", ev.timestamp);
            Ip client = addr("src_ip", ev.srcIp);
            Ip server = addr("dest_ip", ev.destIp);
            int status = ev.status == null ? 0 : (int) bounded("http.status", ev.status, 999);
            return new HttpRecord(ts, ev.flowId, client, port("src_port", ev.srcPort), server,
                    port("dest_port", ev.destPort), intern(ev.method), ev.hostname, ev.url, ev.userAgent, status);
        }

        private TlsRecord tls() throws EveLine.Bad {
            long ts = time("timestamp", ev.timestamp);
            Ip client = addr("src_ip", ev.srcIp);
            Ip server = addr("dest_ip", ev.destIp);
            // EVE does not say whether the handshake completed.
            return new TlsRecord(ts, ev.flowId, client, port("src_port", ev.srcPort), server,
                    port("dest_port", ev.destPort), intern(ev.tlsVersion), ev.sni, false);
        }

        private void dns() throws EveLine.Bad {
            long ts = time("timestamp", ev.timestamp);
            Ip src = addr("src_ip", ev.srcIp);
            Ip dst = addr("dest_ip", ev.destIp);
            int sport = port("src_port", ev.srcPort), dport = port("dest_port", ev.destPort);
            String type = ev.dnsType;
            boolean answer = "answer".equals(type) || "response".equals(type) || ev.detailedAnswers
                    || ev.groupedAnswers;
            String key = ev.flowId + "/" + ev.dnsId;
            if (!answer) {
                if (ev.rrname != null) pendingQueries.put(key, ev.rrname);
                skip("dns query");
                return;
            }
            // Suricata 4 wrote answers in packet direction (resolver first); later ones in flow direction.
            Ip client = src, resolver = dst;
            if (sport == 53 && dport != 53) {
                client = dst;
                resolver = src;
            }
            List<Ip> addrs = new ArrayList<>(2);
            String query = ev.rrname;
            if (ev.detailedAnswers) {
                for (int i = 0; i + 1 < ev.answers.size(); i += 2) {
                    String t = ev.answers.get(i);
                    if ("A".equals(t) || "AAAA".equals(t)) addAnswer(addrs, ev.answers.get(i + 1));
                }
            } else if (ev.groupedAnswers) {
                for (String a : ev.grouped) addAnswer(addrs, a);
            } else if (ev.rdata != null) {
                // v1: one event per answer record; its rrname is the record's owner (maybe a CNAME
                // target), so the question comes from the query event with the same id.
                if ("A".equals(ev.rrtype) || "AAAA".equals(ev.rrtype)) addAnswer(addrs, ev.rdata);
                String q = pendingQueries.get(key);
                if (q != null) query = q;
            }
            emit(new DnsRecord(ts, ev.flowId, client, resolver, query, intern(ev.rrtype),
                    addrs.isEmpty() ? List.of() : addrs));
        }

        private static void addAnswer(List<Ip> out, String data) {
            if (data == null) return;
            Ip ip = IpText.parse(data);
            if (ip != null) out.add(ip);
        }

        // ---- values ----

        private static long time(String field, String raw) throws EveLine.Bad {
            if (raw == null) throw new EveLine.Bad(field + ": missing");
            long us = raw.indexOf('-') > 0 ? TextParse.isoToMicros(raw) : TextParse.secondsToMicros(raw);
            if (us == TextParse.BAD) throw bad(field, "not a time", raw);
            return Math.floorDiv(us, 1000);
        }

        private static Ip addr(String field, String raw) throws EveLine.Bad {
            if (raw == null) throw new EveLine.Bad(field + ": missing");
            Ip ip = IpText.parse(raw);
            if (ip == null) throw bad(field, "not an address", raw);
            return ip;
        }

        private static long count(String field, String raw) throws EveLine.Bad {
            if (raw == null) return 0;
            long v = TextParse.parseLong(raw);
            if (v == TextParse.BAD) throw bad(field, "not a count", raw);
            return v;
        }

        private static long bounded(String field, String raw, long max) throws EveLine.Bad {
            long v = count(field, raw);
            if (v > max) throw bad(field, "out of range", raw);
            return v;
        }

        private static int port(String field, String raw) throws EveLine.Bad {
            return (int) bounded(field, raw, 65_535);
        }

        private int protocol(Ip src) throws EveLine.Bad {
            String p = ev.proto;
            if (p == null) throw new EveLine.Bad("proto: missing");
            int n = TextParse.protocol(p);
            if (n >= 0) {
                // Some producers name ICMPv6 "ICMP" too.
                return n == 1 && !src.isV4() ? 58 : n;
            }
            long v = TextParse.parseLong(p);
            if (v == TextParse.BAD || v > 255) throw bad("proto", "unknown protocol", p);
            return (int) v;
        }

        private static EveLine.Bad bad(String field, String what, String raw) {
            return new EveLine.Bad(field + ": " + what + " '" + TextParse.snippet(raw) + "'");
        }
    }

}
