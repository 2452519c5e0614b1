package dev.keyhole.sources.zeek;

import dev.keyhole.sources.text.TextParse;
import dev.keyhole.records.DnsRecord;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.HttpRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.NameSource;
import dev.keyhole.records.RecordSink;
import dev.keyhole.records.TlsRecord;
import dev.keyhole.sources.Rejects;
import dev.keyhole.sources.text.LineReader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static dev.keyhole.sources.zeek.ZeekSchema.*;

/** The state of one {@link ZeekReader#read} call: the current header block and reject bookkeeping. */
final class ZeekSession {
    private static final String NO_FIELDS = "data line without a #fields header before it "
            + "(not a Zeek TSV log, or its header lines are missing; zeek-cut keeps them only with -c)";

    private final ZeekSchema schema;
    private final RecordSink sink;
    private final Rejects rejects;
    private final TsvFields tsv;
    private JsonFields json;

    /** Inside a TSV header block (from its first header line to #close): data lines are TSV. */
    private boolean tsvBlock;
    /** JSON lines were seen: a later line that is not an object is broken JSON, not missing headers. */
    private boolean sawJson;
    private String[] fieldNames;
    private long fieldsLine;
    private String path;
    private long pathLine;
    /** Why every data line of the current TSV block is rejected (wrong #path, ...), or null. */
    private String blockProblem;
    private long emitted;

    // A run of consecutive lines rejected for the same block-level reason is reported as its first
    // line plus one summary, so an http.log read as conn gives two messages, not a million.
    private String runReason;
    private long runExtra;
    private long runFirstLine;
    private long runLastLine;
    private long runOffset;

    ZeekSession(ZeekSchema schema, RecordSink sink, Rejects rejects) {
        this.schema = schema;
        this.sink = sink;
        this.rejects = rejects;
        this.tsv = new TsvFields(schema);
    }

    long run(InputStream in) throws IOException {
        LineReader lines = new LineReader(in, 1 << 16, ZeekReader.MAX_LINE);
        boolean first = true;
        while (lines.next()) {
            byte[] b = lines.buf();
            int s = lines.start(), e = lines.end();
            long line = lines.lineNumber();
            if (first) {
                first = false;
                if (e - s >= 3 && (b[s] & 0xff) == 0xEF && (b[s + 1] & 0xff) == 0xBB && (b[s + 2] & 0xff) == 0xBF) s += 3;
            }
            if (lines.overlong()) {
                reject(line, "line longer than " + (ZeekReader.MAX_LINE >> 20) + " MiB, skipped");
                continue;
            }
            if (s == e) continue;
            if (b[s] == '#') {
                header(new String(b, s, e - s, StandardCharsets.UTF_8), line);
                continue;
            }
            if (tsvBlock) {
                tsvLine(b, s, e, line, lines.offset());
                continue;
            }
            // Outside a TSV block the encoding is decided per line, so one damaged first
            // line cannot turn a JSON file into a TSV one.
            int k = s;
            while (k < e && (b[k] == ' ' || b[k] == '\t')) k++;
            if (k < e && b[k] == '{') {
                sawJson = true;
                jsonLine(b, s, e, line, lines.offset());
            } else if (sawJson) {
                reject(line, "not a JSON object");
            } else {
                structural(line, lines.offset(), NO_FIELDS);
            }
        }
        flushRun();
        return emitted;
    }

    // ---- TSV ----

    private void header(String h, long line) {
        flushRun();
        if (h.startsWith("#separator")) {
            resetBlock();
            tsvBlock = true;
            byte[] sep = unescapeHeader(h.substring("#separator".length()).trim());
            if (sep.length == 1) {
                tsv.separator(sep[0]);
            } else {
                blockProblem = "unsupported #separator '" + TextParse.snippet(h.substring(10).trim()) + "' at line " + line
                        + " (only single-byte separators)";
            }
            return;
        }
        if (h.startsWith("#close")) {
            resetBlock();
            tsvBlock = false;
            return;
        }
        String sep = String.valueOf((char) (tsv.separator() & 0xff));
        int k = h.indexOf(sep);
        String key = k < 0 ? h.substring(1).trim() : h.substring(1, k);
        String value = k < 0 ? "" : h.substring(k + 1);
        switch (key) {
            case "set_separator":
                tsvBlock = true;
                if (!value.isEmpty()) tsv.setSeparator(unescapeHeader(value));
                break;
            case "empty_field":
                tsvBlock = true;
                tsv.empty(unescapeHeader(value));
                break;
            case "unset_field":
                tsvBlock = true;
                tsv.unset(unescapeHeader(value));
                break;
            case "path":
                tsvBlock = true;
                path = value;
                pathLine = line;
                checkBlock();
                break;
            case "fields":
                tsvBlock = true;
                fieldNames = value.split(sep, -1);
                fieldsLine = line;
                tsv.fields(fieldNames);
                checkBlock();
                break;
            case "open":
            case "types":
                tsvBlock = true;
                break;
            default:
                // Other '#' lines are comments (a btest banner, a note) and decide nothing.
                break;
        }
    }

