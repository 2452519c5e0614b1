package dev.keyhole.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.keyhole.refdata.RefManifest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTreeTest {
    private static JsonNode read(String json) throws IOException {
        return JsonTree.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    /** The same tree as Jackson's ObjectMapper reads, for every kind of value. */
    @Test
    void readsWhatTheObjectMapperReads() throws Exception {
        String json = "{\"s\":\"t\\u00e9\\/x\",\"i\":7,\"l\":9007199254740993,\"b\":18446744073709551615,\"d\":-1.5e-3,"
                + "\"t\":true,\"f\":false,\"n\":null,\"a\":[1,[2,{}],[]],\"o\":{\"k\":{\"k\":\"v\"}}}";
        assertThat(read(json)).isEqualTo(new ObjectMapper().readTree(json));
        assertThat(read("  [ ]  ")).isEqualTo(new ObjectMapper().readTree("[]"));
    }

    @Test
    void damagedJsonIsAnError() {
        for (String bad : new String[] {"", "{", "{\"a\":1", "[1,2", "{\"a\":1} x", "{\"a\":}", "[1] [2]"}) {
            assertThatThrownBy(() -> read(bad)).as(bad).isInstanceOf(IOException.class);
        }
        assertThatThrownBy(() -> read("[".repeat(300) + "]".repeat(300))).hasMessageContaining("deeper than 200");
    }

    /** refdata.json as the set-up writes it (Jackson's data binding) reads back as the same manifest. */
    @Test
    void theReferenceDataManifestRoundTrips() throws Exception {
        RefManifest m = new RefManifest(RefManifest.SCHEMA, "2026-11-22T07:00:00Z", List.of(
                new RefManifest.PackageEntry("@ip-location-db/asn", "2.3.1", null, List.of("DBIP-LICENSE", "NOTICE"),
                        List.of(new RefManifest.FileEntry("asn-ipv4", "node_modules/a/asn-ipv4.csv", 23_843_547L, "ab12"))),
                new RefManifest.PackageEntry("echarts", "5.5.0", "Apache-2.0", List.of(), List.of())));
        byte[] written = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(m);
        assertThat(RefManifest.of(JsonTree.read(new ByteArrayInputStream(written)))).isEqualTo(m);
        assertThatThrownBy(() -> RefManifest.of(read("{\"schema\":\"x\",\"packages\":{}}")))
                .hasMessageContaining("'packages' is not a list");
    }
}
