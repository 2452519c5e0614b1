package dev.keyhole.enrichment.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyhole.enrichment.Category;
import dev.keyhole.findings.Findings.ReferenceDataset;
import dev.keyhole.records.Ip;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The service catalogue: which names, ASNs and ports belong to which service, which are VPN
 * providers, VPS/hosting providers, VPN protocols, Tor and TLS ports. Loaded from YAML data
 * (the built-in set under resources/dev/keyhole/catalog, or a user's directory with the same
 * layout; see docs/catalog.md). Immutable and thread-safe.
 */
public final class Catalog {
    private static final String RESOURCE_DIR = "/dev/keyhole/catalog/";
    private static final Pattern DOMAIN = Pattern.compile("[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*");

    private static final byte F_SERVICE = 1, F_VPN = 2, F_TOR = 4, F_TLS = 8;

    private final String version;
    private final String source;
    private final List<Service> services;
    private final Map<String, Service> byId;
    private final Map<String, String> aliases;
    private final NameTable names;
    private final Map<Long, Service> byAsn;
    private final Map<Long, String> asnOrgs;
    private final List<VpnProtocol> vpnProtocols;
    private final List<PortRule> torPorts;
    private final List<PortRule> tlsPorts;
    private final Set<Ip> torRelays;
    // /24 blocks (address >>> 8) holding an IPv4 relay: the enricher's block cache must skip them
    private final Set<Integer> torRelayV4Blocks;
    // [0] TCP, [1] UDP, indexed by port
    private final Service[][] portService = new Service[2][65536];
    private final VpnProtocol[][] portVpn = new VpnProtocol[2][65536];
    private final byte[][] portFlags = new byte[2][65536];
    private final VpnProtocol[] ipProtoVpn = new VpnProtocol[256];
    private final boolean[] ipProtoTor = new boolean[256];

    private Catalog(String version, String source, List<Service> services, Map<String, String> aliases,
                    Map<Long, String> asnOrgs, List<VpnProtocol> vpnProtocols, List<PortRule> torPorts,
                    List<PortRule> tlsPorts, Set<Ip> torRelays) {
        this.version = version;
        this.source = source;
        this.services = List.copyOf(services);
        this.asnOrgs = Collections.unmodifiableMap(new LinkedHashMap<>(asnOrgs));
        this.vpnProtocols = List.copyOf(vpnProtocols);
        this.torPorts = List.copyOf(torPorts);
        this.tlsPorts = List.copyOf(tlsPorts);
        this.torRelays = Set.copyOf(torRelays);
        this.torRelayV4Blocks = torRelays.stream().filter(Ip::isV4).map(ip -> ip.v4() >>> 8)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        Map<String, Service> ids = new HashMap<>();
        Map<Long, Service> asns = new HashMap<>();
        Map<String, Service> domains = new HashMap<>();
        for (Service s : services) {
            if (ids.put(s.id(), s) != null) throw new IllegalArgumentException(source + ": duplicate service id '" + s.id() + "'");
            for (String d : s.domains()) {
                Service prev = domains.put(d, s);
                if (prev != null) {
                    throw new IllegalArgumentException(source + ": domain " + d + " is listed by both " + prev.id()
                            + " and " + s.id());
                }
            }
            for (long a : s.asns()) {
                Service prev = asns.put(a, s);
                if (prev != null) {
                    throw new IllegalArgumentException(source + ": AS" + a + " is listed by both " + prev.id() + " and " + s.id());
                }
            }
            for (PortRule r : s.ports()) {
                mark(r, F_SERVICE, source + ": service " + s.id(), (t, p) -> {
                    if (portService[t][p] != null && portService[t][p] != s) {
                        throw new IllegalArgumentException(source + ": " + r + " is claimed by both "
                                + portService[t][p].id() + " and " + s.id());
                    }
                    portService[t][p] = s;
                });
            }
        }
        for (VpnProtocol v : vpnProtocols) {
            for (PortRule r : v.match()) {
                if (r.anyPort()) ipProtoVpn[r.protocol()] = v;
                else mark(r, F_VPN, source + ": VPN protocol " + v.name(), (t, p) -> portVpn[t][p] = v);
            }
        }
        for (PortRule r : torPorts) {
            if (r.anyPort()) ipProtoTor[r.protocol()] = true;
            else mark(r, F_TOR, source + ": Tor port", (t, p) -> {});
        }
        for (PortRule r : tlsPorts) if (!r.anyPort()) mark(r, F_TLS, source + ": TLS port", (t, p) -> {});
        aliases.forEach((alias, id) -> {
            if (ids.containsKey(alias)) throw new IllegalArgumentException(source + ": alias '" + alias + "' is also a service id");
            if (!ids.containsKey(id)) throw new IllegalArgumentException(source + ": alias '" + alias + "' of unknown id " + id);
        });
        this.aliases = Map.copyOf(aliases);
        this.byId = Map.copyOf(ids);
        this.byAsn = Map.copyOf(asns);
        this.names = new NameTable(domains);
    }

