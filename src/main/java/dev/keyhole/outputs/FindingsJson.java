package dev.keyhole.outputs;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.keyhole.findings.ActivityMix;
import dev.keyhole.findings.Findings;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes and reads findings.json: pretty printed, fields in model order, non-finite doubles as
 * {@code null} (JSON has no NaN) and read back as NaN. Matrix rows stay on one line each.
 */
public final class FindingsJson {
    private static final ObjectMapper MAPPER = mapper(true);

    /**
     * The mapper; {@code rowWriters} adds the hand-written serializers of the activity mix's rows (the
     * tests compare them with Jackson's own, which {@code false} leaves in place).
     */
    static ObjectMapper mapper(boolean rowWriters) {
        JsonMapper.Builder b = JsonMapper.builder().addModule(nanSafeDoubles());
        if (rowWriters) b.addModule(activityRows());
        return b
                // Model order, never alphabetical: readers diff findings.json between runs.
                .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                // Newer minor versions of the schema may add fields; older readers must still load them.
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
    }

    private FindingsJson() {}

    /**
     * Serialises an empty findings object and drops it: loads and links Jackson's writer classes, so
     * a caller can do that on an idle core before the real write.
     */
    public static Void warmUp() throws IOException {
        toJson(new Findings(), true);
        return null;
    }

