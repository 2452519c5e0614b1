package dev.keyhole.enrichment;

import dev.keyhole.enrichment.catalog.Catalog;
import dev.keyhole.enrichment.scope.TargetScope;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.NameSource;
import dev.keyhole.refdata.CsvAsnLookup;
import dev.keyhole.refdata.GeoLookup;
import dev.keyhole.refdata.MmdbWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class EnricherTest {
    static final int TCP = 6, UDP = 17;
    static final String HOST = "175.45.176.10";

    @TempDir
    static Path dir;
    static GeoLookup geo;
    static CsvAsnLookup asn;
    static TargetScope scope;
    static Catalog catalog = Catalog.loadDefault();

    @BeforeAll
    static void setUp() throws IOException {
        Path csv = Files.writeString(dir.resolve("asn-ipv4.csv"), String.join("\n",
                "8.8.8.0,8.8.8.255,15169,Google LLC",
                "31.13.64.0,31.13.127.255,32934,\"Facebook, Inc.\"",
                "46.4.0.0,46.4.255.255,24940,Hetzner Online GmbH",
                "52.0.0.0,52.79.255.255,16509,\"Amazon.com, Inc.\"",
                "95.108.128.0,95.108.255.255,13238,YANDEX LLC",
                "104.16.0.0,104.16.255.255,13335,\"Cloudflare, Inc.\"",
                "140.205.0.0,140.205.255.255,37963,\"Hangzhou Alibaba Advertising Co.,Ltd.\"",
                "175.45.176.0,175.45.179.255,131279,Star Joint Venture Co. Ltd.",
                "185.65.134.0,185.65.135.255,39351,31173 Services AB",
                "203.0.113.0,203.0.113.255,64500,Example Residential ISP",
                "198.18.0.0,198.18.255.255,64502,Example Transit", ""));
        Path csv6 = Files.writeString(dir.resolve("asn-ipv6.csv"),
                "2a03:2880::,2a03:2880:ffff:ffff:ffff:ffff:ffff:ffff,32934,\"Facebook, Inc.\"\n");
        asn = CsvAsnLookup.load(List.of(csv, csv6));
        Path mmdb = new MmdbWriter(6, "GeoLite2-City")
                .insert("8.8.8.0/24", city("US", null))
                .insert("31.13.64.0/18", city("US", "Menlo Park"))
                .insert("46.4.0.0/16", city("DE", "Falkenstein"))
                .insert("52.0.0.0/11", city("US", "Ashburn"))
                .insert("95.108.128.0/17", city("RU", "Moscow"))
                .insert("104.16.0.0/16", city("US", "San Francisco"))
                .insert("140.205.0.0/16", city("CN", "Hangzhou"))
                .insert("175.45.176.0/22", city("KP", "Pyongyang"))
                .insert("185.65.134.0/23", city("SE", "Stockholm"))
                .insert("203.0.113.0/24", city("FR", "Lyon"))
                .insert("198.18.0.0/24", city("NL", "Amsterdam"))
                .insert("198.18.1.0/24", city("NL", "Rotterdam"))
                .insert("2a03:2880::/32", city("IE", "Dublin"))
                .write(dir.resolve("city.mmdb"));
        geo = GeoLookup.open(List.of(mmdb));
        scope = TargetScope.ofCidrs(List.of("175.45.176.0/22", "210.52.109.0/24", "77.94.35.0/24"));
    }

    @AfterAll
    static void tearDown() throws IOException {
        geo.close();
    }

    private static Map<String, Object> city(String cc, String name) {
        return name == null ? Map.of("country", Map.of("iso_code", cc))
                : Map.of("country", Map.of("iso_code", cc), "city", Map.of("names", Map.of("en", name)));
    }

    private static Enricher enricher() {
        return new Enricher(scope, geo, asn, catalog);
    }

    private static FlowRecord uni(String src, int sp, String dst, int dp, int proto) {
        return FlowRecord.uni(0, 1000, Ip.parse(src), Ip.parse(dst), sp, dp, proto, 0, 10, 1000, 0, 0);
    }

    private static FlowRecord bi(String src, int sp, String dst, int dp, int proto, String name, NameSource ns) {
        return new FlowRecord(0, 1000, Ip.parse(src), Ip.parse(dst), sp, dp, proto, 0x1b, 10, 1000, 12, 9000,
                true, 0, 0, "C1", name, ns);
    }

    private static FlowRecord named(FlowRecord f, String name) {
        return f.withName(name, NameSource.SNI);
    }

    // ---- attributions ----

    /**
     * Flows with the same remote answer and service share one Attribution (the store codes its
     * text columns per instance); its values are the service's, or the remote end's where the
     * catalogue names no country, or the AS's when nothing identified the service.
     */
    @Test
    void flowsWithTheSameRemoteAnswerAndServiceShareOneAttribution() {
        Enricher en = enricher();
        EnrichedFlow fb1 = en.enrich(bi(HOST, 50000, "31.13.70.1", 443, TCP, "www.facebook.com", NameSource.SNI));
        EnrichedFlow fb2 = en.enrich(bi(HOST, 50001, "31.13.70.2", 443, TCP, "www.facebook.com", NameSource.SNI));
        EnrichedFlow fbAsn = en.enrich(uni(HOST, 50002, "31.13.70.3", 443, TCP));
        assertThat(fb2.attribution()).isSameAs(fb1.attribution());
        assertThat(fbAsn.attribution()).as("identified by its ASN: the same service").isSameAs(fb1.attribution());

        // BitTorrent by port on a Hetzner server: the catalogue gives it no country, so the peer's.
        EnrichedFlow bt1 = en.enrich(uni(HOST, 40000, "46.4.1.1", 6881, UDP));
        EnrichedFlow bt2 = en.enrich(uni(HOST, 40001, "46.4.1.2", 6881, UDP));
        EnrichedFlow vps = en.enrich(uni(HOST, 40002, "46.4.1.3", 8080, TCP));
        assertThat(bt2.attribution()).isSameAs(bt1.attribution());
        assertThat(bt1.attribution()).isEqualTo(new Attribution("DE", "Falkenstein", 24940, "Hetzner Online GmbH",
                "bittorrent", "BitTorrent", "BitTorrent swarm (peer-to-peer)", Category.P2P, "DE", bt1.origin()));
        assertThat(bt1.origin()).isEqualTo(Origin.ofCountry("DE"));
        assertThat(vps.attribution()).isNotSameAs(bt1.attribution());
        assertThat(vps.service()).isEqualTo("vps-hetzner");
        assertThat(vps.remoteCity()).isEqualTo("Falkenstein");

        // Nothing identified: the AS stands for the service.
        EnrichedFlow isp1 = en.enrich(uni(HOST, 40003, "203.0.113.7", 8080, TCP));
        EnrichedFlow isp2 = en.enrich(uni(HOST, 40004, "203.0.113.8", 8081, TCP));
        assertThat(isp2.attribution()).isSameAs(isp1.attribution());
        assertThat(isp1.attribution()).isEqualTo(new Attribution("FR", "Lyon", 64500, "Example Residential ISP",
                "as:64500", "Example Residential ISP", "Example Residential ISP", Category.OTHER, "FR",
                Origin.ofCountry("FR")));

        // Out of scope: nothing known.
        assertThat(en.enrich(uni("8.8.8.8", 53, "1.1.1.1", 40000, UDP)).attribution()).isSameAs(Attribution.NONE);
    }

    /** A remote answer that many services are reached through (a CDN) keeps the latest ones shared. */
    @Test
    void aRemoteAnswerSeenWithManyServicesKeepsTheLatestShared() {
        Enricher en = enricher();
        List<String> domains = catalog.services().stream().filter(s -> !s.domains().isEmpty() && !s.isHosting())
                .map(s -> s.domains().get(0)).distinct().limit(Enricher.Info.MAX_SERVICES + 3).toList();
        assertThat(domains).hasSize(Enricher.Info.MAX_SERVICES + 3);
        java.util.function.Function<String, EnrichedFlow> via = d -> en.enrich(bi(HOST, 50000, "104.16.0.1", 443, TCP,
                "www." + d, NameSource.SNI));
        List<Attribution> first = domains.stream().map(via).map(EnrichedFlow::attribution).toList();
        assertThat(first.stream().map(Attribution::service).distinct()).hasSize(domains.size());
        // The latest MAX_SERVICES are kept: the same instances again.
        for (int i = 3; i < domains.size(); i++) assertThat(via.apply(domains.get(i)).attribution()).isSameAs(first.get(i));
        // The oldest made room: an equal attribution, then shared again.
        Attribution again = via.apply(domains.get(0)).attribution();
        assertThat(again).isNotSameAs(first.get(0)).isEqualTo(first.get(0));
        assertThat(via.apply(domains.get(0)).attribution()).isSameAs(again);
        assertThat(again.remoteCity()).isEqualTo("San Francisco");
    }

    // ---- direction ----

    @Test
    void outboundBiflowToAKnownServiceOverHttpsIsPlain() {
        EnrichedFlow e = enricher().enrich(bi(HOST, 50000, "31.13.70.1", 443, TCP, "www.facebook.com", NameSource.SNI));
        assertThat(e.direction()).isEqualTo(Direction.OUTBOUND);
        assertThat(e.conversation()).isTrue();
        assertThat(e.local()).isEqualTo(Ip.parse(HOST));
        assertThat(e.remote()).isEqualTo(Ip.parse("31.13.70.1"));
        assertThat(e.serverPort()).isEqualTo(443);
        assertThat(e.name()).isEqualTo("www.facebook.com");
        assertThat(e.remoteCountry()).isEqualTo("US");
        assertThat(e.remoteCity()).isEqualTo("Menlo Park");
        assertThat(e.remoteAsn()).isEqualTo(32934);
        assertThat(e.remoteAsOrg()).isEqualTo("Facebook, Inc.");
        assertThat(e.service()).isEqualTo("facebook");
        assertThat(e.serviceName()).isEqualTo("Facebook");
        assertThat(e.company()).isEqualTo("Meta Platforms");
        assertThat(e.category()).isEqualTo(Category.SOCIAL);
        assertThat(e.serviceCountry()).isEqualTo("US");
        assertThat(e.origin()).isEqualTo(Origin.WESTERN);
        assertThat(e.obfuscation()).isEqualTo(Obfuscation.PLAIN);
        assertThat(e.inScope()).isTrue();
    }

    @Test
    void responseHalfOfAUniDirectionalExportIsOutboundButNoNewConversation() {
        EnrichedFlow e = enricher().enrich(uni("31.13.70.1", 443, HOST, 50000, TCP));
        assertThat(e.direction()).isEqualTo(Direction.OUTBOUND);
        assertThat(e.conversation()).isFalse();
        assertThat(e.local()).isEqualTo(Ip.parse(HOST));
        assertThat(e.remote()).isEqualTo(Ip.parse("31.13.70.1"));
        assertThat(e.serverPort()).isEqualTo(443);
        assertThat(e.service()).as("by ASN").isEqualTo("facebook");
        assertThat(e.obfuscation()).isEqualTo(Obfuscation.PLAIN);
        // the request half opens the conversation
        EnrichedFlow req = enricher().enrich(uni(HOST, 50000, "31.13.70.1", 443, TCP));
        assertThat(req.conversation()).isTrue();
        assertThat(req.direction()).isEqualTo(Direction.OUTBOUND);
    }

    @Test
    void inboundToATargetServer() {
        EnrichedFlow e = enricher().enrich(bi("203.0.113.5", 40000, "175.45.176.20", 443, TCP, "www.facebook.com",
                NameSource.SNI));
        assertThat(e.direction()).isEqualTo(Direction.INBOUND);
        assertThat(e.conversation()).isTrue();
        assertThat(e.local()).isEqualTo(Ip.parse("175.45.176.20"));
        assertThat(e.remote()).isEqualTo(Ip.parse("203.0.113.5"));
        assertThat(e.serverPort()).isEqualTo(443);
        // the name belongs to the target's server, so it does not name the remote client
        assertThat(e.service()).isEqualTo("as:64500");
        assertThat(e.serviceName()).isEqualTo("Example Residential ISP");
        assertThat(e.company()).isEqualTo("Example Residential ISP");
        assertThat(e.category()).isEqualTo(Category.OTHER);
        assertThat(e.serviceCountry()).isEqualTo("FR");
        assertThat(e.remoteCity()).isEqualTo("Lyon");
    }

    @Test
    void internalFlowsUseTheServerAsRemote() {
        EnrichedFlow e = enricher().enrich(uni(HOST, 53000, "175.45.177.1", 53, UDP));
        assertThat(e.direction()).isEqualTo(Direction.INTERNAL);
        assertThat(e.conversation()).isTrue();
        assertThat(e.local()).isEqualTo(Ip.parse(HOST));
        assertThat(e.remote()).isEqualTo(Ip.parse("175.45.177.1"));
        assertThat(e.remoteAsn()).isEqualTo(131279);
        assertThat(e.remoteCountry()).isEqualTo("KP");
        assertThat(e.service()).isEqualTo("as:131279");
        assertThat(e.origin()).isEqualTo(Origin.OTHER);
    }

    @Test
    void outOfScopeReturnsEarlyWithNothingFilled() {
        FlowRecord f = uni("8.8.8.8", 53, "104.16.1.1", 40000, UDP);
        EnrichedFlow e = enricher().enrich(f);
        assertThat(e.direction()).isEqualTo(Direction.OUT_OF_SCOPE);
        assertThat(e.inScope()).isFalse();
        assertThat(e.flow()).isSameAs(f);
        assertThat(e.remote()).isNull();
        assertThat(e.service()).isNull();
        assertThat(e.obfuscation()).isNull();
    }

    @Test
    void serverSideWithoutBiflow() {
        Enricher en = enricher();
        // both ephemeral: the lower port is the server
        EnrichedFlow a = en.enrich(uni(HOST, 40000, "203.0.113.7", 30000, TCP));
        assertThat(a.serverPort()).isEqualTo(30000);
        assertThat(a.conversation()).isTrue();
        EnrichedFlow b = en.enrich(uni("203.0.113.7", 30000, HOST, 40000, TCP));
        assertThat(b.serverPort()).isEqualTo(30000);
        assertThat(b.direction()).isEqualTo(Direction.OUTBOUND);
        assertThat(b.conversation()).isFalse();
        // a catalogued port beats a lower ephemeral one
        EnrichedFlow c = en.enrich(uni(HOST, 2000, "46.4.10.10", 9001, TCP));
        assertThat(c.serverPort()).isEqualTo(9001);
        assertThat(c.conversation()).isTrue();
        // well-known ports on both sides: the lower one is the server
        EnrichedFlow d = en.enrich(uni("203.0.113.7", 123, HOST, 53, UDP));
        assertThat(d.serverPort()).isEqualTo(53);
        assertThat(d.direction()).isEqualTo(Direction.INBOUND);
        // equal ports: dst is the server
        EnrichedFlow t = en.enrich(uni(HOST, 5000, "203.0.113.7", 5000, UDP));
        assertThat(t.conversation()).isTrue();
        assertThat(t.remote()).isEqualTo(Ip.parse("203.0.113.7"));
        // protocols without ports: dst is the server
        EnrichedFlow g = en.enrich(uni("203.0.113.7", 0, HOST, 0, 1));
        assertThat(g.direction()).isEqualTo(Direction.INBOUND);
    }

    // ---- obfuscation ----

    @Test
    void blockCacheHonoursAMoreSpecificNetworkInAnEarlierGeoFile() throws IOException {
        // a.mmdb knows only 46.6.0.0/25 (FR); b.mmdb has the whole /16 (US). 46.6.0.200 falls through
        // to b.mmdb, but its /24 is not uniform: 46.6.0.5 must still be FR after it.
        Path a = new MmdbWriter(6, "GeoLite2-City").insert("46.6.0.0/25", Map.of("country", Map.of("iso_code", "FR")))
                .write(dir.resolve("two-a.mmdb"));
        Path b = new MmdbWriter(6, "GeoLite2-City").insert("46.6.0.0/16", Map.of("country", Map.of("iso_code", "US")))
                .write(dir.resolve("two-b.mmdb"));
        try (GeoLookup two = GeoLookup.open(List.of(a, b))) {
            Enricher e = new Enricher(scope, two, null, catalog);
            assertThat(e.enrich(uni(HOST, 50000, "46.6.0.200", 443, TCP)).remoteCountry()).isEqualTo("US");
            assertThat(e.enrich(uni(HOST, 50000, "46.6.0.5", 443, TCP)).remoteCountry()).isEqualTo("FR");
            assertThat(e.enrich(uni(HOST, 50000, "46.6.1.5", 443, TCP)).remoteCountry()).isEqualTo("US");
        }
    }

    @Test
    void torByPortBeatsVpsAndByRelaySet() {
        EnrichedFlow e = enricher().enrich(uni(HOST, 50000, "46.4.10.10", 9001, TCP));
        assertThat(e.obfuscation()).isEqualTo(Obfuscation.TOR);
        assertThat(e.service()).isEqualTo("vps-hetzner");
        Enricher withRelays = new Enricher(scope, geo, asn, catalog.withTorRelays(Set.of(Ip.parse("104.16.5.5"))));
        assertThat(withRelays.enrich(uni(HOST, 50000, "104.16.5.5", 443, TCP)).obfuscation()).isEqualTo(Obfuscation.TOR);
        assertThat(withRelays.enrich(uni(HOST, 50000, "104.16.5.6", 443, TCP)).obfuscation()).isEqualTo(Obfuscation.TLS);
        // A neighbour seen first must not let the /24 cache answer for the relay in its block.
        Enricher neighbourFirst = new Enricher(scope, geo, asn, catalog.withTorRelays(Set.of(Ip.parse("104.16.5.5"))));
        assertThat(neighbourFirst.enrich(uni(HOST, 50000, "104.16.5.6", 443, TCP)).obfuscation()).isEqualTo(Obfuscation.TLS);
        assertThat(neighbourFirst.enrich(uni(HOST, 50000, "104.16.5.5", 443, TCP)).obfuscation()).isEqualTo(Obfuscation.TOR);
        assertThat(neighbourFirst.enrich(uni(HOST, 50000, "104.16.5.7", 443, TCP)).obfuscation()).isEqualTo(Obfuscation.TLS);
    }

    @Test
    void workersShareWholeBlockAnswersButNotRelayBlocks() {
        Catalog relays = catalog.withTorRelays(Set.of(Ip.parse("104.16.5.5")));
        Enricher.SharedBlocks blocks = new Enricher.SharedBlocks();
        Enricher first = new Enricher(scope, geo, asn, relays, blocks);
        Enricher second = new Enricher(scope, geo, asn, relays, blocks);
        EnrichedFlow a = first.enrich(uni(HOST, 50000, "203.0.113.9", 80, TCP));
        EnrichedFlow b = second.enrich(uni(HOST, 50000, "203.0.113.200", 80, TCP));
        assertThat(first.resolves()).isEqualTo(1);
        assertThat(second.resolves()).as("the other worker's answer for 203.0.113.0/24").isZero();
        assertThat(b.remoteCountry()).isEqualTo(a.remoteCountry()).isEqualTo("FR");
        assertThat(b.remoteCity()).isEqualTo("Lyon");
        assertThat(b.remoteAsn()).isEqualTo(a.remoteAsn()).isEqualTo(64500);
        // A block with a relay is per address, for every worker.
        first.enrich(uni(HOST, 50000, "104.16.5.6", 443, TCP));
        assertThat(second.enrich(uni(HOST, 50000, "104.16.5.5", 443, TCP)).obfuscation()).isEqualTo(Obfuscation.TOR);
        assertThat(second.enrich(uni(HOST, 50000, "104.16.5.7", 443, TCP)).obfuscation()).isEqualTo(Obfuscation.TLS);
        assertThat(second.resolves()).isEqualTo(2);
    }

    @Test
    void vpnByProtocolPortProviderNameAndProviderAsn() {
        Enricher en = enricher();
        assertThat(en.enrich(uni(HOST, 50000, "203.0.113.9", 1194, UDP)).obfuscation()).isEqualTo(Obfuscation.VPN);
        assertThat(en.enrich(uni(HOST, 500, "203.0.113.9", 500, UDP)).obfuscation()).isEqualTo(Obfuscation.VPN);
        assertThat(en.enrich(uni(HOST, 0, "203.0.113.9", 0, 50)).obfuscation()).as("ESP").isEqualTo(Obfuscation.VPN);
        assertThat(en.enrich(uni(HOST, 40000, "203.0.113.9", 51820, UDP)).obfuscation()).isEqualTo(Obfuscation.VPN);
        EnrichedFlow byName = en.enrich(named(uni(HOST, 50000, "46.4.1.1", 443, TCP), "de123.nordvpn.com"));
        assertThat(byName.service()).isEqualTo("vpn-nordvpn");
        assertThat(byName.category()).isEqualTo(Category.VPN);
        assertThat(byName.obfuscation()).isEqualTo(Obfuscation.VPN);
        EnrichedFlow byAsn = en.enrich(uni(HOST, 50000, "185.65.135.9", 443, TCP));
        assertThat(byAsn.service()).isEqualTo("vpn-mullvad");
        assertThat(byAsn.serviceCountry()).isEqualTo("SE");
        assertThat(byAsn.obfuscation()).isEqualTo(Obfuscation.VPN);
    }

    @Test
    void vpsWhenAHostingAsnIsNotIdentifiedByName() {
        Enricher en = enricher();
        EnrichedFlow hetzner = en.enrich(uni(HOST, 50000, "46.4.1.1", 443, TCP));
        assertThat(hetzner.service()).isEqualTo("vps-hetzner");
        assertThat(hetzner.category()).isEqualTo(Category.HOSTING_VPS);
        assertThat(hetzner.serviceCountry()).isEqualTo("DE");
        assertThat(hetzner.obfuscation()).isEqualTo(Obfuscation.VPS);
        EnrichedFlow aws = en.enrich(uni(HOST, 50000, "52.1.2.3", 443, TCP));
        assertThat(aws.service()).isEqualTo("aws");
        assertThat(aws.obfuscation()).isEqualTo(Obfuscation.VPS);
        // Amazon shopping served from AWS address space is named, hence identified and plain
        EnrichedFlow shop = en.enrich(named(uni(HOST, 50000, "52.1.2.3", 443, TCP), "www.amazon.com"));
        assertThat(shop.service()).isEqualTo("amazon");
        assertThat(shop.category()).isEqualTo(Category.SHOPPING);
        assertThat(shop.obfuscation()).isEqualTo(Obfuscation.PLAIN);
        // Aliyun unnamed is VPS; Taobao on the same address is Chinese shopping
        EnrichedFlow aliyun = en.enrich(uni(HOST, 50000, "140.205.1.1", 443, TCP));
        assertThat(aliyun.service()).isEqualTo("aliyun");
        assertThat(aliyun.obfuscation()).isEqualTo(Obfuscation.VPS);
        EnrichedFlow taobao = en.enrich(named(uni(HOST, 50000, "140.205.1.1", 443, TCP), "world.taobao.com"));
        assertThat(taobao.service()).isEqualTo("taobao");
        assertThat(taobao.origin()).isEqualTo(Origin.CHINESE);
        assertThat(taobao.obfuscation()).isEqualTo(Obfuscation.PLAIN);
    }

    @Test
    void tlsOnlyWhenTheServiceIsUnknown() {
        Enricher en = enricher();
        EnrichedFlow unknown = en.enrich(uni(HOST, 50000, "104.16.1.1", 443, TCP));
        assertThat(unknown.service()).isEqualTo("as:13335");
        assertThat(unknown.serviceName()).isEqualTo("Cloudflare, Inc.");
        assertThat(unknown.obfuscation()).isEqualTo(Obfuscation.TLS);
        EnrichedFlow imaps = en.enrich(uni(HOST, 50000, "104.16.1.1", 993, TCP));
        assertThat(imaps.obfuscation()).isEqualTo(Obfuscation.TLS);
        EnrichedFlow sniOddPort = en.enrich(named(uni(HOST, 50000, "104.16.1.1", 8080, TCP), "unknown.example"));
        assertThat(sniOddPort.obfuscation()).as("a TLS-named flow").isEqualTo(Obfuscation.TLS);
        EnrichedFlow http = en.enrich(uni(HOST, 50000, "104.16.1.1", 80, TCP));
        assertThat(http.obfuscation()).isEqualTo(Obfuscation.PLAIN);
        EnrichedFlow googleHttps = en.enrich(uni(HOST, 50000, "8.8.8.8", 443, TCP));
        assertThat(googleHttps.service()).as("identified by ASN").isEqualTo("google");
        assertThat(googleHttps.obfuscation()).isEqualTo(Obfuscation.PLAIN);
        EnrichedFlow ipv6Fb = en.enrich(bi("175.45.176.10", 50000, "2a03:2880::1", 443, TCP, null, NameSource.NONE));
        assertThat(ipv6Fb.direction()).isEqualTo(Direction.OUTBOUND);
        assertThat(ipv6Fb.service()).isEqualTo("facebook");
        assertThat(ipv6Fb.remoteCountry()).isEqualTo("IE");
        assertThat(ipv6Fb.obfuscation()).isEqualTo(Obfuscation.PLAIN);
    }

    // ---- services and origin ----

    @Test
    void originGroups() {
        Enricher en = enricher();
        assertThat(en.enrich(uni(HOST, 50000, "95.108.130.1", 443, TCP)).origin()).as("Yandex by ASN").isEqualTo(Origin.RUSSIAN);
        assertThat(en.enrich(named(uni(HOST, 50000, "104.16.1.1", 443, TCP), "v.youku.com")).origin()).isEqualTo(Origin.CHINESE);
        assertThat(en.enrich(named(uni(HOST, 50000, "104.16.1.1", 443, TCP), "e.mail.ru")).origin()).isEqualTo(Origin.RUSSIAN);
        assertThat(en.enrich(named(uni(HOST, 50000, "104.16.1.1", 443, TCP), "www.bbc.co.uk")).origin()).isEqualTo(Origin.WESTERN);
        EnrichedFlow tg = en.enrich(named(uni(HOST, 50000, "104.16.1.1", 443, TCP), "web.telegram.org"));
        assertThat(tg.serviceCountry()).isEqualTo("AE");
        assertThat(tg.origin()).isEqualTo(Origin.OTHER);
        // unknown service: the destination's country decides
        assertThat(en.enrich(uni(HOST, 50000, "104.16.1.1", 80, TCP)).origin()).isEqualTo(Origin.WESTERN);
    }

    @Test
    void bitTorrentByPortTakesThePeersCountry() {
        Enricher en = enricher();
        EnrichedFlow e = en.enrich(uni(HOST, 51413, "203.0.113.7", 6881, UDP));
        assertThat(e.service()).isEqualTo("bittorrent");
        assertThat(e.category()).isEqualTo(Category.P2P);
        assertThat(e.serviceCountry()).isEqualTo("FR");
        assertThat(e.origin()).isEqualTo(Origin.WESTERN);
        // a peer connecting in to the target's client port
        EnrichedFlow in = en.enrich(uni("203.0.113.8", 40000, HOST, 51413, TCP));
        assertThat(in.direction()).isEqualTo(Direction.INBOUND);
        assertThat(in.service()).isEqualTo("bittorrent");
        // by tracker name
        assertThat(en.enrich(named(uni(HOST, 50000, "104.16.1.1", 443, TCP), "tracker.opentrackr.org")).service())
                .isEqualTo("bittorrent");
        // BitTorrent on a rented server: the port names it better than the hosting ASN
        EnrichedFlow seedbox = en.enrich(uni(HOST, 50000, "46.4.2.2", 6881, TCP));
        assertThat(seedbox.service()).isEqualTo("bittorrent");
        assertThat(seedbox.obfuscation()).isEqualTo(Obfuscation.PLAIN);
    }

    @Test
    void nameBeatsAsn() {
        EnrichedFlow e = enricher().enrich(named(uni(HOST, 50000, "8.8.4.4", 443, TCP), "www.youtube.com"));
        assertThat(e.service()).isEqualTo("youtube");
        assertThat(e.remoteAsn()).isZero(); // 8.8.4.4 is not in the test ASN data
        assertThat(e.remoteCountry()).isNull();
        EnrichedFlow g = enricher().enrich(named(uni(HOST, 50000, "8.8.8.8", 443, TCP), "mail.google.com"));
        assertThat(g.service()).isEqualTo("gmail");
        assertThat(g.category()).isEqualTo(Category.MAIL);
    }

    @Test
    void unknownEverythingIsUnknownAndWorksWithoutGeoOrAsnData() {
        Enricher en = new Enricher(scope, null, null, catalog);
        EnrichedFlow e = en.enrich(uni(HOST, 50000, "192.0.2.1", 80, TCP));
        assertThat(e.service()).isEqualTo(Enricher.UNKNOWN_SERVICE);
        assertThat(e.serviceName()).isNull();
        assertThat(e.category()).isEqualTo(Category.OTHER);
        assertThat(e.remoteCountry()).isNull();
        assertThat(e.origin()).isEqualTo(Origin.OTHER);
        assertThat(e.obfuscation()).isEqualTo(Obfuscation.PLAIN);
        assertThat(en.enrich(named(uni(HOST, 50000, "192.0.2.1", 443, TCP), "www.baidu.com")).service()).isEqualTo("baidu");
    }

    @Test
    void cachesRemotesAndNames() {
        Enricher en = new Enricher(scope, geo, asn, catalog, 16, 16);
        for (int i = 0; i < 5; i++) {
            en.enrich(named(uni(HOST, 50000 + i, "31.13.70.1", 443, TCP), "www.facebook.com"));
        }
        assertThat(en.remoteMisses()).isEqualTo(1);
        assertThat(en.nameMisses()).isEqualTo(1);
        // more remotes than the cache holds: still correct, just more misses
        for (int i = 0; i < 100; i++) {
            EnrichedFlow e = en.enrich(uni(HOST, 50000, "203.0.113." + i, 80, TCP));
            assertThat(e.remoteAsn()).isEqualTo(64500);
        }
        assertThat(en.enrich(uni(HOST, 50000, "31.13.70.1", 443, TCP)).service()).isEqualTo("facebook");
        // more distinct answers than the cache keeps: it starts over, answers stay right
        String[] remotes = {"8.8.8.8", "31.13.70.1", "46.4.1.1", "52.1.2.3", "95.108.130.1", "104.16.1.1",
                "140.205.1.1", "185.65.135.9", "203.0.113.1", "192.0.2.1", "2a03:2880::1"};
        for (int round = 0; round < 3; round++) {
            for (String r : remotes) {
                EnrichedFlow e = en.enrich(uni(HOST, 50000, r, 80, TCP));
                assertThat(e.remote()).isEqualTo(Ip.parse(r));
                assertThat(e.remoteAsn()).isEqualTo(asn.lookup(Ip.parse(r)) == null ? 0 : asn.lookup(Ip.parse(r)).asn());
            }
        }
        assertThat(en.remoteResets()).isPositive();
    }

    @Test
    void manyNetworksStayCachedAsTheBlockTableGrows() {
        Enricher en = enricher();
        // 6,000 /24s of one uniform /11: more than the block table's first 4,096 slots hold
        for (int round = 0; round < 2; round++) {
            for (int b = 0; b < 6000; b++) {
                EnrichedFlow e = en.enrich(uni(HOST, 50000, "52." + (b >> 8) + "." + (b & 255) + ".7", 80, TCP));
                assertThat(e.remoteCity()).isEqualTo("Ashburn");
            }
            assertThat(en.resolves()).as("round %d", round).isEqualTo(6000);
        }
    }

    @Test
    void oneServiceIdInstancePerAsn() {
        // Two answers of one AS (two cities): the fallback service ids are one instance, which the
        // analyses and the store compare by identity before hashing.
        EnrichedFlow a = enricher().enrich(uni(HOST, 50000, "198.18.0.9", 80, TCP));
        EnrichedFlow b = enricher().enrich(uni(HOST, 50000, "198.18.1.9", 80, TCP));
        assertThat(a.remoteCity()).isEqualTo("Amsterdam");
        assertThat(b.remoteCity()).isEqualTo("Rotterdam");
        assertThat(a.service()).isEqualTo("as:64502").isSameAs(b.service());
    }

    // ---- the other half of the last flow ----

    /**
     * A flow right after its other half (addresses and ports swapped) takes the last answers instead
     * of looking them up again: whatever came before, every answer must be what a fresh enricher
     * gives, including ties of ports, protocols without ports, biflows, names and out-of-scope pairs.
     */
    @Test
    void theOtherHalfOfTheLastFlowGetsTheAnswersAFreshEnricherGives() {
        String[] hosts = {HOST, "175.45.176.11", "31.13.70.1", "46.4.1.1", "203.0.113.7", "104.16.5.5", "8.8.8.8"};
        int[] ports = {443, 50000, 6881, 1194, 9001, 53, 8080};
        int[] protos = {TCP, UDP, 1, 132, 50};
        String[] names = {null, "www.facebook.com", "example.org"};
        java.util.Random rnd = new java.util.Random(7);
        Enricher en = enricher();
        int halves = 0;
        for (int i = 0; i < 20_000; i++) {
            String a = hosts[rnd.nextInt(hosts.length)], b = hosts[rnd.nextInt(hosts.length)];
            int pa = ports[rnd.nextInt(ports.length)], pb = rnd.nextInt(8) == 0 ? pa : ports[rnd.nextInt(ports.length)];
            int proto = protos[rnd.nextInt(protos.length)];
            String name = names[rnd.nextInt(names.length)];
            NameSource ns = name == null ? NameSource.NONE : rnd.nextBoolean() ? NameSource.SNI : NameSource.DNS;
            boolean biflow = rnd.nextInt(6) == 0;
            FlowRecord first = new FlowRecord(0, 1000, Ip.parse(a), Ip.parse(b), pa, pb, proto, 0, 3, 300,
                    biflow ? 2 : 0, biflow ? 200 : 0, biflow, 0, 0, null, name, ns);
            // The other half: usually the same name, sometimes another or none.
            String name2 = rnd.nextInt(5) == 0 ? names[rnd.nextInt(names.length)] : name;
            NameSource ns2 = name2 == null ? NameSource.NONE : name2.equals(name) ? ns : NameSource.HTTP_HOST;
            boolean biflow2 = rnd.nextInt(6) == 0;
            // Mostly the same two hosts swapped; sometimes another host on either side with the same ports.
            String b2 = rnd.nextInt(6) == 0 ? hosts[rnd.nextInt(hosts.length)] : b;
            String a2 = rnd.nextInt(6) == 0 ? hosts[rnd.nextInt(hosts.length)] : a;
            FlowRecord second = new FlowRecord(0, 1000, Ip.parse(b2), Ip.parse(a2), pb, pa, proto, 0, 2, 200,
                    biflow2 ? 1 : 0, biflow2 ? 100 : 0, biflow2, 0, 0, null,
                    name2 == null ? null : new String(name2), ns2);
            if (rnd.nextInt(10) != 0) en.enrich(first);
            if (rnd.nextInt(10) == 0) en.enrich(uni(hosts[rnd.nextInt(hosts.length)], 1, HOST, 2, TCP)); // in between
            EnrichedFlow got = en.enrich(second);
            EnrichedFlow want = enricher().enrich(second);
            assertThat(got.flow()).isSameAs(second);
            assertThat(got).as("%s after %s", second, first).usingRecursiveComparison().ignoringFields("flow")
                    .isEqualTo(want);
            if ((proto == TCP || proto == UDP || proto == 132) && pa != pb && !biflow && !biflow2
                    && java.util.Objects.equals(name, name2) && a.equals(a2) && b.equals(b2)) {
                halves++;
            }
        }
        assertThat(halves).as("pairs that are a conversation's two halves").isGreaterThan(2000);
    }
}