    private interface PortAction {
        void apply(int table, int port);
    }

    private void mark(PortRule r, byte flag, String where, PortAction action) {
        int t = table(r.protocol());
        if (t < 0 || r.anyPort()) {
            throw new IllegalArgumentException(where + ": port rule " + r + " must be tcp or udp with a port");
        }
        for (int p = r.from(); p <= r.to(); p++) {
            portFlags[t][p] |= flag;
            action.apply(t, p);
        }
    }

    private static int table(int protocol) {
        return protocol == PortRule.TCP ? 0 : protocol == PortRule.UDP ? 1 : -1;
    }

    // ---- loading ----

    /** The catalogue shipped with Keyhole. */
    /** Fails unless {@code dir} looks like a catalogue directory (holds catalog.yaml). */
    public static void checkDirectory(Path dir) throws IOException {
        if (!Files.isRegularFile(dir.resolve("catalog.yaml"))) {
            throw new IOException(dir + ": not a catalogue directory (no catalog.yaml)");
        }
    }

    public static Catalog loadDefault() {
        try {
            return load(name -> Catalog.class.getResourceAsStream(RESOURCE_DIR + name), "built-in catalogue");
        } catch (IOException e) {
            throw new UncheckedIOException("built-in catalogue unreadable", e);
        }
    }

    /** A user's catalogue: a directory holding catalog.yaml and the files it includes. */
    public static Catalog load(Path dir) throws IOException {
        checkDirectory(dir);
        return load(name -> {
            Path p = dir.resolve(name);
            return Files.isRegularFile(p) ? Files.newInputStream(p) : null;
        }, dir.toString());
    }

    private interface Opener {
        InputStream open(String name) throws IOException;
    }

