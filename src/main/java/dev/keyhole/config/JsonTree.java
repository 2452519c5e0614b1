package dev.keyhole.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;

/**
 * A small JSON file (a manifest) as a Jackson tree, read with Jackson's streaming parser alone: an
 * ObjectMapper and its data binding took 0.2-0.3 s to start in a new JVM, on the path of every
 * command that opens the reference data.
 */
public final class JsonTree {
    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonTree() {}

    /** The one JSON value in {@code in}; anything after it is an error. */
    public static JsonNode read(InputStream in) throws IOException {
        try (JsonParser p = FACTORY.createParser(in)) {
            JsonToken t = p.nextToken();
            if (t == null) throw new IOException("empty JSON document");
            JsonNode n = value(p, t, 0);
            if (p.nextToken() != null) throw new IOException("more than one JSON value, at " + p.currentLocation());
            return n;
        }
    }

    private static JsonNode value(JsonParser p, JsonToken t, int depth) throws IOException {
        if (depth > 200) throw new IOException("JSON nested deeper than 200 levels");
        JsonNodeFactory f = JsonNodeFactory.instance;
        switch (t) {
            case START_OBJECT -> {
                ObjectNode o = f.objectNode();
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    o.set(name, value(p, p.nextToken(), depth + 1));
                }
                if (t != JsonToken.END_OBJECT) throw new IOException("unexpected " + t + " at " + p.currentLocation());
                return o;
            }
            case START_ARRAY -> {
                ArrayNode a = f.arrayNode();
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == null) throw new IOException("JSON array not closed");
                    a.add(value(p, t, depth + 1));
                }
                return a;
            }
            case VALUE_STRING -> {
                return f.textNode(p.getText());
            }
            case VALUE_NUMBER_INT -> {
                return switch (p.getNumberType()) {
                    case INT -> f.numberNode(p.getIntValue());
                    case LONG -> f.numberNode(p.getLongValue());
                    default -> f.numberNode(p.getBigIntegerValue());
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return f.numberNode(p.getDoubleValue());
            }
            case VALUE_TRUE -> {
                return f.booleanNode(true);
            }
            case VALUE_FALSE -> {
                return f.booleanNode(false);
            }
            case VALUE_NULL -> {
                return f.nullNode();
            }
            default -> throw new IOException("unexpected " + t + " at " + p.currentLocation());
        }
    }
}