    private void resetBlock() {
        tsv.resetHeader();
        fieldNames = null;
        path = null;
        blockProblem = null;
    }

    private void checkBlock() {
        blockProblem = null;
        if (path != null && !schema.pathMatches(path)) {
            ZeekSchema other = ZeekSchema.forPath(path);
            blockProblem = "#path at line " + pathLine + " is '" + TextParse.snippet(path) + "', expected '" + schema.path
                    + "'" + (other != null ? " (this is a " + other.path + ".log; read it as " + other.format.id() + ")"
                    : "");
            return;
        }
        if (fieldNames != null) {
            List<String> missing = new ArrayList<>();
            for (int r : schema.required) {
                boolean found = false;
                for (String f : fieldNames) {
                    if (schema.slot(f) == r) {
                        found = true;
                        break;
                    }
                }
                if (!found) missing.add(schema.names[r]);
            }
            if (!missing.isEmpty()) {
                blockProblem = "#fields at line " + fieldsLine + " lacks required field(s) " + String.join(", ", missing);
                return;
            }
            if (path == null && java.util.Arrays.stream(fieldNames).noneMatch(schema::isMarker)) {
                blockProblem = "#fields at line " + fieldsLine + " has none of the fields of a Zeek " + schema.path
                        + ".log (" + String.join(", ", schema.markers) + ") and there is no #path: another kind of log?";
            }
        }
    }

    private void tsvLine(byte[] b, int s, int e, long line, long offset) {
        if (blockProblem != null) {
            structural(line, offset, blockProblem);
            return;
        }
        if (fieldNames == null) {
            structural(line, offset, NO_FIELDS);
            return;
        }
        int n = tsv.split(b, s, e);
        if (n != fieldNames.length) {
            reject(line, "expected " + fieldNames.length + " fields as in #fields at line " + fieldsLine + ", got " + n
                    + (n < fieldNames.length ? " (truncated line?)" : ""));
            return;
        }
        build(tsv, line);
    }