    private static JsonNode read(Opener opener, String name, String source) throws IOException {
        if (!name.matches("[A-Za-z0-9_.-]+") || name.startsWith(".")) {
            throw new IllegalArgumentException(source + ": bad file name '" + name + "' in include");
        }
        try (InputStream in = opener.open(name)) {
            if (in == null) throw new IOException(source + ": missing catalogue file " + name);
            JsonNode n = dev.keyhole.config.YamlTree.read(in, source + "/" + name);
            if (n == null || !n.isObject()) throw new IllegalArgumentException(source + "/" + name + ": must be a YAML mapping");
            return n;
        } catch (dev.keyhole.config.YamlTree.InvalidYaml e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static Catalog load(Opener opener, String source) throws IOException {
        JsonNode root = read(opener, "catalog.yaml", source);
        String version = root.path("version").asText("");
        if (version.isBlank()) throw new IllegalArgumentException(source + "/catalog.yaml: missing 'version'");
        List<Service> services = new ArrayList<>();
        Map<String, String> aliases = new HashMap<>();
        Map<Long, String> asnOrgs = new LinkedHashMap<>();
        List<VpnProtocol> vpn = new ArrayList<>();
        List<JsonNode> docs = new ArrayList<>();
        List<String> docNames = new ArrayList<>();
        docs.add(root);
        docNames.add("catalog.yaml");
        for (JsonNode inc : root.path("include")) {
            docs.add(read(opener, inc.asText(), source));
            docNames.add(inc.asText());
        }
        for (int i = 0; i < docs.size(); i++) {
            String where = source + "/" + docNames.get(i);
            for (JsonNode s : docs.get(i).path("services")) {
                Service svc = service(s, where, asnOrgs);
                services.add(svc);
                for (JsonNode a : s.path("aliases")) {
                    if (aliases.put(a.asText(), svc.id()) != null) {
                        throw new IllegalArgumentException(where + ": alias '" + a.asText() + "' used twice");
                    }
                }
            }
            for (JsonNode v : docs.get(i).path("vpn-protocols")) {
                String name = v.path("name").asText("");
                if (name.isBlank()) throw new IllegalArgumentException(where + ": VPN protocol without a name");
                vpn.add(new VpnProtocol(name, rules(v.path("match"), where + ": VPN protocol " + name)));
            }
        }
        List<PortRule> tor = rules(root.path("tor").path("ports"), source + "/catalog.yaml: tor.ports");
        List<PortRule> tls = rules(root.path("tls"), source + "/catalog.yaml: tls");
        Set<Ip> relays = new HashSet<>();
        String relayFile = root.path("tor").path("relays").asText("");
        if (!relayFile.isBlank()) relays.addAll(readRelays(opener, relayFile, source));
        return new Catalog(version, source, services, aliases, asnOrgs, vpn, tor, tls, relays);
    }

    private static Service service(JsonNode n, String where, Map<Long, String> asnOrgs) {
        String id = n.path("id").asText("").trim();
        if (id.isEmpty()) throw new IllegalArgumentException(where + ": a service without an 'id'");
        String at = where + ": service " + id;
        if (!id.matches("[a-z0-9][a-z0-9-]*")) throw new IllegalArgumentException(at + ": id must be lower-case letters, digits and '-'");
        String name = n.path("name").asText("").trim();
        if (name.isEmpty()) throw new IllegalArgumentException(at + ": missing 'name'");
        String company = n.path("company").asText(name).trim();
        Category category;
        try {
            category = Category.fromId(n.path("category").asText(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + ": " + e.getMessage());
        }
        String country = n.hasNonNull("country") ? n.get("country").asText().trim().toUpperCase(Locale.ROOT) : null;
        if (country != null && !country.matches("[A-Z]{2}")) {
            throw new IllegalArgumentException(at + ": country must be an ISO 3166 alpha-2 code, got '" + country + "'");
        }
        List<String> domains = new ArrayList<>();
        for (JsonNode d : n.path("domains")) domains.add(domain(d.asText(), at));
        List<Long> asns = new ArrayList<>();
        JsonNode an = n.path("asns");
        if (an.isObject()) {
            // asn: org name as the ASN data spells it, so a check can catch a mistyped number
            an.fields().forEachRemaining(e -> {
                long a = asn(e.getKey(), at);
                asns.add(a);
                if (!e.getValue().isNull() && !e.getValue().asText().isBlank()) asnOrgs.put(a, e.getValue().asText());
            });
        } else {
            for (JsonNode a : an) asns.add(asn(a.asText(), at));
        }
        return new Service(id, name, company, category, country, domains, asns, rules(n.path("ports"), at));
    }

    private static String domain(String raw, String at) {
        String d = raw.trim().toLowerCase(Locale.ROOT);
        if (d.startsWith("*.")) d = d.substring(2);
        if (d.startsWith(".")) d = d.substring(1);
        if (d.endsWith(".")) d = d.substring(0, d.length() - 1);
        if (!DOMAIN.matcher(d).matches()) throw new IllegalArgumentException(at + ": bad domain '" + raw + "'");
        return d;
    }

    private static long asn(String raw, String at) {
        String t = raw.trim().toUpperCase(Locale.ROOT);
        if (t.startsWith("AS")) t = t.substring(2);
        try {
            long a = Long.parseLong(t);
            if (a <= 0 || a > 0xffff_ffffL) throw new NumberFormatException();
            return a;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(at + ": bad ASN '" + raw + "'");
        }
    }

    private static List<PortRule> rules(JsonNode arr, String at) {
        List<PortRule> out = new ArrayList<>();
        for (JsonNode r : arr) {
            try {
                out.addAll(List.of(PortRule.parse(r.asText())));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static List<Ip> readRelays(Opener opener, String name, String source) throws IOException {
        List<Ip> out = new ArrayList<>();
        try (InputStream in = opener.open(name)) {
            if (in == null) throw new IOException(source + ": missing Tor relay file " + name);
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            int line = 0;
            for (String s; (s = r.readLine()) != null; ) {
                line++;
                int hash = s.indexOf('#');
                String t = (hash >= 0 ? s.substring(0, hash) : s).trim();
                if (t.isEmpty()) continue;
                try {
                    out.add(Ip.parse(t));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(source + "/" + name + ":" + line + ": " + e.getMessage());
                }
            }
        }
        return out;
    }

    /** The same catalogue with a different Tor relay set (e.g. from a consensus or exit list). */
    public Catalog withTorRelays(Collection<Ip> relays) {
        return new Catalog(version, source, services, aliases, asnOrgs, vpnProtocols, torPorts, tlsPorts, new HashSet<>(relays));
    }

    // ---- lookups ----

    public String version() {
        return version;
    }

    /** Where the catalogue came from: "built-in catalogue" or the directory. */
    public String source() {
        return source;
    }

    public List<Service> services() {
        return services;
    }

    /** The service with this id or one of its aliases (e.g. vpn-pia), or null. */
    public Service byId(String id) {
        Service s = byId.get(id);
        if (s == null && id != null) {
            String real = aliases.get(id);
            if (real != null) s = byId.get(real);
        }
        return s;
    }

    /**
     * The service whose domain is the longest suffix of {@code hostname} on a label boundary
     * (youku.com matches v.youku.com, not notyouku.com); case-insensitive, a trailing dot and a
     * ":port" are ignored. Null when none. Allocates nothing.
     */
    public Service byName(String hostname) {
        return hostname == null ? null : names.longestSuffix(hostname);
    }

    public Service byAsn(long asn) {
        return byAsn.get(asn);
    }

    /** The service owning a TCP/UDP port by the catalogue's port rules (BitTorrent...), or null. */
    public Service byPort(int protocol, int port) {
        int t = table(protocol);
        return t < 0 || port < 0 || port > 65535 ? null : portService[t][port];
    }

    /** The VPN protocol recognised from the IP protocol or the server port, or null. */
    public VpnProtocol vpnProtocol(int protocol, int port) {
        if (protocol >= 0 && protocol < 256 && ipProtoVpn[protocol] != null) return ipProtoVpn[protocol];
        int t = table(protocol);
        return t < 0 || port < 0 || port > 65535 ? null : portVpn[t][port];
    }

    public boolean isVpnProtocol(int protocol, int port) {
        return vpnProtocol(protocol, port) != null;
    }

    public boolean isTorPort(int protocol, int port) {
        if (protocol >= 0 && protocol < 256 && ipProtoTor[protocol]) return true;
        return flag(protocol, port, F_TOR);
    }

    public boolean isTlsPort(int protocol, int port) {
        return flag(protocol, port, F_TLS);
    }

    /** True for a port the catalogue knows: a service, VPN, Tor or TLS port. Used to tell servers from clients. */
    public boolean isServicePort(int protocol, int port) {
        return flag(protocol, port, (byte) (F_SERVICE | F_VPN | F_TOR | F_TLS));
    }

    private boolean flag(int protocol, int port, byte f) {
        int t = table(protocol);
        return t >= 0 && port >= 0 && port <= 65535 && (portFlags[t][port] & f) != 0;
    }

    public boolean isTorRelay(Ip ip) {
        return !torRelays.isEmpty() && torRelays.contains(ip);
    }

    /** Whether a listed IPv4 relay lies in the /24 {@code block} (an address shifted right by 8). */
    public boolean hasTorRelayInV4Block(int block) {
        return !torRelayV4Blocks.isEmpty() && torRelayV4Blocks.contains(block);
    }

    public Set<Ip> torRelays() {
        return torRelays;
    }

    public boolean isHostingAsn(long asn) {
        Service s = byAsn.get(asn);
        return s != null && s.isHosting();
    }

    public boolean isVpnProviderAsn(long asn) {
        Service s = byAsn.get(asn);
        return s != null && s.isVpn();
    }

    /** The organisation name the catalogue expects the ASN data to give for each listed ASN. */
    public Map<Long, String> asnOrgs() {
        return asnOrgs;
    }

    public List<VpnProtocol> vpnProtocols() {
        return vpnProtocols;
    }

    public List<PortRule> torPorts() {
        return torPorts;
    }

    public List<PortRule> tlsPorts() {
        return tlsPorts;
    }

    /** This catalogue as a findings.json reference data set. */
    public ReferenceDataset describe() {
        return new ReferenceDataset("catalog", source, "keyhole service catalogue", version,
                "Apache-2.0 (Keyhole); facts compiled from public sources listed in docs/catalog.md");
    }

    /**
     * Domain -> service, open addressing over hashes of the reversed name, so a lookup walks the
     * host name once from the right and probes at each label boundary without building substrings.
     */
    static final class NameTable {
        private final String[] keys;
        private final int[] hashes;
        private final Service[] values;
        private final int mask;

        NameTable(Map<String, Service> domains) {
            int cap = Integer.highestOneBit(Math.max(4, domains.size() * 3)) << 1;
            keys = new String[cap];
            hashes = new int[cap];
            values = new Service[cap];
            mask = cap - 1;
            domains.forEach((d, s) -> {
                int h = 0;
                for (int i = d.length() - 1; i >= 0; i--) h = h * 31 + d.charAt(i);
                int slot = spread(h) & mask;
                while (keys[slot] != null) slot = (slot + 1) & mask;
                keys[slot] = d;
                hashes[slot] = h;
                values[slot] = s;
            });
        }

        private static int spread(int h) {
            return h ^ (h >>> 16) * 0x45d9f3b;
        }

        Service longestSuffix(String name) {
            int end = name.length();
            int colon = name.indexOf(':');
            // A Host header may carry ":port"; an IPv6 literal has several colons and matches nothing anyway
            if (colon >= 0 && name.indexOf(':', colon + 1) < 0) end = colon;
            if (end > 0 && name.charAt(end - 1) == '.') end--;
            Service best = null;
            int h = 0;
            for (int i = end - 1; i >= 0; i--) {
                char c = name.charAt(i);
                if (c >= 'A' && c <= 'Z') c += 32;
                h = h * 31 + c;
                if (i == 0 || name.charAt(i - 1) == '.') {
                    Service s = find(h, name, i, end);
                    if (s != null) best = s;
                }
            }
            return best;
        }

        private Service find(int h, String name, int from, int to) {
            int slot = spread(h) & mask;
            for (String k; (k = keys[slot]) != null; slot = (slot + 1) & mask) {
                if (hashes[slot] == h && k.length() == to - from && sameLower(k, name, from)) return values[slot];
            }
            return null;
        }

        private static boolean sameLower(String key, String name, int from) {
            for (int i = 0; i < key.length(); i++) {
                char c = name.charAt(from + i);
                if (c >= 'A' && c <= 'Z') c += 32;
                if (c != key.charAt(i)) return false;
            }
            return true;
        }
    }
}