    /**
     * Streams the JSON to the file (4–5 MB for a large run: no String of it is built). Through a
     * Writer, as {@link #toJson} writes: Jackson's UTF-8 generator would escape characters outside
     * the BMP as surrogate pairs, and the file would differ from the text.
     */
    public static void write(Findings f, Path file) throws IOException {
        OutputFiles.write(file, out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            try (JsonGenerator g = MAPPER.getFactory().createGenerator(w)) {
                g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET); // the trailing newline follows
                MAPPER.writer(prettyPrinter()).writeValue(g, f);
            }
            w.write('\n');
            w.flush();
        });
    }

    public static Findings read(Path file) throws IOException {
        Findings f = MAPPER.readValue(Files.readString(file, StandardCharsets.UTF_8), Findings.class);
        if (f == null) throw new IOException(file + ": empty findings file");
        if (!Findings.SCHEMA.equals(f.schema)) {
            throw new IOException(file + ": schema '" + f.schema + "' is not " + Findings.SCHEMA);
        }
        return f;
    }

    /** The JSON text of {@code f}; compact when {@code pretty} is false (as embedded in the HTML report). */
    public static String toJson(Findings f, boolean pretty) throws IOException {
        return text(MAPPER, f, pretty);
    }

    static String text(ObjectMapper m, Findings f, boolean pretty) throws IOException {
        return pretty ? m.writer(prettyPrinter()).writeValueAsString(f) : m.writeValueAsString(f);
    }

    public static Findings fromJson(String json) throws IOException {
        return MAPPER.readValue(json, Findings.class);
    }

    private static DefaultPrettyPrinter prettyPrinter() {
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER));
        DefaultIndenter lines = new DefaultIndenter("  ", "\n");
        pp.indentObjectsWith(lines);
        pp.indentArraysWith(new RowIndenter(lines));
        return pp;
    }

    /** Breaks arrays onto lines, except arrays inside arrays (matrix rows), which stay on one line. */
    private record RowIndenter(DefaultIndenter lines) implements DefaultPrettyPrinter.Indenter {
        @Override
        public void writeIndentation(JsonGenerator g, int level) throws IOException {
            var ctx = g.getOutputContext();
            if (ctx != null && ctx.inArray() && ctx.getParent() != null && ctx.getParent().inArray()) {
                g.writeRaw(' ');
            } else {
                lines.writeIndentation(g, level);
            }
        }

        @Override
        public boolean isInline() {
            return false;
        }
    }

    /**
     * The activity mix's rows (most of findings.json's bytes: thousands of services and companies per
     * period, twice when the periods are the months) written field by field, in the records' order as
     * Jackson writes them, without its reflective property access, which was a third of writing the
     * file in a new JVM. {@code FindingsJsonTest} checks the text is Jackson's own.
     */
    private static SimpleModule activityRows() {
        SimpleModule m = new SimpleModule("keyhole-activity-rows");
        row(m, ActivityMix.ServiceShare.class, (r, g) -> {
            g.writeStringField("period", r.period());
            g.writeStringField("service", r.service());
            g.writeStringField("name", r.name());
            g.writeStringField("company", r.company());
            g.writeStringField("category", r.category());
            g.writeStringField("origin", r.origin());
            g.writeNumberField("flows", r.flows());
            g.writeNumberField("bytes", r.bytes());
            number(g, "share", r.share());
            number(g, "byteShare", r.byteShare());
        });
        row(m, ActivityMix.CompanyShare.class, (r, g) -> {
            g.writeStringField("period", r.period());
            g.writeStringField("company", r.company());
            g.writeNumberField("flows", r.flows());
            g.writeNumberField("bytes", r.bytes());
            number(g, "share", r.share());
            number(g, "byteShare", r.byteShare());
        });
        row(m, ActivityMix.ShareChange.class, (r, g) -> {
            g.writeStringField("dimension", r.dimension());
            g.writeStringField("key", r.key());
            g.writeStringField("from", r.from());
            g.writeStringField("to", r.to());
            number(g, "shareFrom", r.shareFrom());
            number(g, "shareTo", r.shareTo());
            number(g, "delta", r.delta());
            number(g, "z", r.z());
            number(g, "pValue", r.pValue());
            g.writeBooleanField("significant", r.significant());
        });
        return m;
    }

    /** A row's fields, between the object's braces. */
    private interface Fields<T> {
        void write(T row, JsonGenerator g) throws IOException;
    }

    private static <T> void row(SimpleModule m, Class<T> type, Fields<T> fields) {
        m.addSerializer(type, new JsonSerializer<T>() {
            @Override
            public void serialize(T r, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeStartObject(r);
                fields.write(r, g);
                g.writeEndObject();
            }
        });
    }

    /** A double field as the mapper writes one ({@link #finiteOrNull}). */
    private static void number(JsonGenerator g, String field, double v) throws IOException {
        g.writeFieldName(field);
        finiteOrNull(g, v);
    }

    /** A double, or null when not finite: JSON has no NaN. */
    private static void finiteOrNull(JsonGenerator g, double v) throws IOException {
        if (Double.isFinite(v)) g.writeNumber(v);
        else g.writeNull();
    }

    private static SimpleModule nanSafeDoubles() {
        JsonSerializer<Double> ser = new JsonSerializer<>() {
            @Override
            public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
                if (v == null) g.writeNull();
                else finiteOrNull(g, v);
            }
        };
        JsonDeserializer<Double> de = new JsonDeserializer<>() {
            @Override
            public Double deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                JsonToken t = p.currentToken();
                if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) return p.getDoubleValue();
                if (t == JsonToken.VALUE_STRING) {
                    // Accept the "NaN"/"Infinity" strings other writers use for non-finite numbers.
                    String s = p.getText().trim();
                    try {
                        return Double.valueOf(s);
                    } catch (NumberFormatException e) {
                        return (Double) ctx.handleWeirdStringValue(Double.class, s, "not a number");
                    }
                }
                return (Double) ctx.handleUnexpectedToken(Double.class, p);
            }

            @Override
            public Double getNullValue(DeserializationContext ctx) {
                return Double.NaN;
            }
        };
        SimpleModule m = new SimpleModule("keyhole-nan-safe-doubles");
        m.addSerializer(Double.class, ser);
        m.addSerializer(Double.TYPE, ser);
        m.addDeserializer(Double.class, de);
        m.addDeserializer(Double.TYPE, de);
        return m;
    }
}
