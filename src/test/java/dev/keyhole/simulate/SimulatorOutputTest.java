package dev.keyhole.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyhole.records.DnsRecord;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.HttpRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.TlsRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One small simulation of the whole default window, checked the way a user would: IPFIX and Zeek
 * read back with Keyhole's readers, the two outputs compared conversation by conversation, and
 * truth.json checked against what is on disk.
 */
class SimulatorOutputTest {
    static final long FLOWS = 20_000;
    static final ZoneId PYONGYANG = ZoneId.of("Asia/Pyongyang");

    @TempDir
    static Path tmp;
    static Path out;
    static Simulator.Result result;
    static List<FlowRecord> ipfix;
    static List<FlowRecord> conns;
    static JsonNode truth;

    @BeforeAll
    static void simulate() throws IOException {
        out = tmp.resolve("world");
        result = Sim.run(out, FLOWS, 42, null, null, true);
        ipfix = Sim.ipfix(out);
        conns = Sim.conns(out);
        truth = new ObjectMapper().readTree(out.resolve("truth.json").toFile());
    }

    @Test
    void writesExactlyTheRequestedNumberOfFlowRecordsInDailyFiles() throws IOException {
        assertThat(ipfix).hasSize((int) FLOWS);
        assertThat(result.ipfixRecords()).isEqualTo(FLOWS);
        // 2017-04-01 00:00 Pyongyang is 2017-03-31 15:30 UTC; 2018-08-31 24:00 is 2018-08-31 15:00 UTC.
        List<Path> files = Sim.files(out.resolve("ipfix"), ".ipfix");
        assertThat(files).hasSize(519);
        assertThat(files.get(0)).endsWith(Path.of("ipfix", "2017", "03", "31", "keyhole.20170331.ipfix"));
        assertThat(files.get(files.size() - 1)).endsWith(Path.of("2018", "08", "31", "keyhole.20180831.ipfix"));
        for (String kind : ZeekLogs.NAMES) {
            assertThat(Sim.files(out.resolve("zeek"), ".log").stream()
                    .filter(p -> p.getFileName().toString().startsWith(kind + "."))).hasSize(519);
        }
        // Every record lies in the UTC day of its file.
        for (Path f : files.subList(100, 110)) {
            String day = f.getFileName().toString().substring(8, 16);
            for (FlowRecord r : Sim.ipfixFile(f)) {
                String d = Instant.ofEpochMilli(r.startMillis()).toString().substring(0, 10).replace("-", "");
                assertThat(d).isIn(day, prevDay(day));
            }
        }
    }

    private static String prevDay(String yyyymmdd) {
        LocalDate d = LocalDate.parse(yyyymmdd.substring(0, 4) + "-" + yyyymmdd.substring(4, 6) + "-" + yyyymmdd.substring(6));
        return d.minusDays(1).toString().replace("-", "");
    }

    @Test
    void everyIpfixRecordIsOneDirectionOfAConnLogConversation() {
        // Devices behind one NAT keep their own ports, so a 5-tuple can recur: keep every conversation.
        Map<String, List<FlowRecord>> byKey = new HashMap<>();
        for (FlowRecord c : conns) {
            byKey.computeIfAbsent(key(c.src(), c.srcPort(), c.dst(), c.dstPort(), c.protocol()), k -> new ArrayList<>()).add(c);
        }
        int forward = 0, reverse = 0;
        for (FlowRecord r : ipfix) {
            FlowRecord c = null;
            for (FlowRecord x : byKey.getOrDefault(key(r.src(), r.srcPort(), r.dst(), r.dstPort(), r.protocol()), List.of())) {
                if (x.startMillis() == r.startMillis()) c = x;
            }
            if (c != null) {
                assertThat(r.packets()).isEqualTo(c.packets());
                assertThat(r.bytes()).isEqualTo(c.bytes());
                assertThat(r.endMillis()).isEqualTo(c.endMillis());
                forward++;
                continue;
            }
            for (FlowRecord x : byKey.getOrDefault(key(r.dst(), r.dstPort(), r.src(), r.srcPort(), r.protocol()), List.of())) {
                if (r.startMillis() >= x.startMillis() && r.startMillis() <= x.endMillis()) c = x;
            }
            assertThat(c).as("conn.log line for reverse record %s", r).isNotNull();
            assertThat(r.packets()).isEqualTo(c.reversePackets());
            assertThat(r.bytes()).isEqualTo(c.reverseBytes());
            reverse++;
        }
        // Both directions of most conversations are exported; failed attempts only have the first.
        assertThat(forward).isEqualTo((int) result.conversations());
        assertThat(reverse).isBetween(forward * 85 / 100, forward);
        // conn.log = the IPFIX conversations + the DNS transactions to the internal resolvers.
        assertThat(conns).hasSize((int) (result.conversations() + result.dnsLookups()));
    }

