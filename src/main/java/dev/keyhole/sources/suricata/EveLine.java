package dev.keyhole.sources.suricata;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields Keyhole uses of one EVE JSON line, read with Jackson's streaming parser (no tree).
 * Only the event types Keyhole reads are parsed in full: once {@code event_type} names another
 * type, the rest of the line is not looked at, so a large alert or stats event costs little.
 * One instance is reused for every line of a file.
 */
final class EveLine {
    /** A line that cannot be read; the message is the reject reason. */
    static final class Bad extends Exception {
        Bad(String message) {
            super(message, null, false, false);
        }
    }

    /** Event types that become records; any other is skipped. */
    static boolean wanted(String eventType) {
        switch (eventType) {
            case "flow":
            case "netflow":
            case "http":
            case "tls":
            case "dns":
                return true;
            default:
                return false;
        }
    }

    private final JsonFactory factory;

    String timestamp;
    String flowId;
    String eventType;
    String srcIp;
    String destIp;
    /** Raw text of the number (or string) fields; null when absent or JSON null. */
    String srcPort;
    String destPort;
    String proto;
    String icmpType;
    String icmpCode;
    String tcpFlags;

    // flow / netflow
    String start;
    String end;
    String pktsToServer;
    String pktsToClient;
    String bytesToServer;
    String bytesToClient;
    String pkts;
    String bytes;

    // http
    String hostname;
    String url;
    String userAgent;
    String method;
    String status;

    // tls
    String sni;
    String tlsVersion;

    // dns
    String dnsType;
    String dnsId;
    String rrname;
    String rrtype;
    String rdata;
    boolean detailedAnswers;
    /** Some value of the line was an object or array where a scalar was read ({@link #NOT_SCALAR}). */
    private boolean sawNonScalar;
    boolean groupedAnswers;
    /** rrtype, rdata pairs of dns.answers[] (v2/v3 detailed form). */
    final List<String> answers = new ArrayList<>();
    /** Addresses of dns.grouped.A and dns.grouped.AAAA. */
    final List<String> grouped = new ArrayList<>();

    EveLine(JsonFactory factory) {
        this.factory = factory;
    }

    private void clear() {
        timestamp = flowId = eventType = srcIp = destIp = srcPort = destPort = proto = icmpType = icmpCode = null;
        tcpFlags = start = end = pktsToServer = pktsToClient = bytesToServer = bytesToClient = pkts = bytes = null;
        hostname = url = userAgent = method = status = sni = tlsVersion = null;
        dnsType = dnsId = rrname = rrtype = rdata = null;
        detailedAnswers = groupedAnswers = sawNonScalar = false;
        answers.clear();
        grouped.clear();
    }

