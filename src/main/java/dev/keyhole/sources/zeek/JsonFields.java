package dev.keyhole.sources.zeek;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.keyhole.records.Ip;
import dev.keyhole.records.IpText;
import dev.keyhole.sources.text.TextParse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One Zeek JSON line ({@code LogAscii::use_json=T}, or the json-streaming-logs package). Keys are
 * Zeek's flat dotted names; nested objects ({"id":{"orig_h":...}}, as some shippers rewrite them)
 * are flattened to the same names. Read with Jackson's streaming parser, without a tree.
 */
final class JsonFields extends Fields {
    private static final byte ABSENT = 0, STRING = 1, INT = 2, FLOAT = 3, TRUE = 4, FALSE = 5, NULL = 6, ARRAY = 7,
            OBJECT = 8;
    /** Integer timestamps above this are milliseconds (JSON::TS_MILLIS); 1e11 s is the year 5138. */
    private static final long MILLIS_THRESHOLD = 100_000_000_000L;
    private static final int MAX_DEPTH = 4;

    private final JsonFactory factory;
    private final String[] text;
    private final byte[] type;
    private final List<List<String>> arrays;
    private String path;
    private boolean marker;

    JsonFields(ZeekSchema schema, JsonFactory factory) {
        super(schema);
        this.factory = factory;
        text = new String[schema.slots()];
        type = new byte[schema.slots()];
        arrays = new ArrayList<>(schema.slots());
        for (int i = 0; i < schema.slots(); i++) arrays.add(new ArrayList<>());
    }

    /** Parses one line; {@link Bad} if it is not a single JSON object. */
    void parse(byte[] b, int from, int to) throws Bad {
        Arrays.fill(type, ABSENT);
        Arrays.fill(text, null);
        path = null;
        marker = false;
        try (JsonParser p = factory.createParser(b, from, to - from)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new Bad("not a JSON object");
            readObject(p, "", 0);
            if (p.nextToken() != null) throw new Bad("broken JSON: text after the object");
        } catch (IOException e) {
            String m = e instanceof com.fasterxml.jackson.core.JsonProcessingException
                    ? ((com.fasterxml.jackson.core.JsonProcessingException) e).getOriginalMessage() : e.getMessage();
            throw new Bad("broken JSON: " + snippetLine(m));
        }
    }

    private static String snippetLine(String m) {
        if (m == null) return "unreadable";
        int nl = m.indexOf('\n');
        if (nl >= 0) m = m.substring(0, nl);
        return m.length() > 100 ? m.substring(0, 100) + "..." : m;
    }

