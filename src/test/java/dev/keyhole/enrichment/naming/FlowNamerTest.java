package dev.keyhole.enrichment.naming;

import dev.keyhole.records.DnsRecord;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.HttpRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.NameSource;
import dev.keyhole.records.TlsRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FlowNamerTest {
    static final Ip CLIENT = Ip.parse("10.0.0.5");
    static final Ip SERVER = Ip.parse("192.0.2.80");
    static final long T = 1_700_000_000_000L;
    static final long HOUR = 3_600_000L;

    static FlowRecord flow(String uid, Ip src, Ip dst, long start) {
        return new FlowRecord(start, start + 1000, src, dst, 50000, 443, 6, 0, 10, 1000, 8, 5000, true, 0, 0, uid, null,
                NameSource.NONE);
    }

    static TlsRecord tls(String uid, String sni) {
        return new TlsRecord(T, uid, CLIENT, 50000, SERVER, 443, "TLSv13", sni, true);
    }

    static HttpRecord http(String uid, String host) {
        return new HttpRecord(T, uid, CLIENT, 50000, SERVER, 80, "GET", host, "/", "curl/8", 200);
    }

    static DnsRecord dns(Ip client, String query, long ts, Ip... answers) {
        return new DnsRecord(ts, "D1", client, Ip.parse("10.0.0.53"), query, "A", List.of(answers));
    }

    static FlowNamer namer() {
        return new FlowNamer(FlowNamer.DEFAULT_WINDOW, 1_000_000);
    }

    @Test
    void sniBeatsHostBeatsDns() {
        FlowNamer n = namer();
        n.dns(dns(CLIENT, "dns.example", T - 1000, SERVER));
        n.http(http("C1", "host.example"));
        n.tls(tls("C1", "sni.example"));
        n.http(http("C2", "host2.example"));
        n.tls(tls("C3", "sni3.example"));
        n.http(http("C3", "host3.example")); // Host after SNI does not replace it

        FlowRecord a = n.name(flow("C1", CLIENT, SERVER, T));
        assertThat(a.serverName()).isEqualTo("sni.example");
        assertThat(a.nameSource()).isEqualTo(NameSource.SNI);
        assertThat(n.name(flow("C2", CLIENT, SERVER, T))).extracting(FlowRecord::serverName, FlowRecord::nameSource)
                .containsExactly("host2.example", NameSource.HTTP_HOST);
        assertThat(n.name(flow("C3", CLIENT, SERVER, T)).serverName()).isEqualTo("sni3.example");
        assertThat(n.name(flow("C9", CLIENT, SERVER, T))).extracting(FlowRecord::serverName, FlowRecord::nameSource)
                .containsExactly("dns.example", NameSource.DNS);
        assertThat(n.name(flow(null, CLIENT, SERVER, T)).serverName()).isEqualTo("dns.example");
        assertThat(a.bytes()).isEqualTo(1000); // nothing else changes
        assertThat(a.uid()).isEqualTo("C1");
    }

    @Test
    void namedOrUnknownFlowsComeBackUnchanged() {
        FlowNamer n = namer();
        n.tls(tls("C1", "sni.example"));
        FlowRecord named = flow("C1", CLIENT, SERVER, T).withName("already.example", NameSource.HTTP_HOST);
        assertThat(n.name(named)).isSameAs(named);
        FlowRecord unknown = flow("C2", CLIENT, Ip.parse("198.51.100.1"), T);
        assertThat(n.name(unknown)).isSameAs(unknown);
        assertThat(unknown.nameSource()).isEqualTo(NameSource.NONE);
    }

    @Test
    void dnsWindowBoundaries() {
        FlowNamer n = namer();
        Ip justInside = Ip.parse("192.0.2.1"), justOutside = Ip.parse("192.0.2.2");
        Ip skewInside = Ip.parse("192.0.2.3"), skewOutside = Ip.parse("192.0.2.4");
        n.dns(dns(CLIENT, "inside.example", T - HOUR, justInside));
        n.dns(dns(CLIENT, "outside.example", T - HOUR - 1, justOutside));
        n.dns(dns(CLIENT, "skew.example", T + 5000, skewInside));
        n.dns(dns(CLIENT, "late.example", T + 5001, skewOutside));

        assertThat(n.name(flow(null, CLIENT, justInside, T)).serverName()).isEqualTo("inside.example");
        assertThat(n.name(flow(null, CLIENT, justOutside, T)).serverName()).isNull();
        assertThat(n.name(flow(null, CLIENT, skewInside, T)).serverName()).isEqualTo("skew.example");
        assertThat(n.name(flow(null, CLIENT, skewOutside, T)).serverName()).isNull();
        // another client did not ask
        assertThat(n.name(flow(null, Ip.parse("10.0.0.6"), justInside, T)).serverName()).isNull();
    }

    @Test
    void configurableWindowAndSkew() {
        FlowNamer n = new FlowNamer(Duration.ofMinutes(5), Duration.ZERO, 100);
        n.dns(dns(CLIENT, "a.example", T - 300_000, SERVER));
        assertThat(n.name(flow(null, CLIENT, SERVER, T)).serverName()).isEqualTo("a.example");
        assertThat(n.name(flow(null, CLIENT, SERVER, T + 1)).serverName()).isNull();
        assertThat(n.name(flow(null, CLIENT, SERVER, T - 300_001)).serverName()).isNull(); // before the answer
    }

    @Test
    void reverseDirectionFlowIsNamed() {
        FlowNamer n = namer();
        n.dns(dns(CLIENT, "Www.Example.COM.", T - 10_000, SERVER));
        FlowRecord back = n.name(flow(null, SERVER, CLIENT, T));
        assertThat(back.serverName()).isEqualTo("www.example.com");
        assertThat(back.nameSource()).isEqualTo(NameSource.DNS);
    }

    @Test
    void mostRecentAnswerWinsAndRepeatsShareOneEntry() {
        FlowNamer n = namer();
        n.dns(dns(CLIENT, "old.example", T - 50 * 60_000, SERVER));
        n.dns(dns(CLIENT, "new.example", T - 10 * 60_000, SERVER));
        for (int i = 0; i < 100; i++) n.dns(dns(CLIENT, "tick.example", T + 10 * HOUR + i * 60_000, SERVER));
        assertThat(n.name(flow(null, CLIENT, SERVER, T)).serverName()).isEqualTo("new.example");
        // 100 answers a minute apart are one run: every flow time inside it is named
        assertThat(n.size()).isEqualTo(3);
        assertThat(n.name(flow(null, CLIENT, SERVER, T + 10 * HOUR + 50 * 60_000 + 30_000)).serverName())
                .isEqualTo("tick.example");
        assertThat(n.name(flow(null, CLIENT, SERVER, T + 10 * HOUR + 99 * 60_000 + HOUR)).serverName())
                .isEqualTo("tick.example");
        assertThat(n.name(flow(null, CLIENT, SERVER, T + 10 * HOUR + 99 * 60_000 + HOUR + 1)).serverName()).isNull();
    }

    @Test
    void answersFartherApartThanTheWindowStaySeparate() {
        FlowNamer n = namer();
        n.dns(dns(CLIENT, "a.example", T, SERVER));
        n.dns(dns(CLIENT, "a.example", T + 3 * HOUR, SERVER));
        // out of order: merged by the freeze
        n.dns(dns(CLIENT, "a.example", T - 30 * 60_000, SERVER));
        assertThat(n.name(flow(null, CLIENT, SERVER, T + 2 * HOUR)).serverName()).isNull(); // gap
        assertThat(n.name(flow(null, CLIENT, SERVER, T + HOUR)).serverName()).isEqualTo("a.example");
        assertThat(n.name(flow(null, CLIENT, SERVER, T + 3 * HOUR + 1)).serverName()).isEqualTo("a.example");
        assertThat(n.size()).isEqualTo(2);
    }

    @Test
    void hostAndSniNormalisation() {
        FlowNamer n = namer();
        n.http(http("C1", "WWW.Example.org:8080"));
        n.http(http("C2", "192.0.2.80:80"));      // an address is not a name
        n.http(http("C3", "[2001:db8::1]:443"));
        n.tls(tls("C4", "  "));
        n.tls(tls("C5", "server4:443"));          // SNI is kept as sent
        n.http(http("C-6.odd/uid", "odd.example")); // uid outside [0-9A-Za-z]
        n.tls(tls("C7", null));
        n.tls(tls(null, "no-uid.example"));

        assertThat(n.name(flow("C1", CLIENT, SERVER, T)).serverName()).isEqualTo("www.example.org");
        assertThat(n.name(flow("C2", CLIENT, SERVER, T)).serverName()).isNull();
        assertThat(n.name(flow("C3", CLIENT, SERVER, T)).serverName()).isNull();
        assertThat(n.name(flow("C4", CLIENT, SERVER, T)).serverName()).isNull();
        assertThat(n.name(flow("C5", CLIENT, SERVER, T)).serverName()).isEqualTo("server4:443");
        assertThat(n.name(flow("C-6.odd/uid", CLIENT, SERVER, T)).serverName()).isEqualTo("odd.example");
        assertThat(n.size()).isEqualTo(3);
    }

    @Test
    void uidPackingDistinguishesLengthsAndCases() {
        assertThat(FlowNamer.packPart("0", 0)).isNotEqualTo(FlowNamer.packPart("00", 0));
        assertThat(FlowNamer.packPart("a", 0)).isNotEqualTo(FlowNamer.packPart("A", 0));
        FlowNamer n = namer();
        n.tls(tls("CHhAvVGS1DHFjwGM9", "one.example"));
        n.tls(tls("ChhAvVGS1DHFjwGM9", "two.example"));
        n.tls(tls("CHhAvVGS1DHFjwGM", "three.example"));
        n.tls(tls("CHhAvVGS1DHFjwGM9xyzA", "long.example")); // 21 characters: not packed
        assertThat(n.name(flow("CHhAvVGS1DHFjwGM9", CLIENT, SERVER, T)).serverName()).isEqualTo("one.example");
        assertThat(n.name(flow("ChhAvVGS1DHFjwGM9", CLIENT, SERVER, T)).serverName()).isEqualTo("two.example");
        assertThat(n.name(flow("CHhAvVGS1DHFjwGM", CLIENT, SERVER, T)).serverName()).isEqualTo("three.example");
        assertThat(n.name(flow("CHhAvVGS1DHFjwGM9xyzA", CLIENT, SERVER, T)).serverName()).isEqualTo("long.example");
    }

    @Test
    void mergeOfTwoNamers() {
        FlowNamer a = namer(), b = namer();
        a.http(http("C1", "host.example"));
        a.dns(dns(CLIENT, "a.example", T - 1000, SERVER));
        b.tls(tls("C1", "sni.example"));   // upgrades a's Host for C1
        b.tls(tls("C2", "b-only.example"));
        b.http(http("C-x", "odd.example"));
        b.dns(dns(CLIENT, "b.example", T - 500, SERVER));   // more recent than a's answer
        Ip other = Ip.parse("198.51.100.7");
        b.dns(dns(CLIENT, "other.example", T - 500, other));

        a.merge(b);
        assertThat(a.size()).isEqualTo(6);
        assertThat(a.name(flow("C1", CLIENT, SERVER, T))).extracting(FlowRecord::serverName, FlowRecord::nameSource)
                .containsExactly("sni.example", NameSource.SNI);
        assertThat(a.name(flow("C2", CLIENT, SERVER, T)).serverName()).isEqualTo("b-only.example");
        assertThat(a.name(flow("C-x", CLIENT, SERVER, T)).serverName()).isEqualTo("odd.example");
        assertThat(a.name(flow(null, CLIENT, SERVER, T)).serverName()).isEqualTo("b.example");
        assertThat(a.name(flow(null, CLIENT, other, T)).serverName()).isEqualTo("other.example");
        assertThatThrownBy(() -> a.merge(a)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void capDropsNewEntriesAndCountsThem() {
        FlowNamer n = new FlowNamer(FlowNamer.DEFAULT_WINDOW, 3);
        n.http(http("C1", "one.example"));
        n.http(http("C2", "two.example"));
        n.dns(dns(CLIENT, "d.example", T, SERVER));
        n.http(http("C3", "three.example"));                      // dropped
        n.dns(dns(CLIENT, "e.example", T, Ip.parse("192.0.2.99"))); // dropped
        n.tls(tls("C1", "sni-one.example"));                      // upgrade of a known uid: kept
        n.dns(dns(CLIENT, "d.example", T + 60_000, SERVER));       // extends a known run: kept

        assertThat(n.size()).isEqualTo(3);
        assertThat(n.dropped()).isEqualTo(2);
        assertThat(n.name(flow("C1", CLIENT, SERVER, T)).serverName()).isEqualTo("sni-one.example");
        assertThat(n.name(flow("C3", CLIENT, SERVER, T)).nameSource()).isEqualTo(NameSource.DNS);
        assertThat(n.name(flow(null, CLIENT, SERVER, T + 60_000 + HOUR)).serverName()).isEqualTo("d.example");

        FlowNamer small = new FlowNamer(FlowNamer.DEFAULT_WINDOW, 1);
        small.http(http("C8", "eight.example"));
        FlowNamer other = namer();
        other.http(http("C9", "nine.example"));
        other.http(http("C10", "ten.example"));
        small.merge(other);
        assertThat(small.size()).isEqualTo(1);
        assertThat(small.dropped()).isEqualTo(2);
        assertThatThrownBy(() -> new FlowNamer(FlowNamer.DEFAULT_WINDOW, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrentLookupsAfterCollection() throws Exception {
        FlowNamer n = namer();
        int hosts = 2000;
        for (int i = 0; i < hosts; i++) {
            Ip server = Ip.ofV4(0xC6336400 + i);
            n.dns(dns(CLIENT, "h" + i + ".example", T - i, server));
            n.tls(tls("C" + i, "sni" + i + ".example"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < hosts; i++) {
                        Ip server = Ip.ofV4(0xC6336400 + i);
                        if (n.name(flow(null, CLIENT, server, T)).serverName().equals("h" + i + ".example")) ok++;
                        if (n.name(flow("C" + i, CLIENT, server, T)).serverName().equals("sni" + i + ".example")) ok++;
                    }
                    return ok;
                }));
            }
            for (Future<Integer> f : results) assertThat(f.get()).isEqualTo(2 * hosts);
        } finally {
            pool.shutdownNow();
        }
        assertThatThrownBy(() -> n.http(http("late", "late.example"))).isInstanceOf(IllegalStateException.class);
    }
}
