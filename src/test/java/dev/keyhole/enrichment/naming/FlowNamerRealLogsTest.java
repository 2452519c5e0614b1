package dev.keyhole.enrichment.naming;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.NameSource;
import dev.keyhole.sources.InputFormat;
import dev.keyhole.sources.Rejects;
import dev.keyhole.sources.zeek.ZeekFixtures;
import dev.keyhole.sources.zeek.ZeekReader;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Zeek's own conn/http/dns logs of one trace (zeek/zeek opt.basic), named end to end. */
class FlowNamerRealLogsTest {
    static final String TS = "1300559167.096535";

    private static void feed(FlowNamer namer, InputFormat kind, String file) throws IOException {
        String text = ZeekFixtures.unmasked("zeek-opt-basic/" + file, TS);
        Rejects rejects = new Rejects(file, null);
        new ZeekReader(kind).read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), namer, rejects);
        assertThat(rejects.count()).isZero();
    }

    @Test
    void wikipediaTrace() throws IOException {
        // Two namers filled "in parallel", as the pipeline does, then merged.
        FlowNamer fromHttp = new FlowNamer(FlowNamer.DEFAULT_WINDOW, 10_000);
        FlowNamer fromDns = new FlowNamer(FlowNamer.DEFAULT_WINDOW, 10_000);
        feed(fromHttp, InputFormat.ZEEK_HTTP, "http.log");
        feed(fromDns, InputFormat.ZEEK_DNS, "dns.log");
        fromHttp.merge(fromDns);
        FlowNamer namer = fromHttp;
        assertThat(namer.size()).isEqualTo(8 + 2); // 8 connections with a Host; 2 (client, address, name) runs

        var conn = ZeekFixtures.read(InputFormat.ZEEK_CONN, ZeekFixtures.unmasked("zeek-opt-basic/conn.log", TS));
        Map<String, FlowRecord> named = conn.flows.stream().map(namer::name)
                .collect(Collectors.toMap(FlowRecord::uid, Function.identity()));

        assertThat(named.get("CwjjYJ2WqgTbAqiHl6")).extracting(FlowRecord::serverName, FlowRecord::nameSource)
                .containsExactly("upload.wikimedia.org", NameSource.HTTP_HOST);
        assertThat(named.get("CUM0KZ3MLUfNB0cl11")).extracting(FlowRecord::serverName, FlowRecord::nameSource)
                .containsExactly("bits.wikimedia.org", NameSource.HTTP_HOST);
        // no HTTP request logged for this connection; the client had resolved meta.wikimedia.org to it
        assertThat(named.get("CtPZjS20MLrsMUOJi2")).extracting(FlowRecord::serverName, FlowRecord::nameSource)
                .containsExactly("meta.wikimedia.org", NameSource.DNS);
        // a SYN to an address nobody looked up, and the DNS queries themselves, stay unnamed
        assertThat(named.get("CFSwNi4CNGxcuffo49").nameSource()).isEqualTo(NameSource.NONE);
        assertThat(named.get("C37jN32gN3y3AZzyf6").nameSource()).isEqualTo(NameSource.NONE);

        Map<NameSource, Long> bySource = named.values().stream()
                .collect(Collectors.groupingBy(FlowRecord::nameSource, Collectors.counting()));
        assertThat(bySource).containsEntry(NameSource.HTTP_HOST, 8L).containsEntry(NameSource.DNS, 1L)
                .containsEntry(NameSource.NONE, 25L);
    }
}