    private void readObject(JsonParser p, String prefix, int depth) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = prefix.isEmpty() ? p.currentName() : prefix + p.currentName();
            JsonToken v = p.nextToken();
            int slot = schema.slot(name);
            if (slot == ZeekSchema.MARKER_ONLY || (slot >= 0 && schema.markerSlot[slot])) {
                marker |= v != JsonToken.VALUE_NULL;
            }
            if (v == JsonToken.START_OBJECT) {
                if (depth < MAX_DEPTH) readObject(p, name + ".", depth + 1);
                else p.skipChildren();
                if (slot >= 0) type[slot] = OBJECT;
                continue;
            }
            if (slot < 0) {
                if (v == JsonToken.VALUE_STRING && depth == 0 && "_path".equals(name)) path = p.getText();
                else p.skipChildren();
                continue;
            }
            switch (v) {
                case START_ARRAY: {
                    List<String> list = arrays.get(slot);
                    list.clear();
                    JsonToken e;
                    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (e == null) throw new IOException("unterminated array");
                        if (e == JsonToken.START_ARRAY || e == JsonToken.START_OBJECT) p.skipChildren();
                        else if (e != JsonToken.VALUE_NULL) list.add(p.getText());
                    }
                    type[slot] = ARRAY;
                    break;
                }
                case VALUE_STRING:
                    type[slot] = STRING;
                    text[slot] = p.getText();
                    break;
                case VALUE_NUMBER_INT:
                    type[slot] = INT;
                    text[slot] = p.getText();
                    break;
                case VALUE_NUMBER_FLOAT:
                    type[slot] = FLOAT;
                    text[slot] = p.getText();
                    break;
                case VALUE_TRUE:
                    type[slot] = TRUE;
                    break;
                case VALUE_FALSE:
                    type[slot] = FALSE;
                    break;
                default:
                    type[slot] = NULL;
                    break;
            }
        }
        if (t != JsonToken.END_OBJECT) throw new IOException("expected a field name or '}'");
    }

    /** The {@code _path} the json-streaming-logs package adds, or null. */
    String path() {
        return path;
    }

    /** True if the line has a field only this kind of log has (see {@link ZeekSchema#markers}). */
    boolean markerSeen() {
        return marker;
    }

    boolean present(int slot) {
        return type[slot] != ABSENT;
    }

    private boolean scalar(int slot) {
        byte t = type[slot];
        return t == STRING || t == INT || t == FLOAT;
    }

    @Override
    boolean isSet(int slot) {
        byte t = type[slot];
        return t != ABSENT && t != NULL;
    }

    @Override
    long time(int slot) throws Bad {
        if (!scalar(slot)) throw new Bad(schema.names[slot] + (isSet(slot) ? ": not a time" : ": unset"));
        String s = text[slot];
        long v;
        if (type[slot] == INT) {
            long n = TextParse.parseLong(s);
            if (n == TextParse.BAD) throw bad(slot, "not a time", s);
            v = n > MILLIS_THRESHOLD ? n * 1000 : n * 1_000_000;
        } else if (type[slot] == FLOAT) {
            v = TextParse.secondsToMicros(s);
        } else {
            v = s.indexOf('-') > 0 ? TextParse.isoToMicros(s) : TextParse.secondsToMicros(s);
        }
        if (v == TextParse.BAD) throw bad(slot, "not a time", s);
        return v;
    }

    @Override
    long interval(int slot) throws Bad {
        if (!isSet(slot)) return 0;
        if (!scalar(slot)) throw new Bad(schema.names[slot] + ": not an interval");
        long v = TextParse.secondsToMicros(text[slot]);
        if (v == TextParse.BAD) throw bad(slot, "not an interval", text[slot]);
        return v;
    }

    @Override
    long count(int slot) throws Bad {
        if (!isSet(slot)) return 0;
        if (!scalar(slot)) throw new Bad(schema.names[slot] + ": not a count");
        long v = TextParse.parseLong(text[slot]);
        if (v == TextParse.BAD) throw bad(slot, "not a count", text[slot]);
        return v;
    }

    @Override
    Ip addr(int slot) throws Bad {
        if (!isSet(slot)) throw new Bad(schema.names[slot] + ": unset");
        if (type[slot] != STRING) throw new Bad(schema.names[slot] + ": not an address");
        Ip ip = IpText.parse(text[slot]);
        if (ip == null) throw bad(slot, "not an address", text[slot]);
        return ip;
    }

    @Override
    String str(int slot) {
        if (!scalar(slot)) return null;
        return ZeekEscapes.decodeJson(text[slot]);
    }

    @Override
    boolean bool(int slot) throws Bad {
        byte t = type[slot];
        if (t == TRUE) return true;
        if (t == FALSE || t == ABSENT || t == NULL) return false;
        String s = text[slot];
        if ("T".equals(s) || "true".equals(s)) return true;
        if ("F".equals(s) || "false".equals(s)) return false;
        throw bad(slot, "not a bool", s);
    }

    @Override
    int transport(int slot) {
        if (type[slot] != STRING) return -1;
        switch (text[slot]) {
            case "tcp":
                return 6;
            case "udp":
                return 17;
            case "icmp":
                return 1;
            case "unknown_transport":
                return 0;
            default:
                return -1;
        }
    }

    @Override
    List<Ip> addrElements(int slot) {
        List<String> elements;
        if (type[slot] == ARRAY) {
            elements = arrays.get(slot);
        } else if (type[slot] == STRING) {
            // A shipper that flattened the vector into one "a,b" string.
            elements = List.of(text[slot].split(","));
        } else {
            return List.of();
        }
        List<Ip> out = null;
        for (String e : elements) {
            Ip ip = IpText.parse(e.indexOf('\\') >= 0 ? ZeekEscapes.decodeJson(e) : e);
            if (ip != null) {
                if (out == null) out = new ArrayList<>(2);
                out.add(ip);
            }
        }
        return out == null ? List.of() : out;
    }
}
