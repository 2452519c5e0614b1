package dev.keyhole.config;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class YamlTreeTest {
    private static JsonNode read(String yaml) throws IOException {
        return YamlTree.read(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "t.yaml");
    }

    @Test
    void scalarsKeepTheirTypesAndDatesStayText() throws Exception {
        JsonNode n = read("""
                name: dprk
                asns: [131279, AS4837]
                big: 18446744073709551615
                share: 0.25
                on: true
                country: NO
                time: 10:30
                port: 0443
                hex: 0x1F
                exp: 1e3
                neg: -7
                flag: False
                none: ~
                from: 2018-01-01
                at: 2018-05-04T15:45:00Z
                nested: {list: [a, "b: c"], 2018: year}
                """);
        assertThat(n.get("name").asText()).isEqualTo("dprk");
        assertThat(n.get("asns").get(0).isIntegralNumber()).isTrue();
        assertThat(n.get("asns").get(0).asLong()).isEqualTo(131279);
        assertThat(n.get("asns").get(1).asText()).isEqualTo("AS4837");
        assertThat(n.get("big").bigIntegerValue().toString()).isEqualTo("18446744073709551615");
        assertThat(n.get("share").asDouble()).isEqualTo(0.25);
        assertThat(n.get("on").asBoolean()).isTrue();
        assertThat(n.get("country").asText()).isEqualTo("NO");
        assertThat(n.get("time").asText()).isEqualTo("10:30");
        assertThat(n.get("port").asText()).isEqualTo("0443");
        assertThat(n.get("hex").asInt()).isEqualTo(31);
        assertThat(n.get("exp").asDouble()).isEqualTo(1000.0);
        assertThat(n.get("neg").asInt()).isEqualTo(-7);
        assertThat(n.get("flag").isBoolean()).isTrue();
        assertThat(n.get("none").isNull()).isTrue();
        assertThat(n.get("from").isTextual()).isTrue();
        assertThat(n.get("from").asText()).isEqualTo("2018-01-01");
        assertThat(n.get("at").asText()).isEqualTo("2018-05-04T15:45:00Z");
        assertThat(n.get("nested").get("list").get(1).asText()).isEqualTo("b: c");
        assertThat(n.get("nested").get("2018").asText()).isEqualTo("year");
    }

    @Test
    void errorsNameTheFileLineAndColumn() {
        assertThatThrownBy(() -> read("name: x\ncidrs: [1.2.3.0/24\nasns: []\n"))
                .isInstanceOf(YamlTree.InvalidYaml.class)
                .hasMessageStartingWith("t.yaml: not valid YAML at line ");
        assertThatThrownBy(() -> read("name: a\nname: b\n")).isInstanceOf(YamlTree.InvalidYaml.class)
                .hasMessageContaining("line 2").hasMessageContaining("duplicate key name");
        // Only plain data: no tags that construct Java objects.
        assertThatThrownBy(() -> read("x: !!java.net.URL [http://example.org]\n")).isInstanceOf(YamlTree.InvalidYaml.class);
        // Alias bombs are cut short.
        StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (int i = 0; i < 60; i++) bomb.append("b").append(i).append(": &b").append(i).append(" [*a, *a]\n");
        assertThatThrownBy(() -> read(bomb.toString())).isInstanceOf(YamlTree.InvalidYaml.class);
    }

    /** Keys as written, as Jackson's YAML reader kept them: never re-spelled as numbers, booleans or null. */
    @Test
    void keysAreTheirText() throws Exception {
        JsonNode n = read("0x10: a\n1.10: b\n~: c\nTrue: d\n+5: e\n2019.10: f\n2019.1: g\nnull: h\n");
        assertThat(n.fieldNames()).toIterable().containsExactly("0x10", "1.10", "~", "True", "+5", "2019.10", "2019.1", "null");
        assertThatThrownBy(() -> read("? [a, b]\n: c\n")).isInstanceOf(YamlTree.InvalidYaml.class)
                .hasMessageContaining("a key must be a plain value");
    }

    @Test
    void aliasesMergeKeysSeparatorsAndTheFirstDocument() throws Exception {
        JsonNode n = read("base: &b {zone: Asia/Pyongyang, asns: [131279]}\nuse: {<<: *b, name: x}\nlist: *b\n"
                + "n: 64_500\n---\nsecond: document\n");
        assertThat(n.get("use").get("zone").asText()).isEqualTo("Asia/Pyongyang");
        assertThat(n.get("use").get("name").asText()).isEqualTo("x");
        assertThat(n.get("list").get("asns").get(0).asLong()).isEqualTo(131279);
        assertThat(n.get("n").asLong()).isEqualTo(64500);
        assertThat(n.has("second")).isFalse();
        // UTF-16 with a byte-order mark reads too.
        byte[] utf16 = "name: Zürich\n".getBytes(StandardCharsets.UTF_16);
        assertThat(YamlTree.read(new ByteArrayInputStream(utf16), "t").get("name").asText()).isEqualTo("Zürich");
    }

    @Test
    void whatIsNotPlainUtf8DataIsAnErrorNotAGuess() {
        byte[] latin1 = "name: Z\u00fcrich\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> YamlTree.read(new ByteArrayInputStream(latin1), "p.yaml"))
                .isInstanceOf(YamlTree.InvalidYaml.class).hasMessageStartingWith("p.yaml: ");
        // A collection that contains itself through an alias.
        assertThatThrownBy(() -> read("asns: &l [64500, *l]\n")).isInstanceOf(YamlTree.InvalidYaml.class)
                .hasMessageContaining("contains it");
        assertThatThrownBy(() -> read("m: &m {x: 1, self: *m}\n")).isInstanceOf(YamlTree.InvalidYaml.class);
        // Explicit tags whose text is not of their type, or types that are not plain data.
        for (String bad : new String[] {"asns: [!!int abc]\n", "x: !!float abc\n", "x: !!timestamp 2018-01-01\n",
                "x: !!set {a, b}\n", "x: !custom 1\n"}) {
            assertThatThrownBy(() -> read(bad)).as(bad).isInstanceOf(YamlTree.InvalidYaml.class)
                    .hasMessageStartingWith("t.yaml: not valid YAML");
        }
        // Where the broken construct began, not only where the parser gave up.
        assertThatThrownBy(() -> read("name: acme\nnote: \"unterminated\ncidrs: [1.2.3.0/24]\n"))
                .hasMessageContaining("while scanning a quoted scalar at line 2, column 7");
    }

    @Test
    void anEmptyDocumentIsNull() throws Exception {
        assertThat(read("").isNull()).isTrue();
    }
}
