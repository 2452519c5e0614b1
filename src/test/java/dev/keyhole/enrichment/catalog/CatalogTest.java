package dev.keyhole.enrichment.catalog;

import dev.keyhole.enrichment.Category;
import dev.keyhole.records.Ip;
import dev.keyhole.refdata.AsnInfo;
import dev.keyhole.refdata.CsvAsnLookup;
import dev.keyhole.refdata.ReferenceSetup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CatalogTest {
    static final Catalog CATALOG = Catalog.loadDefault();

    /** The ids other components (the traffic simulator, analyses) rely on. */
    static final List<String> REQUIRED_IDS = List.of("youku", "itunes", "steam", "world-of-tanks", "bittorrent",
            "alibaba", "taobao", "aliyun", "aliexpress", "baidu", "tencent", "netease", "xinhua", "peoples-daily",
            "facebook", "instagram", "google", "youtube", "gmail", "amazon", "aws", "linkedin", "twitter", "aol",
            "mail-ru", "yandex", "microsoft", "windows-update", "apple-update", "netflix", "wikipedia", "bbc", "cnn",
            "nytimes", "sina", "sohu", "jd", "skype", "whatsapp", "telegram", "viber", "kakao", "naver", "vk",
            "vpn-nordvpn", "vpn-expressvpn", "vpn-privateinternetaccess", "vpn-surfshark", "vpn-protonvpn",
            "vpn-cyberghost", "vpn-ipvanish", "vpn-hotspotshield", "vpn-tunnelbear", "vpn-windscribe", "vpn-mullvad",
            "vpn-vyprvpn", "vpn-astrill", "vpn-psiphon", "vpn-lantern",
            "vps-digitalocean", "vps-linode", "vps-vultr", "vps-ovh", "vps-hetzner");

    @Test
    void everyRequiredIdIsCataloguedAndReachableByItsOwnDomains() {
        for (String id : REQUIRED_IDS) {
            Service s = CATALOG.byId(id);
            assertThat(s).as(id).isNotNull();
            assertThat(s.domains()).as(id + " domains").isNotEmpty();
            for (String d : s.domains()) assertThat(CATALOG.byName(d)).as(d).isSameAs(s);
            assertThat(CATALOG.byName("www." + s.domains().get(0))).as("subdomain of " + id).isSameAs(s);
            if (id.startsWith("vpn-")) assertThat(s.category()).as(id).isEqualTo(Category.VPN);
            if (id.startsWith("vps-")) assertThat(s.category()).as(id).isEqualTo(Category.HOSTING_VPS);
        }
        assertThat(CATALOG.version()).isEqualTo("2026.11.1");
    }

    @Test
    void servicesHaveTheExpectedCategoryAndCountry() {
        record E(String id, Category c, String country) {}
        for (E e : List.of(new E("youku", Category.STREAMING, "CN"), new E("taobao", Category.SHOPPING, "CN"),
                new E("baidu", Category.SEARCH, "CN"), new E("xinhua", Category.NEWS, "CN"),
                new E("facebook", Category.SOCIAL, "US"), new E("gmail", Category.MAIL, "US"),
                new E("steam", Category.GAMING, "US"), new E("world-of-tanks", Category.GAMING, "CY"),
                new E("mail-ru", Category.MAIL, "RU"), new E("yandex", Category.SEARCH, "RU"),
                new E("windows-update", Category.SOFTWARE_UPDATES, "US"), new E("bbc", Category.NEWS, "GB"),
                new E("skype", Category.MESSAGING_VOIP, "US"), new E("bittorrent", Category.P2P, null),
                new E("aws", Category.HOSTING_VPS, "US"), new E("aliyun", Category.HOSTING_VPS, "CN"))) {
            Service s = CATALOG.byId(e.id());
            assertThat(s.category()).as(e.id()).isEqualTo(e.c());
            assertThat(s.country()).as(e.id()).isEqualTo(e.country());
        }
    }

    @Test
    void suffixRulesMatchOnLabelBoundariesOnly() {
        assertThat(CATALOG.byName("v.youku.com").id()).isEqualTo("youku");
        assertThat(CATALOG.byName("youku.com").id()).isEqualTo("youku");
        assertThat(CATALOG.byName("notyouku.com")).isNull();
        assertThat(CATALOG.byName("youku.com.evil.example")).isNull();
        assertThat(CATALOG.byName("com")).isNull();
        assertThat(CATALOG.byName("")).isNull();
        assertThat(CATALOG.byName(".")).isNull();
        assertThat(CATALOG.byName(null)).isNull();
        // case-insensitive, trailing dot, Host header port
        assertThat(CATALOG.byName("WWW.YouKu.COM.").id()).isEqualTo("youku");
        assertThat(CATALOG.byName("www.facebook.com:8443").id()).isEqualTo("facebook");
        // longest suffix wins
        assertThat(CATALOG.byName("www.google.com").id()).isEqualTo("google");
        assertThat(CATALOG.byName("mail.google.com").id()).isEqualTo("gmail");
        assertThat(CATALOG.byName("youtubei.googleapis.com").id()).isEqualTo("youtube");
        assertThat(CATALOG.byName("fonts.googleapis.com").id()).isEqualTo("google");
        assertThat(CATALOG.byName("itunes.apple.com").id()).isEqualTo("itunes");
        assertThat(CATALOG.byName("swscan.apple.com").id()).isEqualTo("apple-update");
        assertThat(CATALOG.byName("www.apple.com").id()).isEqualTo("apple");
        assertThat(CATALOG.byName("updates.cdn-apple.com").id()).isEqualTo("apple-update");
        assertThat(CATALOG.byName("fe2.update.microsoft.com").id()).isEqualTo("windows-update");
        assertThat(CATALOG.byName("www.microsoft.com").id()).isEqualTo("microsoft");
        assertThat(CATALOG.byName("ae01.alicdn.com").id()).isEqualTo("aliexpress");
        assertThat(CATALOG.byName("img.alicdn.com").id()).isEqualTo("alibaba");
        assertThat(CATALOG.byName("news.sina.com.cn").id()).isEqualTo("sina");
        assertThat(CATALOG.byName("en.people.cn").id()).isEqualTo("peoples-daily");
        assertThat(CATALOG.byName("tracker.opentrackr.org").id()).isEqualTo("bittorrent");
        assertThat(CATALOG.byName("router.bittorrent.com").id()).isEqualTo("bittorrent");
        assertThat(CATALOG.byName("nl123.nordvpn.com").id()).isEqualTo("vpn-nordvpn");
    }

    @Test
    void amazonShoppingVersusAws() {
        assertThat(CATALOG.byName("www.amazon.com").id()).isEqualTo("amazon");
        assertThat(CATALOG.byName("images-na.ssl-images-amazon.com").id()).isEqualTo("amazon");
        assertThat(CATALOG.byName("aws.amazon.com").id()).isEqualTo("aws");
        assertThat(CATALOG.byName("mybucket.s3.amazonaws.com").id()).isEqualTo("aws");
        assertThat(CATALOG.byName("ec2-52-1-2-3.compute-1.amazonaws.com").category()).isEqualTo(Category.HOSTING_VPS);
        assertThat(CATALOG.byAsn(16509).id()).isEqualTo("aws");
        assertThat(CATALOG.byAsn(14618).id()).isEqualTo("aws");
        assertThat(CATALOG.isHostingAsn(16509)).isTrue();
        // likewise Alibaba Cloud versus Taobao, Google Cloud versus Google
        assertThat(CATALOG.byAsn(37963).id()).isEqualTo("aliyun");
        assertThat(CATALOG.byName("world.taobao.com").id()).isEqualTo("taobao");
        assertThat(CATALOG.byName("oss-cn-hangzhou.aliyuncs.com").id()).isEqualTo("aliyun");
        assertThat(CATALOG.byAsn(15169).id()).isEqualTo("google");
        assertThat(CATALOG.byAsn(396982).id()).isEqualTo("vps-google-cloud");
        assertThat(CATALOG.byName("console.cloud.google.com").id()).isEqualTo("vps-google-cloud");
    }

    @Test
    void asnRules() {
        assertThat(CATALOG.byAsn(32934).id()).isEqualTo("facebook");
        assertThat(CATALOG.byAsn(45090).id()).isEqualTo("tencent");
        assertThat(CATALOG.byAsn(55967).id()).isEqualTo("baidu");
        assertThat(CATALOG.byAsn(32590).id()).isEqualTo("steam");
        assertThat(CATALOG.byAsn(47764).id()).isEqualTo("mail-ru");
        assertThat(CATALOG.byAsn(13238).id()).isEqualTo("yandex");
        assertThat(CATALOG.byAsn(24940).id()).isEqualTo("vps-hetzner");
        assertThat(CATALOG.byAsn(39351).id()).isEqualTo("vpn-mullvad");
        assertThat(CATALOG.isVpnProviderAsn(39351)).isTrue();
        assertThat(CATALOG.byAsn(131279)).as("the target's own ASN is no service").isNull();
        // every listed ASN records the organisation name it was checked against
        for (Service s : CATALOG.services()) {
            for (long a : s.asns()) assertThat(CATALOG.asnOrgs()).as(s.id() + " AS" + a).containsKey(a);
        }
    }

    @Test
    void portRulesVpnTorAndTls() {
        assertThat(CATALOG.byPort(PortRule.UDP, 6881).id()).isEqualTo("bittorrent");
        assertThat(CATALOG.byPort(PortRule.TCP, 6889).id()).isEqualTo("bittorrent");
        assertThat(CATALOG.byPort(PortRule.TCP, 6890)).isNull();
        assertThat(CATALOG.byPort(PortRule.UDP, 51413).id()).isEqualTo("bittorrent");
        assertThat(CATALOG.byPort(PortRule.UDP, 27015).id()).isEqualTo("steam");
        assertThat(CATALOG.byPort(47, 0)).isNull();
        assertThat(CATALOG.vpnProtocol(PortRule.UDP, 1194).name()).isEqualTo("OpenVPN");
        assertThat(CATALOG.vpnProtocol(PortRule.TCP, 1194).name()).isEqualTo("OpenVPN");
        assertThat(CATALOG.vpnProtocol(PortRule.UDP, 500).name()).isEqualTo("IPsec IKE");
        assertThat(CATALOG.vpnProtocol(PortRule.UDP, 4500).name()).isEqualTo("IPsec IKE");
        assertThat(CATALOG.vpnProtocol(50, 0).name()).isEqualTo("IPsec ESP");
        assertThat(CATALOG.vpnProtocol(51, 0).name()).isEqualTo("IPsec AH");
        assertThat(CATALOG.vpnProtocol(47, 0).name()).isEqualTo("GRE");
        assertThat(CATALOG.vpnProtocol(PortRule.TCP, 1723).name()).isEqualTo("PPTP");
        assertThat(CATALOG.vpnProtocol(PortRule.UDP, 1701).name()).isEqualTo("L2TP");
        assertThat(CATALOG.vpnProtocol(PortRule.UDP, 51820).name()).isEqualTo("WireGuard");
        assertThat(CATALOG.isVpnProtocol(PortRule.TCP, 443)).isFalse();
        assertThat(CATALOG.isVpnProtocol(PortRule.TCP, 500)).isFalse();
        for (int p : new int[] {9001, 9030, 9050, 9150}) assertThat(CATALOG.isTorPort(PortRule.TCP, p)).isTrue();
        assertThat(CATALOG.isTorPort(PortRule.UDP, 9001)).isFalse();
        for (int p : new int[] {443, 8443, 993, 995, 465, 5223}) assertThat(CATALOG.isTlsPort(PortRule.TCP, p)).isTrue();
        assertThat(CATALOG.isTlsPort(PortRule.TCP, 80)).isFalse();
        assertThat(CATALOG.isServicePort(PortRule.TCP, 9001)).isTrue();
        assertThat(CATALOG.isServicePort(PortRule.UDP, 51820)).isTrue();
        assertThat(CATALOG.isServicePort(PortRule.TCP, 50000)).isFalse();
        assertThat(CATALOG.isServicePort(PortRule.TCP, 70000)).isFalse();
    }

    @Test
    void aliasesAndTorRelays() {
        assertThat(CATALOG.byId("vpn-pia")).isSameAs(CATALOG.byId("vpn-privateinternetaccess"));
        assertThat(CATALOG.byId("no-such")).isNull();
        Ip relay = Ip.parse("185.220.101.1");
        assertThat(CATALOG.isTorRelay(relay)).isFalse();
        Catalog withRelays = CATALOG.withTorRelays(Set.of(relay));
        assertThat(withRelays.isTorRelay(relay)).isTrue();
        assertThat(withRelays.isTorRelay(Ip.parse("185.220.101.2"))).isFalse();
        assertThat(withRelays.services()).hasSameSizeAs(CATALOG.services());
    }

    @Test
    void loadsAUserCatalogueDirectory(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("catalog.yaml"), """
                version: "test-1"
                include: [mine.yaml]
                tls: [tcp/443]
                tor: {ports: [tcp/9001], relays: relays.txt}
                """);
        Files.writeString(dir.resolve("mine.yaml"), """
                services:
                  - id: koryolink
                    name: Koryolink portal
                    company: Cheo Technology
                    category: other
                    country: kp
                    domains: ["*.koryolink.kp", Example.KP.]
                    asns: [AS64500]
                    ports: [tcp+udp/7000-7001]
                vpn-protocols:
                  - {name: Custom, match: [udp/7777]}
                """);
        Files.writeString(dir.resolve("relays.txt"), "# relays\n198.51.100.7\n2001:db8::7 # v6\n");
        Catalog c = Catalog.load(dir);
        assertThat(c.version()).isEqualTo("test-1");
        Service s = c.byName("www.koryolink.kp");
        assertThat(s.id()).isEqualTo("koryolink");
        assertThat(s.country()).isEqualTo("KP");
        assertThat(c.byName("example.kp")).isSameAs(s);
        assertThat(c.byAsn(64500)).isSameAs(s);
        assertThat(c.byPort(PortRule.UDP, 7001)).isSameAs(s);
        assertThat(c.vpnProtocol(PortRule.UDP, 7777).name()).isEqualTo("Custom");
        assertThat(c.isTorRelay(Ip.parse("2001:db8::7"))).isTrue();
        assertThat(c.describe().version()).isEqualTo("test-1");
    }

    @Test
    void userCatalogueErrorsNameTheProblem(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("catalog.yaml"), "version: x\ninclude: [a.yaml]\n");
        Files.writeString(dir.resolve("a.yaml"), """
                services:
                  - {id: one, name: One, category: news, domains: [same.example]}
                  - {id: two, name: Two, category: news, domains: [same.example]}
                """);
        assertThatThrownBy(() -> Catalog.load(dir)).hasMessageContaining("same.example")
                .hasMessageContaining("one").hasMessageContaining("two");
        Files.writeString(dir.resolve("a.yaml"), "services:\n  - {id: one, name: One, category: nonsense}\n");
        assertThatThrownBy(() -> Catalog.load(dir)).hasMessageContaining("service one")
                .hasMessageContaining("unknown category");
        Files.writeString(dir.resolve("a.yaml"), "services:\n  - {id: one, name: One, category: news, ports: [tcp/99999]}\n");
        assertThatThrownBy(() -> Catalog.load(dir)).hasMessageContaining("bad port range");
        Files.delete(dir.resolve("a.yaml"));
        assertThatThrownBy(() -> Catalog.load(dir)).hasMessageContaining("missing catalogue file a.yaml");
        assertThatThrownBy(() -> Catalog.load(dir.resolve("nowhere"))).hasMessageContaining("no catalog.yaml");
    }

    /**
     * Checks every catalogued ASN against the real ASN data. Installs the reference data into the
     * cache first when it is not there (npm, as `keyhole demo` does; docs/reference-data.md).
     */
    @Test
    void catalogAsnsMatchTheOrganisationsInTheAsnData() throws IOException {
        ReferenceSetup setup = new ReferenceSetup(null);
        setup.ensure();
        Path csv = setup.path(ReferenceSetup.Role.ASN_IPV4);
        assertThat(csv).as("ASN data in " + setup.cacheDir()).isRegularFile();
        List<Path> files = new ArrayList<>(List.of(csv));
        Path v6 = setup.path(ReferenceSetup.Role.ASN_IPV6);
        if (Files.isRegularFile(v6)) files.add(v6);
        CsvAsnLookup asn = CsvAsnLookup.load(files);
        Map<Long, String> orgs = new java.util.HashMap<>();
        // ranges are per ASN; pick the organisation of the first one
        for (Map.Entry<Long, String> e : CATALOG.asnOrgs().entrySet()) {
            List<long[]> r = asn.rangesOf(e.getKey());
            List<long[]> r6 = asn.rangesOfV6(e.getKey());
            assertThat(r.size() + r6.size()).as("AS" + e.getKey() + " has ranges in the ASN data").isPositive();
            AsnInfo info = r.isEmpty() ? asn.lookup(Ip.ofV6(r6.get(0)[0], r6.get(0)[1]))
                    : asn.lookup(Ip.ofV4((int) r.get(0)[0]));
            orgs.put(e.getKey(), info.org());
        }
        for (Map.Entry<Long, String> e : CATALOG.asnOrgs().entrySet()) {
            assertThat(orgs.get(e.getKey()).toLowerCase(Locale.ROOT)).as("organisation of AS" + e.getKey())
                    .isEqualTo(e.getValue().toLowerCase(Locale.ROOT));
        }
    }
}
