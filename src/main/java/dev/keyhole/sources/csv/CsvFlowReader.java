package dev.keyhole.sources.csv;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.NameSource;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.InputFormat;
import dev.keyhole.sources.RecordReader;
import dev.keyhole.sources.Rejects;
import dev.keyhole.records.IpText;
import dev.keyhole.sources.text.LineReader;
import dev.keyhole.sources.text.TextParse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads Keyhole's CSV flow format (docs/formats/csv.md): a header naming the columns, in any
 * order, then one flow per line. Quoting follows RFC 4180 except that a quoted value may not
 * span lines (no column can hold a line break), so a stray quote costs one line, not the file.
 */
public final class CsvFlowReader implements RecordReader {
    static final String[] COLUMNS = {"start", "end", "src", "dst", "sport", "dport", "proto", "packets", "bytes",
            "tcp_flags", "rpackets", "rbytes", "uid", "name", "name_source", "src_as", "dst_as"};
    static final int START = 0, END = 1, SRC = 2, DST = 3, SPORT = 4, DPORT = 5, PROTO = 6, PACKETS = 7, BYTES = 8,
            TCP_FLAGS = 9, RPACKETS = 10, RBYTES = 11, UID = 12, NAME = 13, NAME_SOURCE = 14, SRC_AS = 15, DST_AS = 16;
    /** AS numbers are unsigned 32-bit (RFC 6793). */
    private static final long MAX_AS = 0xffff_ffffL;
    static final int REQUIRED = 9;
    /** Seconds beyond this are epoch milliseconds by mistake (1e11 s is the year 5138). */
    private static final long MAX_SECONDS = 100_000_000_000L;
    private static final int MAX_LINE = 1 << 20;

    @Override
    public long read(InputStream in, RecordSink sink, Rejects rejects) throws IOException {
        LineReader lines = new LineReader(in, 1 << 16, MAX_LINE);
        Row row = new Row();
        int[] colOf = null; // column -> position in the line, -1 if absent
        int width = 0;
        long emitted = 0;
        while (lines.next()) {
            byte[] b = lines.buf();
            int s = lines.start(), e = lines.end();
            long line = lines.lineNumber();
            if (line == 1 && e - s >= 3 && (b[s] & 0xff) == 0xEF && (b[s + 1] & 0xff) == 0xBB && (b[s + 2] & 0xff) == 0xBF) {
                s += 3;
            }
            if (colOf == null) {
                String problem = lines.overlong() ? "header line too long" : null;
                Header h = problem == null ? Header.parse(b, s, e, row) : null;
                if (h != null) problem = h.problem;
                if (problem != null) {
                    rejects.atLine(line, problem);
                    return 0;
                }
                colOf = h.colOf;
                width = h.width;
                continue;
            }
            if (lines.overlong()) {
                rejects.atLine(line, "line longer than " + (MAX_LINE >> 10) + " KiB, skipped");
                continue;
            }
            if (blank(b, s, e)) continue;
            String problem = row.split(b, s, e);
            if (problem == null && row.count != width) {
                problem = "expected " + width + " fields as in the header, got " + row.count;
            }
            FlowRecord f = null;
            if (problem == null) {
                try {
                    f = row.flow(colOf);
                    problem = f.implausibleCounters();
                } catch (BadValue bad) {
                    problem = bad.getMessage();
                } catch (RuntimeException ex) {
                    problem = "unreadable line (internal error: " + ex + ")";
                }
            }
            if (problem != null) {
                rejects.atLine(line, problem);
                continue;
            }
            emitted++;
            sink.flow(f);
        }
        return emitted;
    }

    private static boolean blank(byte[] b, int s, int e) {
        for (int i = s; i < e; i++) {
            if (b[i] != ' ' && b[i] != '\t') return false;
        }
        return true;
    }

    /** Recognises the format by a header line naming all required columns. */
    public static Optional<InputFormat> sniff(byte[] head) {
        if (head == null) return Optional.empty();
        int s = 0;
        if (head.length >= 3 && (head[0] & 0xff) == 0xEF && (head[1] & 0xff) == 0xBB && (head[2] & 0xff) == 0xBF) s = 3;
        int e = s;
        while (e < head.length && head[e] != '\n') e++;
        if (e > s && head[e - 1] == '\r') e--;
        Header h = Header.parse(head, s, e, new Row());
        return h.problem == null ? Optional.of(InputFormat.CSV_FLOW) : Optional.empty();
    }

    /** The column layout from the header line, or why there is none. */
    private static final class Header {
        int[] colOf;
        int width;
        String problem;

