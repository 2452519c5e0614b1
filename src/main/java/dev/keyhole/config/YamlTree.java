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
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.reader.UnicodeReader;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;
import org.yaml.snakeyaml.DumperOptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * The YAML files Keyhole reads (profiles, the service catalogue, world specs) as Jackson trees,
 * parsed by SnakeYAML alone: Jackson's YAML data binding (an ObjectMapper and its YAML factory)
 * took about 0.3 s to start in a new JVM, on the path of every command, where SnakeYAML takes
 * about 0.1 s.
 *
 * <p>What it reads as Jackson's YAML reader (2.17) did: keys exactly as written (never re-spelled
 * as numbers), the first document of a file, UTF-8 (or UTF-16 with a byte-order mark; anything
 * else is an error, not replacement characters), timestamps as text, {@code 1_000} as 1000. Where
 * it differs, on purpose: only {@code true}/{@code false} are booleans ({@code NO}, {@code on},
 * {@code yes} stay text, where Jackson read them as booleans: a country code NO was FALSE); a
 * leading zero is not octal ({@code 0443} is text, which our readers take as decimal 443, where
 * Jackson read 291); aliases and merge keys ({@code <<}) are resolved (Jackson gave the alias's
 * name as text); explicit tags for anything but plain data ({@code !!timestamp}, {@code !!set},
 * custom tags) and a collection that contains itself are errors. Errors name the file, line and
 * column, and where the construct began.
 */
public final class YamlTree {
    private YamlTree() {}

    /** A file that is not valid YAML; the message names it, with the line and column. */
    public static final class InvalidYaml extends IOException {
        InvalidYaml(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The first document in {@code in}; {@code where} names it in errors, with the line and column. */
    public static JsonNode read(InputStream in, String where) throws IOException {
        LoaderOptions o = new LoaderOptions();
        o.setAllowDuplicateKeys(false);
        Yaml yaml = new Yaml(new TextKeys(o), new Representer(new DumperOptions()), new DumperOptions(), o,
                new PlainScalars());
        Object doc;
        try (Reader r = new UnicodeReader(in)) {
            java.util.Iterator<Object> docs = yaml.loadAll(r).iterator();
            doc = docs.hasNext() ? docs.next() : null;
        } catch (MarkedYAMLException e) {
            throw new InvalidYaml(where + ": not valid YAML" + at(e.getProblemMark()) + ": " + e.getProblem()
                    + (e.getContext() == null ? "" : " (" + e.getContext() + at(e.getContextMark()) + ")"), e);
        } catch (YAMLException | IllegalArgumentException e) {
            // Bad input bytes, or an explicit tag whose text is not of its type (!!int abc).
            throw new InvalidYaml(where + ": not valid YAML: " + e.getMessage(), e);
        }
        try {
            return node(doc, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
        } catch (IllegalArgumentException e) {
            throw new InvalidYaml(where + ": not valid YAML: " + e.getMessage(), e);
        }
    }

    private static String at(Mark m) {
        return m == null ? "" : " at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1);
    }

    /** {@code open}: the collections being converted, to refuse one that contains itself (through an alias). */
    private static JsonNode node(Object v, java.util.Set<Object> open) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v == null) return f.nullNode();
        if ((v instanceof Map || v instanceof List) && !open.add(v)) {
            throw new IllegalArgumentException("an alias refers to a collection that contains it");
        }
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = f.objectNode();
            for (Map.Entry<?, ?> e : m.entrySet()) o.set(String.valueOf(e.getKey()), node(e.getValue(), open));
            open.remove(v);
            return o;
        }
        if (v instanceof List<?> l) {
            ArrayNode a = f.arrayNode(l.size());
            for (Object x : l) a.add(node(x, open));
            open.remove(v);
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
        throw new IllegalArgumentException("a value of type " + v.getClass().getSimpleName()
                + " (from an explicit tag such as !!timestamp, !!set or !!pairs): only plain data is read");
    }

    /** Keys as written: {@code 0x10}, {@code 1.10} or {@code ~} as a key is that text, as Jackson kept it. */
    private static final class TextKeys extends SafeConstructor {
        TextKeys(LoaderOptions o) {
            super(o);
        }

        @Override
        protected void flattenMapping(MappingNode node, boolean forceStringKeys) {
            for (NodeTuple t : node.getValue()) {
                Node k = t.getKeyNode();
                if (!(k instanceof ScalarNode)) {
                    throw new KeyError(node.getStartMark(), k.getStartMark());
                }
                if (!Tag.MERGE.equals(k.getTag())) k.setTag(Tag.STR);
            }
            super.flattenMapping(node, forceStringKeys);
        }
    }

    private static final class KeyError extends MarkedYAMLException {
        KeyError(Mark mapping, Mark key) {
            super("while constructing a mapping", mapping, "a key must be a plain value, not a list or mapping", key);
        }
    }

    /** YAML 1.2 booleans only: {@code on}, {@code no} or {@code yes} (a country code!) stay text. */
    private static final java.util.regex.Pattern BOOL_12 = java.util.regex.Pattern.compile("^(?:true|True|TRUE|false|False|FALSE)$");

    /**
     * YAML 1.2 numbers, with YAML 1.1's digit separators ({@code 64_500}): no base-60 ({@code 10:30}
     * stays text) and no octal by a leading zero ({@code 0443} stays text, which our readers parse
     * as decimal).
     */
    private static final java.util.regex.Pattern INT_12 = java.util.regex.Pattern.compile(
            "^(?:[-+]?(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+)$"),
            FLOAT_12 = java.util.regex.Pattern.compile(
            "^(?:[-+]?(?:\\.[0-9]+|(?:0|[1-9][0-9_]*)(?:\\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$");

    /** SnakeYAML's resolution with YAML 1.2 booleans and numbers, and no timestamps. */
    private static final class PlainScalars extends Resolver {
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