    private static String key(Ip a, int ap, Ip b, int bp, int proto) {
        return a + ":" + ap + ">" + b + ":" + bp + "/" + proto;
    }

    @Test
    void httpAndSslShareTheUidOfTheirConnection() throws IOException {
        Map<String, FlowRecord> byUid = new HashMap<>();
        for (FlowRecord c : conns) assertThat(byUid.put(c.uid(), c)).as("uid %s unique", c.uid()).isNull();
        List<HttpRecord> http = Sim.http(out);
        List<TlsRecord> ssl = Sim.ssl(out);
        assertThat(http).isNotEmpty();
        assertThat(ssl).isNotEmpty();
        for (HttpRecord h : http) {
            FlowRecord c = byUid.get(h.uid());
            assertThat(c).as("conn for http uid %s", h.uid()).isNotNull();
            assertThat(h.server()).isEqualTo(c.dst());
            assertThat(h.serverPort()).isEqualTo(c.dstPort());
            assertThat(h.tsMillis()).isBetween(c.startMillis(), c.endMillis() + 1);
        }
        for (TlsRecord t : ssl) {
            FlowRecord c = byUid.get(t.uid());
            assertThat(c).as("conn for ssl uid %s", t.uid()).isNotNull();
            assertThat(t.server()).isEqualTo(c.dst());
            assertThat(t.tsMillis()).isBetween(c.startMillis(), c.endMillis());
        }
    }

    @Test
    void namedConnectionsFollowADnsAnswerForTheirDestination() throws IOException {
        // (client, address) -> times the client was told that address, for each name.
        Map<String, List<long[]>> answers = new HashMap<>();
        Map<String, List<String>> names = new HashMap<>();
        for (DnsRecord d : Sim.dns(out)) {
            for (Ip a : d.answers()) {
                String k = d.client() + ">" + a;
                answers.computeIfAbsent(k, x -> new ArrayList<>()).add(new long[] {d.tsMillis()});
                names.computeIfAbsent(k, x -> new ArrayList<>()).add(d.query());
            }
        }
        Map<String, FlowRecord> byUid = new HashMap<>();
        for (FlowRecord c : conns) byUid.put(c.uid(), c);
        int checked = 0;
        for (TlsRecord t : Sim.ssl(out)) {
            FlowRecord c = byUid.get(t.uid());
            // Visitors of the target's sites resolve names outside the target: not in dns.log.
            if (t.serverName() == null || !inTarget(c.src()) || t.serverName().matches("www\\.[a-z]+\\.(com|net)")) continue;
            String k = c.src() + ">" + c.dst();
            assertThat(answers).as("DNS answer %s for %s", k, t.serverName()).containsKey(k);
            long best = Long.MIN_VALUE;
            for (long[] a : answers.get(k)) if (a[0] <= c.startMillis()) best = Math.max(best, a[0]);
            assertThat(c.startMillis() - best).as("answer before connection %s", t.uid()).isBetween(0L, 3_600_000L);
            assertThat(names.get(k)).contains(t.serverName());
            checked++;
        }
        assertThat(checked).isGreaterThan(1000);
    }

    private static boolean inTarget(Ip ip) {
        String s = ip.toString();
        return s.startsWith("175.45.17") || s.startsWith("210.52.109.") || s.startsWith("77.94.35.");
    }

    @Test
    void zeekLogsHaveZeek6HeadersAndConsistentColumns() throws IOException {
        Map<String, String> fields = Map.of("conn", ZeekLogs.CONN_FIELDS, "http", ZeekLogs.HTTP_FIELDS,
                "ssl", ZeekLogs.SSL_FIELDS, "dns", ZeekLogs.DNS_FIELDS);
        // The field lists of base Zeek 6.0 (testing baselines of zeek/zeek v6.0).
        assertThat(ZeekLogs.CONN_FIELDS.split("\t")).hasSize(21).startsWith("ts", "uid", "id.orig_h")
                .endsWith("resp_pkts", "resp_ip_bytes", "tunnel_parents");
        assertThat(ZeekLogs.SSL_FIELDS.split("\t")).hasSize(18).endsWith("sni_matches_cert");
        assertThat(ZeekLogs.DNS_FIELDS.split("\t")).hasSize(24).endsWith("answers", "TTLs", "rejected");
        assertThat(ZeekLogs.HTTP_FIELDS.split("\t")).hasSize(30).endsWith("resp_mime_types");
        for (Path f : Sim.files(out.resolve("zeek"), ".log")) {
            String name = f.getFileName().toString();
            String kind = name.substring(0, name.indexOf('.'));
            String day = name.substring(kind.length() + 1, kind.length() + 11);
            List<String> lines = Files.readAllLines(f);
            assertThat(lines.subList(0, 8)).containsExactly("#separator \\x09", "#set_separator\t,",
                    "#empty_field\t(empty)", "#unset_field\t-", "#path\t" + kind, "#open\t" + day + "-00-00-00",
                    "#fields\t" + fields.get(kind), "#types\t" + ZeekLogs.TYPES[List.of(ZeekLogs.NAMES).indexOf(kind)]);
            assertThat(lines.get(lines.size() - 1)).startsWith("#close\t");
            int columns = fields.get(kind).split("\t").length;
            for (String l : lines.subList(8, lines.size() - 1)) {
                assertThat(l.split("\t", -1)).as("%s: %s", name, l).hasSize(columns);
            }
        }
    }