        static Header parse(byte[] b, int s, int e, Row row) {
            Header h = new Header();
            String p = row.split(b, s, e);
            if (p != null) {
                h.problem = "unreadable header: " + p;
                return h;
            }
            int[] colOf = new int[COLUMNS.length];
            Arrays.fill(colOf, -1);
            String duplicate = null;
            for (int i = 0; i < row.count; i++) {
                String name = row.string(i).trim().toLowerCase(Locale.ROOT);
                for (int c = 0; c < COLUMNS.length; c++) {
                    if (COLUMNS[c].equals(name)) {
                        // Unknown columns may repeat (they are ignored); a known one must not.
                        if (colOf[c] >= 0 && duplicate == null) duplicate = name;
                        colOf[c] = i;
                    }
                }
            }
            List<String> missing = new ArrayList<>();
            for (int c = 0; c < REQUIRED; c++) {
                if (colOf[c] < 0) missing.add(COLUMNS[c]);
            }
            if (missing.size() == REQUIRED) {
                h.problem = "missing header: the first line must name the columns ("
                        + String.join(",", Arrays.copyOf(COLUMNS, REQUIRED)) + ", see docs/formats/csv.md)";
            } else if (!missing.isEmpty()) {
                h.problem = "missing required column(s): " + String.join(", ", missing);
            } else if (duplicate != null) {
                h.problem = "duplicate column '" + duplicate + "' in the header";
            } else {
                h.colOf = colOf;
                h.width = row.count;
            }
            return h;
        }
    }

    static final class BadValue extends Exception {
        BadValue(String message) {
            super(message, null, false, false);
        }
    }

    /** One line split into fields: byte ranges into the line buffer, quotes already stripped. */
    static final class Row {
        byte[] b;
        int count;
        int[] from = new int[16];
        int[] to = new int[16];
        boolean[] doubledQuotes = new boolean[16];

        /** @return null, or why the line cannot be split */
        String split(byte[] buf, int s, int e) {
            b = buf;
            count = 0;
            int i = s;
            while (true) {
                if (count == from.length) grow();
                int f = i;
                while (f < e && (buf[f] == ' ' || buf[f] == '\t')) f++;
                if (f < e && buf[f] == '"') {
                    int j = f + 1;
                    boolean doubled = false;
                    while (true) {
                        if (j >= e) return "unterminated quoted field " + (count + 1)
                                + " (a quoted value cannot span lines)";
                        if (buf[j] == '"') {
                            if (j + 1 < e && buf[j + 1] == '"') {
                                doubled = true;
                                j += 2;
                                continue;
                            }
                            break;
                        }
                        j++;
                    }
                    from[count] = f + 1;
                    to[count] = j;
                    doubledQuotes[count] = doubled;
                    count++;
                    j++;
                    while (j < e && (buf[j] == ' ' || buf[j] == '\t')) j++;
                    if (j == e) return null;
                    if (buf[j] != ',') return "unexpected text after the closing quote of field " + count;
                    i = j + 1;
                } else {
                    int j = i;
                    while (j < e && buf[j] != ',') j++;
                    int a = i, z = j;
                    while (a < z && (buf[a] == ' ' || buf[a] == '\t')) a++;
                    while (z > a && (buf[z - 1] == ' ' || buf[z - 1] == '\t')) z--;
                    from[count] = a;
                    to[count] = z;
                    doubledQuotes[count] = false;
                    count++;
                    if (j == e) return null;
                    i = j + 1;
                }
            }
        }

        private void grow() {
            from = Arrays.copyOf(from, from.length * 2);
            to = Arrays.copyOf(to, to.length * 2);
            doubledQuotes = Arrays.copyOf(doubledQuotes, doubledQuotes.length * 2);
        }

        String string(int i) {
            String s = new String(b, from[i], to[i] - from[i], StandardCharsets.UTF_8);
            return doubledQuotes[i] ? s.replace("\"\"", "\"") : s;
        }

        boolean empty(int i) {
            return from[i] == to[i];
        }

