package dev.keyhole.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;
import org.yaml.snakeyaml.DumperOptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The YAML files Keyhole reads (profiles, the service catalogue, world specs) as Jackson trees,
 * parsed by SnakeYAML alone: Jackson's YAML data binding (an ObjectMapper and its YAML factory)
 * took about 0.3 s to start in a new JVM, on the path of every command, where SnakeYAML takes
 * about 0.1 s. Safe types only; timestamps stay text and only {@code true}/{@code false} are
 * booleans (as Jackson's YAML reader had it), so a date or {@code NO} reads as written.
 */
public final class YamlTree {
    private YamlTree() {}

    /** A file that is not valid YAML; the message names it, with the line and column. */
    public static final class InvalidYaml extends IOException {
        InvalidYaml(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The document in {@code in} (UTF-8); {@code where} names it in errors, with the line and column. */
    public static JsonNode read(InputStream in, String where) throws IOException {
        LoaderOptions o = new LoaderOptions();
        o.setAllowDuplicateKeys(false);
        Yaml yaml = new Yaml(new SafeConstructor(o), new Representer(new DumperOptions()), new DumperOptions(), o,
                new TextTimestamps());
        Object doc;
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            doc = yaml.load(r);
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark();
            String at = m == null ? "" : " at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1);
            throw new InvalidYaml(where + ": not valid YAML" + at + ": " + e.getProblem(), e);
        } catch (YAMLException e) {
            throw new InvalidYaml(where + ": not valid YAML: " + e.getMessage(), e);
        }
        return node(doc);
    }

    private static JsonNode node(Object v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v == null) return f.nullNode();
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = f.objectNode();
            for (Map.Entry<?, ?> e : m.entrySet()) o.set(String.valueOf(e.getKey()), node(e.getValue()));
            return o;
        }
        if (v instanceof List<?> l) {
            ArrayNode a = f.arrayNode(l.size());
            for (Object x : l) a.add(node(x));
            return a;
        }
        if (v instanceof String s) return f.textNode(s);
        if (v instanceof Boolean b) return f.booleanNode(b);
        if (v instanceof Integer i) return f.numberNode(i);
        if (v instanceof Long n) return f.numberNode(n);
        if (v instanceof BigInteger n) return f.numberNode(n);
        if (v instanceof Double d) return f.numberNode(d);
        if (v instanceof BigDecimal d) return f.numberNode(d);
        if (v instanceof byte[] b) return f.binaryNode(b);
        return f.textNode(String.valueOf(v)); // sets (!!set) and anything else safe: as text
    }

    /** YAML 1.2 booleans only: {@code on}, {@code no} or {@code yes} (a country code!) stay text, as Jackson read them. */
    private static final java.util.regex.Pattern BOOL_12 = java.util.regex.Pattern.compile("^(?:true|True|TRUE|false|False|FALSE)$");

    /**
     * YAML 1.2 numbers: no base-60 ({@code 10:30} stays text) and no octal by a leading zero
     * ({@code 0443} stays text, which our readers parse as decimal).
     */
    private static final java.util.regex.Pattern INT_12 = java.util.regex.Pattern.compile(
            "^(?:[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+)$"),
            FLOAT_12 = java.util.regex.Pattern.compile(
            "^(?:[-+]?(?:\\.[0-9]+|(?:0|[1-9][0-9]*)(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$");

    /** SnakeYAML's resolution with YAML 1.2 booleans and numbers, and no timestamps. */
    private static final class TextTimestamps extends Resolver {
        @Override
        protected void addImplicitResolvers() {
            addImplicitResolver(Tag.BOOL, BOOL_12, "tTfF", 10);
            addImplicitResolver(Tag.INT, INT_12, "-+0123456789");
            addImplicitResolver(Tag.FLOAT, FLOAT_12, "-+0123456789.");
            addImplicitResolver(Tag.MERGE, MERGE, "<", 10);
            addImplicitResolver(Tag.NULL, NULL, "~nN\0", 10);
            addImplicitResolver(Tag.NULL, EMPTY, null, 10);
        }
    }
}