    @Test
    void outboundActivityIsInLocalDaytimeAndAbsentOnOutageDays() {
        Set<LocalDate> outages = new HashSet<>();
        for (JsonNode o : truth.path("calendar").path("outages")) {
            if (o.path("fromHour").asInt() == 0 && o.path("toHour").asInt() == 24) {
                outages.add(LocalDate.parse(o.path("date").asText()));
            }
        }
        assertThat(outages).hasSize(3);
        long day = 0, all = 0;
        for (FlowRecord c : conns) {
            if (!inTarget(c.src()) || inTarget(c.dst())) continue;
            ZonedDateTime t = Instant.ofEpochMilli(c.startMillis()).atZone(PYONGYANG);
            assertThat(outages).doesNotContain(t.toLocalDate());
            all++;
            if (t.getHour() >= 8 && t.getHour() < 21) day++;
        }
        assertThat((double) day / all).isGreaterThan(0.75);
    }

    @Test
    void truthNamesTheRunAndItsFiles() {
        assertThat(truth.path("schema").asText()).isEqualTo("keyhole.truth/1");
        assertThat(truth.path("seed").asLong()).isEqualTo(42);
        assertThat(truth.path("window").path("from").asText()).isEqualTo("2017-04-01");
        assertThat(truth.path("window").path("to").asText()).isEqualTo("2018-08-31");
        assertThat(truth.path("flows").path("ipfixRecords").asLong()).isEqualTo(FLOWS);
        assertThat(truth.path("flows").path("outbound").asLong() + truth.path("flows").path("inbound").asLong())
                .isEqualTo(result.conversations());
        long records = 0;
        for (JsonNode f : truth.path("files")) {
            assertThat(out.resolve(f.path("path").asText())).exists();
            if (f.path("kind").asText().equals("ipfix")) records += f.path("records").asLong();
        }
        assertThat(records).isEqualTo(FLOWS);
        assertThat(truth.path("population").path("users").asInt()).isBetween(200, 600);
        List<String> ids = new ArrayList<>();
        for (JsonNode f : truth.path("facts")) {
            ids.add(f.path("id").asText());
            assertThat(f.has("description") && f.has("metric") && f.has("expected") && f.has("tolerance")).isTrue();
        }
        assertThat(ids).contains("entertainment-share-2017", "daily-rhythm", "weekend-heavy-2017",
                "weekday-heavy-2018", "migration-to-chinese-services", "alibaba-dominance-2018",
                "linkedin-from-april-2018", "obfuscation-2017", "obfuscation-early-2018", "obfuscation-august-2018",
                "tor-same-relay", "bitcoin-onset", "outage-days", "no-event-correlation", "device-inventory");
        assertThat(out.resolve("events.csv")).content().startsWith("date,label,kind\n2017-04-05,");
    }

    @Test
    void plantedFactsHoldInTheTruthEvenForASmallWorld() {
        Map<String, JsonNode> facts = new HashMap<>();
        for (JsonNode f : truth.path("facts")) facts.put(f.path("id").asText(), f);
        assertThat(facts.get("entertainment-share-2017").path("expected").asDouble()).isBetween(0.60, 0.70);
        assertThat(facts.get("weekend-heavy-2017").path("expected").asDouble()).isGreaterThan(1.2);
        assertThat(facts.get("weekday-heavy-2018").path("expected").asDouble()).isLessThan(0.85);
        assertThat(facts.get("obfuscation-2017").path("expected").asDouble()).isLessThan(0.012);
        assertThat(facts.get("obfuscation-early-2018").path("expected").asDouble()).isBetween(0.10, 0.16);
        assertThat(facts.get("obfuscation-august-2018").path("expected").asDouble()).isBetween(0.025, 0.08);
        JsonNode li = facts.get("linkedin-from-april-2018");
        assertThat(li.path("flowsBefore").asLong()).isZero();
        assertThat(facts.get("bitcoin-onset").path("expected").asText()).isGreaterThanOrEqualTo("2017-05-17");
        JsonNode mig = facts.get("migration-to-chinese-services").path("expected");
        assertThat(mig.path("westernShare2018").asDouble()).isLessThan(mig.path("westernShare2017-07").asDouble() / 4);
        assertThat(mig.path("chineseShare2018").asDouble()).isGreaterThan(mig.path("chineseShare2017-07").asDouble() * 4);
    }
}