        FlowRecord flow(int[] col) throws BadValue {
            long start = time(col[START], "start");
            long end = time(col[END], "end");
            if (end < start) throw new BadValue("end is before start");
            Ip src = addr(col[SRC], "src");
            Ip dst = addr(col[DST], "dst");
            int sport = (int) number(col[SPORT], "sport", 65_535);
            int dport = (int) number(col[DPORT], "dport", 65_535);
            int proto = proto(col[PROTO]);
            long packets = number(col[PACKETS], "packets", Long.MAX_VALUE);
            long bytes = number(col[BYTES], "bytes", Long.MAX_VALUE);
            int flags = col[TCP_FLAGS] < 0 || empty(col[TCP_FLAGS]) ? 0 : flags(col[TCP_FLAGS]);
            boolean hasReverse = false;
            long rpackets = 0, rbytes = 0;
            if (col[RPACKETS] >= 0 && !empty(col[RPACKETS])) {
                rpackets = number(col[RPACKETS], "rpackets", Long.MAX_VALUE);
                hasReverse = true;
            }
            if (col[RBYTES] >= 0 && !empty(col[RBYTES])) {
                rbytes = number(col[RBYTES], "rbytes", Long.MAX_VALUE);
                hasReverse = true;
            }
            long srcAs = col[SRC_AS] < 0 || empty(col[SRC_AS]) ? 0 : number(col[SRC_AS], "src_as", MAX_AS);
            long dstAs = col[DST_AS] < 0 || empty(col[DST_AS]) ? 0 : number(col[DST_AS], "dst_as", MAX_AS);
            String uid = optional(col[UID]);
            String name = optional(col[NAME]);
            NameSource source = NameSource.NONE;
            if (name != null) {
                source = NameSource.DNS;
                String ns = optional(col[NAME_SOURCE]);
                if (ns != null) {
                    switch (ns.trim().toLowerCase(Locale.ROOT)) {
                        case "sni":
                            source = NameSource.SNI;
                            break;
                        case "http_host":
                            source = NameSource.HTTP_HOST;
                            break;
                        case "dns":
                            break;
                        default:
                            throw bad("name_source", "not sni, http_host or dns", ns);
                    }
                }
            }
            return new FlowRecord(Math.floorDiv(start, 1000), Math.floorDiv(end, 1000), src, dst, sport, dport, proto,
                    flags, packets, bytes, rpackets, rbytes, hasReverse, srcAs, dstAs, uid, name, source);
        }

        private String optional(int i) {
            if (i < 0 || empty(i)) return null;
            return string(i);
        }

        private BadValue bad(String column, String what, String value) {
            String v = value.length() > 40 ? value.substring(0, 40) + "..." : value;
            return new BadValue(column + ": " + what + " '" + v + "'");
        }

        private long time(int i, String column) throws BadValue {
            if (empty(i)) throw new BadValue(column + ": empty");
            long v = TextParse.secondsToMicros(b, from[i], to[i]);
            if (v != TextParse.BAD) {
                if (v / 1_000_000 >= MAX_SECONDS) {
                    throw bad(column, "looks like epoch milliseconds; times are seconds (1700000000.123) or ISO-8601",
                            string(i));
                }
                return v;
            }
            String s = string(i);
            v = TextParse.isoToMicros(s);
            if (v != TextParse.BAD) return v;
            if (s.chars().allMatch(Character::isDigit)) {
                throw bad(column, "looks like epoch milliseconds; times are seconds (1700000000.123) or ISO-8601", s);
            }
            throw bad(column, "not epoch seconds or ISO-8601 with Z or an offset", s);
        }

        private Ip addr(int i, String column) throws BadValue {
            Ip ip = doubledQuotes[i] ? null : IpText.parse(b, from[i], to[i]);
            if (ip == null) throw bad(column, "not an IP address", string(i));
            return ip;
        }

        private long number(int i, String column, long max) throws BadValue {
            long v = TextParse.parseLong(b, from[i], to[i]);
            if (v == TextParse.BAD) throw bad(column, empty(i) ? "empty" : "not a non-negative integer", string(i));
            if (v > max) throw bad(column, "out of range", string(i));
            return v;
        }

        private int proto(int i) throws BadValue {
            long n = TextParse.parseLong(b, from[i], to[i]);
            if (n != TextParse.BAD) {
                if (n > 255) throw bad("proto", "out of range", string(i));
                return (int) n;
            }
            String s = string(i);
            int p = TextParse.protocol(s);
            if (p < 0) throw bad("proto", "not a protocol number or name", s);
            return p;
        }

        /** Decimal, 0x hex, or nfdump/Argus letters (CEUAPRSF, '.' for unset). */
        private int flags(int i) throws BadValue {
            long n = TextParse.parseLong(b, from[i], to[i]);
            if (n != TextParse.BAD) {
                if (n > 255) throw bad("tcp_flags", "out of range", string(i));
                return (int) n;
            }
            String s = string(i);
            if (s.length() > 2 && (s.startsWith("0x") || s.startsWith("0X"))) {
                try {
                    int v = Integer.parseInt(s.substring(2), 16);
                    if (v <= 255) return v;
                } catch (NumberFormatException ignored) {
                    // reported below
                }
                throw bad("tcp_flags", "not a flag value", s);
            }
            int v = 0;
            for (int k = 0; k < s.length(); k++) {
                switch (Character.toUpperCase(s.charAt(k))) {
                    case 'C': v |= 0x80; break;
                    case 'E': v |= 0x40; break;
                    case 'U': v |= 0x20; break;
                    case 'A': v |= 0x10; break;
                    case 'P': v |= 0x08; break;
                    case 'R': v |= 0x04; break;
                    case 'S': v |= 0x02; break;
                    case 'F': v |= 0x01; break;
                    case '.': break;
                    default: throw bad("tcp_flags", "not a flag value", s);
                }
            }
            return v;
        }
    }
}
