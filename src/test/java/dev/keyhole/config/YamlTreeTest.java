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

    @Test
    void anEmptyDocumentIsNull() throws Exception {
        assertThat(read("").isNull()).isTrue();
    }
}
