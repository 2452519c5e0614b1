package dev.keyhole.sources.zeek;

import dev.keyhole.records.DnsRecord;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.HttpRecord;
import dev.keyhole.records.RecordSink;
import dev.keyhole.records.TlsRecord;
import dev.keyhole.sources.InputFormat;
import dev.keyhole.sources.Rejects;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: fixture loading, running a reader, and a TSV-to-JSON converter that writes what Zeek writes. */
public final class ZeekFixtures {
    /** What btest writes in place of timestamps in its baselines. */
    public static final String MASKED_TS = "XXXXXXXXXX.XXXXXX";

    private ZeekFixtures() {}

    public static String resource(String path) {
        try (InputStream in = ZeekFixtures.class.getResourceAsStream("/zeek/" + path)) {
            if (in == null) throw new IllegalArgumentException("no test resource /zeek/" + path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fixture with btest's masked timestamps replaced by {@code ts}. */
    public static String unmasked(String path, String ts) {
        return resource(path).replace(MASKED_TS, ts);
    }

    /** Everything one read produced. */
    public static final class Result {
        public final List<Object> records = new ArrayList<>();
        public final List<FlowRecord> flows = new ArrayList<>();
        public final List<HttpRecord> http = new ArrayList<>();
        public final List<TlsRecord> tls = new ArrayList<>();
        public final List<DnsRecord> dns = new ArrayList<>();
        public Rejects rejects;
        public long returned;

        public List<String> messages() {
            return rejects.messages();
        }
    }

    public static Result read(InputFormat kind, String text) {
        return read(kind, text.getBytes(StandardCharsets.UTF_8));
    }

    public static Result read(InputFormat kind, byte[] bytes) {
        Result r = new Result();
        r.rejects = new Rejects("t.log", null);
        RecordSink sink = new RecordSink() {
            @Override
            public void flow(FlowRecord f) {
                r.records.add(f);
                r.flows.add(f);
            }

            @Override
            public void http(HttpRecord h) {
                r.records.add(h);
                r.http.add(h);
            }

            @Override
            public void tls(TlsRecord t) {
                r.records.add(t);
                r.tls.add(t);
            }

            @Override
            public void dns(DnsRecord d) {
                r.records.add(d);
                r.dns.add(d);
            }
        };
        try {
            r.returned = new ZeekReader(kind).read(new ByteArrayInputStream(bytes), sink, r.rejects);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return r;
    }

    /**
     * The JSON lines Zeek writes with {@code LogAscii::use_json=T} for a TSV log: unset fields
     * left out, numbers bare, bools true/false, sets and vectors as arrays, time as epoch seconds.
     */
    public static String toJson(String tsv) {
        String[] names = null, types = null;
        StringBuilder out = new StringBuilder();
        for (String line : tsv.split("\n")) {
            if (line.startsWith("#fields\t")) names = line.substring(8).split("\t", -1);
            else if (line.startsWith("#types\t")) types = line.substring(7).split("\t", -1);
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] v = line.split("\t", -1);
            StringBuilder o = new StringBuilder("{");
            for (int i = 0; i < names.length; i++) {
                if (v[i].equals("-")) continue;
                if (o.length() > 1) o.append(',');
                o.append('"').append(names[i]).append("\":");
                String t = types[i];
                if (t.startsWith("set[") || t.startsWith("vector[") || t.startsWith("table[")) {
                    o.append('[');
                    if (!v[i].equals("(empty)")) {
                        String[] el = v[i].split(",", -1);
                        for (int k = 0; k < el.length; k++) {
                            if (k > 0) o.append(',');
                            o.append(jsonString(el[k]));
                        }
                    }
                    o.append(']');
                } else if (t.equals("time") || t.equals("interval") || t.equals("double") || t.equals("count")
                        || t.equals("port") || t.equals("int")) {
                    o.append(v[i]);
                } else if (t.equals("bool")) {
                    o.append(v[i].equals("T"));
                } else {
                    o.append(jsonString(v[i].equals("(empty)") ? "" : v[i]));
                }
            }
            out.append(o).append("}\n");
        }
        return out.toString();
    }

    private static String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') sb.append('\\');
            sb.append(c);
        }
        return sb.append('"').toString();
    }
}
