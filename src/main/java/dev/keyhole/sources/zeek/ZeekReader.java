package dev.keyhole.sources.zeek;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.InputFormat;
import dev.keyhole.sources.RecordReader;
import dev.keyhole.sources.Rejects;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Reads Zeek conn/http/ssl/dns logs, TSV (fields located through {@code #fields}) or JSON lines
 * ({@code LogAscii::use_json=T}), detected per header block: a stream may hold several TSV
 * blocks (concatenated or rotated logs) and JSON lines. See docs/formats/zeek.md.
 */
public final class ZeekReader implements RecordReader {
    /** Longer lines are rejected: no Zeek line is this long, but a corrupt file can be one huge line. */
    static final int MAX_LINE = 16 << 20;

    // Jackson factories are thread-safe once configured; one for all readers.
    static final JsonFactory JSON = JsonFactory.builder().build();

    private final ZeekSchema schema;

    public ZeekReader(InputFormat kind) {
        this.schema = ZeekSchema.of(kind);
    }

    @Override
    public long read(InputStream in, RecordSink sink, Rejects rejects) throws IOException {
        return new ZeekSession(schema, sink, rejects).run(in);
    }

    /**
     * Recognises a Zeek conn/http/ssl/dns log from its first bytes (already decompressed): the
     * {@code #path} header of TSV, else the {@code #fields} names, or the keys of the first JSON
     * line ({@code _path} if present). Other Zeek logs and anything else give empty.
     */
    public static Optional<InputFormat> sniff(byte[] head) {
        if (head == null) return Optional.empty();
        int i = 0, n = head.length;
        if (n >= 3 && (head[0] & 0xff) == 0xEF && (head[1] & 0xff) == 0xBB && (head[2] & 0xff) == 0xBF) i = 3;
        while (i < n && (head[i] == ' ' || head[i] == '\r' || head[i] == '\n' || head[i] == '\t')) i++;
        if (i >= n) return Optional.empty();
        if (head[i] == '#') return sniffTsv(head, i);
        if (head[i] == '{') return sniffJson(head, i);
        return Optional.empty();
    }

    private static Optional<InputFormat> sniffTsv(byte[] head, int i) {
        int n = head.length;
        byte sep = '\t';
        Set<String> fields = null;
        while (i < n) {
            int e = i;
            while (e < n && head[e] != '\n') e++;
            if (e == n) break; // the head cut this line
            int end = e > i && head[e - 1] == '\r' ? e - 1 : e;
            if (head[i] == '{' && fields == null) return sniffJson(head, i); // comment lines, then JSON
            if (head[i] != '#') break;
            String line = new String(head, i, end - i, StandardCharsets.UTF_8);
            if (line.startsWith("#separator ")) {
                byte[] s = ZeekSession.unescapeHeader(line.substring("#separator ".length()));
                if (s.length == 1) sep = s[0];
            } else if (line.startsWith("#path" + (char) sep)) {
                ZeekSchema s = ZeekSchema.forPath(line.substring(6).trim());
                return s == null ? Optional.empty() : Optional.of(s.format);
            } else if (line.startsWith("#fields" + (char) sep)) {
                fields = new HashSet<>();
                for (String f : line.substring(8).split(String.valueOf((char) sep), -1)) fields.add(f);
            }
            i = e + 1;
        }
        return fields == null ? Optional.empty() : byKeys(fields);
    }

    private static Optional<InputFormat> sniffJson(byte[] head, int i) {
        Set<String> keys = new HashSet<>();
        int e = i;
        while (e < head.length && head[e] != '\n') e++;
        try (JsonParser p = JSON.createParser(head, i, e - i)) {
            p.nextToken();
            collectKeys(p, "", keys, 0);
        } catch (IOException | RuntimeException ex) {
            // A cut-off or damaged first line: fall back to every "name": the line holds.
            scanKeys(head, i, e, keys);
        }
        return byKeys(keys);
    }

    private static void scanKeys(byte[] b, int from, int to, Set<String> keys) {
        int q = -1;
        for (int k = from; k < to; k++) {
            if (b[k] == '\\') {
                k++;
            } else if (b[k] == '"') {
                if (q < 0) {
                    q = k;
                } else {
                    int c = k + 1;
                    while (c < to && b[c] == ' ') c++;
                    if (c < to && b[c] == ':') keys.add(new String(b, q + 1, k - q - 1, StandardCharsets.UTF_8));
                    q = -1;
                }
            }
        }
    }

    private static void collectKeys(JsonParser p, String prefix, Set<String> keys, int depth) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = prefix + p.currentName();
            keys.add(name);
            JsonToken v = p.nextToken();
            if (v == JsonToken.VALUE_STRING && "_path".equals(name)) keys.add("_path=" + p.getText());
            else if (v == JsonToken.START_OBJECT && depth < 4) collectKeys(p, name + ".", keys, depth + 1);
            else p.skipChildren();
        }
    }

    private static Optional<InputFormat> byKeys(Set<String> k) {
        for (String key : k) {
            if (key.startsWith("_path=")) {
                ZeekSchema s = ZeekSchema.forPath(key.substring(6));
                return s == null ? Optional.empty() : Optional.of(s.format);
            }
        }
        // quic.log carries server_name and version too, sip.log method and uri.
        if (k.contains("client_initial_dcid") || k.contains("server_scid") || k.contains("call_id")) {
            return Optional.empty();
        }
        if (k.contains("query") && (k.contains("qtype") || k.contains("qtype_name") || k.contains("answers"))) {
            return Optional.of(InputFormat.ZEEK_DNS);
        }
        if (k.contains("method") || (k.contains("host") && k.contains("uri"))) return Optional.of(InputFormat.ZEEK_HTTP);
        if (k.contains("server_name") || (k.contains("version") && k.contains("cipher"))) {
            return Optional.of(InputFormat.ZEEK_SSL);
        }
        if (k.contains("conn_state") || k.contains("orig_bytes") || (k.contains("duration") && k.contains("proto"))) {
            return Optional.of(InputFormat.ZEEK_CONN);
        }
        return Optional.empty();
    }
}