    /**
     * Parses one line. Returns false when the line is an event Keyhole does not read (then only
     * {@link #eventType} is meaningful); {@link Bad} when it is not one well-formed JSON object.
     */
    boolean parse(byte[] b, int from, int to) throws Bad {
        clear();
        try (JsonParser p = factory.createParser(b, from, to - from)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new Bad("not a JSON object");
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.START_OBJECT) {
                    switch (name) {
                        case "flow":
                            flow(p);
                            break;
                        case "netflow":
                            netflow(p);
                            break;
                        case "tcp":
                            tcp(p);
                            break;
                        case "http":
                            http(p);
                            break;
                        case "tls":
                            tls(p);
                            break;
                        case "dns":
                            dns(p);
                            break;
                        default:
                            p.skipChildren();
                            break;
                    }
                    continue;
                }
                if (v == JsonToken.START_ARRAY) {
                    if (OBJECTS.contains(name)) throw new Bad(name + ": an array, not an object");
                    p.skipChildren();
                    continue;
                }
                // A section Keyhole reads given as a plain value: the line is not what it claims to be.
                if (v != JsonToken.VALUE_NULL && OBJECTS.contains(name)) throw new Bad(name + ": not an object");
                String s = scalar(p, v);
                switch (name) {
                    case "timestamp":
                        timestamp = s;
                        break;
                    case "flow_id":
                        flowId = s;
                        break;
                    case "event_type":
                        eventType = s;
                        // Not a type Keyhole reads: the rest of the line does not matter.
                        if (s != null && !wanted(s)) return false;
                        break;
                    case "src_ip":
                        srcIp = s;
                        break;
                    case "dest_ip":
                        destIp = s;
                        break;
                    case "src_port":
                        srcPort = s;
                        break;
                    case "dest_port":
                        destPort = s;
                        break;
                    case "proto":
                        proto = s;
                        break;
                    case "icmp_type":
                        icmpType = s;
                        break;
                    case "icmp_code":
                        icmpCode = s;
                        break;
                    default:
                        break;
                }
            }
            if (t != JsonToken.END_OBJECT) throw new Bad("broken JSON: expected a field name or '}'");
            if (p.nextToken() != null) throw new Bad("broken JSON: text after the object");
            String nested = sawNonScalar ? nonScalar() : null; // the names are looked up only then
            if (nested != null) throw new Bad(nested + ": an object or array, not a value");
        } catch (JsonProcessingException e) {
            throw new Bad("broken JSON: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new Bad("broken JSON: " + firstLine(e.getMessage()));
        }
        return true;
    }

    private static String firstLine(String m) {
        if (m == null) return "unreadable";
        int nl = m.indexOf('\n');
        if (nl >= 0) m = m.substring(0, nl);
        return m.length() > 100 ? m.substring(0, 100) + "..." : m;
    }

    /** The sections read, which must be objects when present. */
    private static final java.util.Set<String> OBJECTS = java.util.Set.of("flow", "netflow", "tcp", "http", "tls", "dns");

    /** What {@link #scalar} gives for an object or array: compared by identity, never a real value. */
    @SuppressWarnings("StringOperationCanBeSimplified")
    static final String NOT_SCALAR = new String("(object or array)");

    /** The name of the first field Keyhole reads that held an object or array instead of a value, or null. */
    private String nonScalar() {
        String[] names = {"timestamp", "flow_id", "event_type", "src_ip", "dest_ip", "src_port", "dest_port", "proto",
            "icmp_type", "icmp_code", "tcp.tcp_flags", "flow.start", "flow.end", "flow.pkts_toserver",
            "flow.pkts_toclient", "flow.bytes_toserver", "flow.bytes_toclient", "netflow.pkts", "netflow.bytes",
            "http.hostname", "http.url", "http.http_user_agent", "http.http_method", "http.status", "tls.sni",
            "tls.version", "dns.type", "dns.id", "dns.rrname", "dns.rrtype", "dns.rdata"};
        String[] values = {timestamp, flowId, eventType, srcIp, destIp, srcPort, destPort, proto, icmpType, icmpCode,
            tcpFlags, start, end, pktsToServer, pktsToClient, bytesToServer, bytesToClient, pkts, bytes, hostname, url,
            userAgent, method, status, sni, tlsVersion, dnsType, dnsId, rrname, rrtype, rdata};
        for (int i = 0; i < values.length; i++) if (values[i] == NOT_SCALAR) return names[i];
        return null;
    }

    /** The text of a scalar value, null for JSON null; objects and arrays are skipped and read as {@link #NOT_SCALAR}. */
    private String scalar(JsonParser p, JsonToken v) throws IOException {
        switch (v) {
            case VALUE_STRING:
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return p.getText();
            case VALUE_TRUE:
                return "true";
            case VALUE_FALSE:
                return "false";
            case START_OBJECT:
            case START_ARRAY:
                p.skipChildren();
                sawNonScalar = true;
                return NOT_SCALAR;
            default:
                return null;
        }
    }

    private void flow(JsonParser p) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            String s = scalar(p, p.nextToken());
            switch (name) {
                case "pkts_toserver":
                    pktsToServer = s;
                    break;
                case "pkts_toclient":
                    pktsToClient = s;
                    break;
                case "bytes_toserver":
                    bytesToServer = s;
                    break;
                case "bytes_toclient":
                    bytesToClient = s;
                    break;
                case "start":
                    start = s;
                    break;
                case "end":
                    end = s;
                    break;
                default:
                    break;
            }
        }
    }

    private void netflow(JsonParser p) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            String s = scalar(p, p.nextToken());
            switch (name) {
                case "pkts":
                    pkts = s;
                    break;
                case "bytes":
                    bytes = s;
                    break;
                case "start":
                    start = s;
                    break;
                case "end":
                    end = s;
                    break;
                default:
                    break;
            }
        }
    }

    private void tcp(JsonParser p) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            String s = scalar(p, p.nextToken());
            if (name.equals("tcp_flags")) tcpFlags = s;
        }
    }

    private void http(JsonParser p) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            String s = scalar(p, p.nextToken());
            switch (name) {
                case "hostname":
                    hostname = s;
                    break;
                case "url":
                    url = s;
                    break;
                case "http_user_agent":
                    userAgent = s;
                    break;
                case "http_method":
                    method = s;
                    break;
                case "status":
                    status = s;
                    break;
                default:
                    break;
            }
        }
    }

    private void tls(JsonParser p) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            String s = scalar(p, p.nextToken());
            if (name.equals("sni")) sni = s;
            else if (name.equals("version")) tlsVersion = s;
        }
    }

    private void dns(JsonParser p) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "answers":
                    if (v == JsonToken.START_ARRAY) {
                        detailedAnswers = true;
                        answerArray(p);
                    } else {
                        scalar(p, v);
                    }
                    break;
                case "grouped":
                    if (v == JsonToken.START_OBJECT) {
                        groupedAnswers = true;
                        groupedObject(p);
                    } else {
                        scalar(p, v);
                    }
                    break;
                case "queries":
                    // v3 (Suricata 8): the question as queries[0]
                    if (v == JsonToken.START_ARRAY) queryArray(p);
                    else scalar(p, v);
                    break;
                default: {
                    String s = scalar(p, v);
                    switch (name) {
                        case "type":
                            dnsType = s;
                            break;
                        case "id":
                            dnsId = s;
                            break;
                        case "rrname":
                            rrname = s;
                            break;
                        case "rrtype":
                            rrtype = s;
                            break;
                        case "rdata":
                            rdata = s;
                            break;
                        default:
                            break;
                    }
                }
            }
        }
    }

    private void answerArray(JsonParser p) throws IOException {
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            if (e == null) throw new IOException("unterminated array");
            if (e != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            String type = null, data = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                String s = scalar(p, p.nextToken());
                if (name.equals("rrtype")) type = s;
                else if (name.equals("rdata")) data = s;
            }
            // An answer of a shape Keyhole does not know is left out, not the whole event.
            answers.add(type == NOT_SCALAR ? null : type);
            answers.add(data == NOT_SCALAR ? null : data);
        }
    }

    private void groupedObject(JsonParser p) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String type = p.currentName();
            JsonToken v = p.nextToken();
            if (v != JsonToken.START_ARRAY || !(type.equals("A") || type.equals("AAAA"))) {
                scalar(p, v);
                continue;
            }
            JsonToken e;
            while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                if (e == null) throw new IOException("unterminated array");
                String s = scalar(p, e);
                if (s != null && s != NOT_SCALAR) grouped.add(s);
            }
        }
    }

    private void queryArray(JsonParser p) throws IOException {
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            if (e == null) throw new IOException("unterminated array");
            if (e != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            String n = null, t = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                String s = scalar(p, p.nextToken());
                if (name.equals("rrname")) n = s;
                else if (name.equals("rrtype")) t = s;
            }
            if (rrname == null) {
                rrname = n == NOT_SCALAR ? null : n;
                rrtype = t == NOT_SCALAR ? null : t;
            }
        }
    }
}