    /** Decodes a header value's {@code \xNN} escapes to bytes ({@code #separator \x09}). */
    static byte[] unescapeHeader(String v) {
        byte[] raw = v.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '\\' && i + 3 < raw.length && raw[i + 1] == 'x') {
                int hi = Character.digit(raw[i + 2], 16), lo = Character.digit(raw[i + 3], 16);
                if (hi >= 0 && lo >= 0) {
                    out.write(hi * 16 + lo);
                    i += 3;
                    continue;
                }
            }
            out.write(raw[i]);
        }
        return out.toByteArray();
    }

    // ---- JSON ----

    private void jsonLine(byte[] b, int s, int e, long line, long offset) {
        if (json == null) json = new JsonFields(schema, ZeekReader.JSON);
        try {
            json.parse(b, s, e);
        } catch (Fields.Bad bad) {
            reject(line, bad.getMessage());
            return;
        }
        String p = json.path();
        if (p != null && !schema.pathMatches(p)) {
            structural(line, offset, "_path is '" + TextParse.snippet(p) + "', expected '" + schema.path + "'");
            return;
        }
        StringBuilder missing = null;
        for (int r : schema.jsonRequired) {
            if (!json.present(r)) {
                if (missing == null) missing = new StringBuilder("missing required field(s) ");
                else missing.append(", ");
                missing.append(schema.names[r]);
            }
        }
        if (missing != null) {
            structural(line, offset, missing + " (not a Zeek " + schema.path + ".log line?)");
            return;
        }
        if (!json.markerSeen()) {
            structural(line, offset, "none of the fields of a Zeek " + schema.path + ".log ("
                    + String.join(", ", schema.markers) + "): another kind of log?");
            return;
        }
        build(json, line);
    }

    // ---- records ----

    private void build(Fields f, long line) {
        Object rec;
        try {
            switch (schema) {
                case CONN:
                    FlowRecord c = conn(f);
                    String implausible = c.implausibleCounters();
                    if (implausible != null) throw new Fields.Bad(implausible);
                    rec = c;
                    break;
                case HTTP:
                    rec = http(f);
                    break;
                case SSL:
                    rec = ssl(f);
                    break;
                default:
                    rec = dns(f);
                    break;
            }
        } catch (Fields.Bad bad) {
            reject(line, bad.getMessage());
            return;
        } catch (RuntimeException ex) {
            // A parser bug must cost one line, not the file; the message says so.
            reject(line, "unreadable line (internal error: " + ex + ")");
            return;
        }
        flushRun();
        emitted++;
        switch (schema) {
            case CONN:
                sink.flow((FlowRecord) rec);
                break;
            case HTTP:
                sink.http((HttpRecord) rec);
                break;
            case SSL:
                sink.tls((TlsRecord) rec);
                break;
            default:
                sink.dns((DnsRecord) rec);
                break;
        }
    }

    private static FlowRecord conn(Fields f) throws Fields.Bad {
        long ts = f.time(TS);
        long duration = f.interval(DURATION);
        Ip src = f.addr(ORIG_H);
        Ip dst = f.addr(RESP_H);
        int sport = f.port(ORIG_P);
        int dport = f.port(RESP_P);
        int proto;
        if (f.isSet(IP_PROTO)) {
            long p = f.count(IP_PROTO);
            if (p > 255) throw f.bad(IP_PROTO, "out of range", String.valueOf(p));
            proto = (int) p;
        } else {
            proto = f.transport(PROTO);
            if (proto < 0) {
                String raw = f.str(PROTO);
                throw raw == null ? new Fields.Bad("proto: unset") : f.bad(PROTO, "unknown transport", raw);
            }
            // Zeek logs ICMPv6 as "icmp" too; the protocol number differs.
            if (proto == 1 && !src.isV4()) proto = 58;
        }
        return new FlowRecord(Math.floorDiv(ts, 1000), Math.floorDiv(ts + duration, 1000), src, dst, sport, dport, proto,
                0, f.count(ORIG_PKTS), f.count(ORIG_IP_BYTES), f.count(RESP_PKTS), f.count(RESP_IP_BYTES), true,
                0, 0, f.str(UID), null, NameSource.NONE); // conn.log has no AS numbers
    }

    private static HttpRecord http(Fields f) throws Fields.Bad {
        long ts = f.time(TS);
        Ip client = f.addr(ORIG_H);
        Ip server = f.addr(RESP_H);
        long status = f.count(STATUS_CODE);
        if (status > 999) throw f.bad(STATUS_CODE, "out of range", String.valueOf(status));
        return new HttpRecord(Math.floorDiv(ts, 1000), f.str(UID), client, f.port(ORIG_P), server, f.port(RESP_P),
                f.str(METHOD), f.str(HOST), f.str(URI), f.str(USER_AGENT), (int) status);
    }

    private static TlsRecord ssl(Fields f) throws Fields.Bad {
        long ts = f.time(TS);
        Ip client = f.addr(ORIG_H);
        Ip server = f.addr(RESP_H);
        return new TlsRecord(Math.floorDiv(ts, 1000), f.str(UID), client, f.port(ORIG_P), server, f.port(RESP_P),
                f.str(VERSION), f.str(SERVER_NAME), f.bool(ESTABLISHED));
    }

    private static DnsRecord dns(Fields f) throws Fields.Bad {
        long ts = f.time(TS);
        Ip client = f.addr(ORIG_H);
        Ip resolver = f.addr(RESP_H);
        return new DnsRecord(Math.floorDiv(ts, 1000), f.str(UID), client, resolver, f.str(QUERY), f.str(QTYPE_NAME),
                f.addrElements(ANSWERS));
    }

    // ---- rejects ----

    private void reject(long line, String reason) {
        flushRun();
        rejects.atLine(line, reason);
    }

    private void structural(long line, long offset, String reason) {
        if (reason.equals(runReason)) {
            if (runExtra++ == 0) {
                runFirstLine = line;
                runOffset = offset;
            }
            runLastLine = line;
            return;
        }
        flushRun();
        rejects.atLine(line, reason);
        runReason = reason;
    }

    private void flushRun() {
        if (runReason == null) return;
        if (runExtra > 0) {
            rejects.atOffset(runOffset, runExtra, "lines " + runFirstLine + "-" + runLastLine + ": " + runExtra
                    + " more line(s) rejected for the same reason: " + runReason);
        }
        runReason = null;
        runExtra = 0;
    }
}
