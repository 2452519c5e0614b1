package dev.keyhole.simulate;

import dev.keyhole.enrichment.Category;
import dev.keyhole.simulate.WorldSpec.EndpointSpec;
import dev.keyhole.simulate.WorldSpec.ObfuscationMonth;
import dev.keyhole.simulate.WorldSpec.PoolSpec;
import dev.keyhole.simulate.WorldSpec.ServiceSpec;
import dev.keyhole.simulate.WorldSpec.Shape;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A world ready to generate traffic: services with their server addresses and DNS names, the
 * population, the calendar of the window, and the schedules of activity mix and obfuscation.
 * Everything random here is drawn from the seed, so one seed gives one world.
 */
final class World {
    static final int APP_NONE = 0, APP_HTTP = 1, APP_TLS = 2, APP_SSH = 3;

    /** One way of talking to a service. */
    static final class Ep {
        int domain = -1;
        int portLo, portHi;
        int proto;
        int app;
        ShapeM shape;
        UriTemplate uri;
        String mime;
        int uaKind;
        boolean noSni;
        int[] seeds = new int[0];
    }

    /** A catalogued service or another kind of activity. */
    static final class Svc {
        int index;
        String id;
        Category category;
        boolean catalogued;
        boolean entertainment;
        int platforms;
        long fromDay = Long.MIN_VALUE;
        boolean minersOnly;
        Ep[] endpoints;
        double[] endpointCum;
        int[] servers = new int[0];
        /** Shared peer addresses (BitTorrent, coins) when the service has no servers of its own. */
        int[] pool;
        List<Long> asns = List.of();
    }

    record ShapeM(int proto, double reqMedian, double reqSigma, double respMedian, double respSigma, double durMedianUs,
                  double durSigma, int segClient, int segServer, double fail) {}

    record Site(String host, int addr) {}

    record VpnProtocol(String name, int port, int proto, ShapeM shape, long fromDay) {}

    record ObfRates(double share, double vpn, double vps, double tls, double tor) {}

    final WorldSpec spec;
    final long seed;
    final ZoneId zone;
    final LocalDate from, to;
    final int days;
    final Svc[] services;
    private final Map<String, Integer> serviceIndex = new LinkedHashMap<>();
    final Map<String, ShapeM> shapes = new LinkedHashMap<>();

    final List<String> domains = new ArrayList<>();
    private final Map<String, Integer> domainIndex = new LinkedHashMap<>();
    /** Addresses a domain can resolve to (a slice of its service's servers). */
    final List<int[]> domainAddrs = new ArrayList<>();
    final List<Integer> domainService = new ArrayList<>();
    /** "leaf,intermediate" SHA-256 certificate fingerprints per domain, as Zeek's cert_chain_fps. */
    final List<String> domainCerts = new ArrayList<>();

    final long[][] targetRanges;
    final int[] nat;
    final double[] natWeights;
    final int[] resolvers;
    final Site[] sites;
    private final List<long[]> ownRanges = new ArrayList<>();
    private final Set<Integer> targetUsed = new HashSet<>();

    final Map<String, int[]> pools = new LinkedHashMap<>();
    final int[] hostingPool, relayPool, unidentifiedPool, residentialPool, scannerPool;

    final String[] vpnProviderIds;
    final double[] vpnProviderWeights;
    final int[][] vpnServers;
    final int[][] vpnServerDomain;
    final VpnProtocol[] vpnProtocols;
    final double[] vpnProtocolWeights;
    final double vpsSshShare, tlsSniShare, torDirShare;
    final int torOrPort, torDirPort;
    final int webOther;

    final long[] anchorDays;
    final double[][] mixWeights;      // [service][anchor]
    private final ObfRates[] obfByMonth;
    private final int firstMonth;

    final Calendar calendar;
    final Population population;
    final String addressSource;
    final String catalogSource;
    final List<String> catalogWarnings = new ArrayList<>();
    /** Ports a client must not use as its source port (see Simulator.port). */
    final boolean[] avoidPort = new boolean[65536];

    World(WorldSpec spec, long seed, LocalDate from, LocalDate to, AsnRanges ranges, CatalogView catalog) {
        this.spec = spec;
        this.seed = seed;
        this.zone = ZoneId.of(spec.timezone());
        this.from = from;
        this.to = to;
        if (to.isBefore(from)) throw new IllegalArgumentException("--to " + to + " is before --from " + from);
        this.days = (int) (to.toEpochDay() - from.toEpochDay() + 1);
        this.addressSource = ranges.source();
        this.catalogSource = catalog.source();
        AddressBook book = new AddressBook(ranges);
        SplittableRandom r = Rand.stream(seed, "world");

        // The target side.
        targetRanges = spec.target().ranges().stream().map(AddressBook::cidr).toArray(long[][]::new);
        for (String c : spec.target().ownRanges()) ownRanges.add(AddressBook.cidr(c));
        resolvers = spec.target().resolvers().stream().mapToInt(AddressBook::parse).toArray();
        nat = spec.target().nat().stream().mapToInt(n -> AddressBook.parse(n.addr())).toArray();
        natWeights = spec.target().nat().stream().mapToDouble(WorldSpec.Nat::weight).toArray();
        sites = spec.target().sites().stream().map(s -> new Site(s.host(), AddressBook.parse(s.addr())))
                .toArray(Site[]::new);
        for (int a : resolvers) targetUsed.add(a);
        for (int a : nat) targetUsed.add(a);
        for (Site s : sites) targetUsed.add(s.addr());
        for (int a : resolvers) checkTarget(a, "resolver");
        for (int a : nat) checkTarget(a, "NAT address");
        for (Site s : sites) checkTarget(s.addr(), "site " + s.host());

        spec.shapes().forEach((k, v) -> shapes.put(k, shape(k, v)));

        // Shared pools first, so their addresses are never handed to a service.
        for (Map.Entry<String, PoolSpec> e : spec.pools().entrySet()) {
            pools.put(e.getKey(), book.pick(e.getValue().asns(), e.getValue().size(), r, "pool " + e.getKey()));
        }
        hostingPool = pool("hosting");
        relayPool = pool("relay");
        unidentifiedPool = pool("unidentified");
        residentialPool = pool("residential");
        scannerPool = pool("scanners");

        // Services, then other activities.
        List<Svc> svcs = new ArrayList<>();
        for (Map.Entry<String, ServiceSpec> e : spec.services().entrySet()) {
            svcs.add(service(e.getKey(), e.getValue(), true, svcs.size(), book, r, catalog));
        }
        for (Map.Entry<String, ServiceSpec> e : spec.activities().entrySet()) {
            svcs.add(service(e.getKey(), e.getValue(), false, svcs.size(), book, r, catalog));
        }
        services = svcs.toArray(new Svc[0]);
        for (Svc s : services) serviceIndex.put(s.id, s.index);
        webOther = serviceIndex("web-other");
        if (webOther < 0) throw new IllegalArgumentException("world needs a 'web-other' activity");

        // VPN providers and protocols.
        WorldSpec.Vpn vpn = spec.obfuscation().vpn();
        vpnProviderIds = vpn.providers().stream().map(WorldSpec.VpnProvider::id).toArray(String[]::new);
        vpnProviderWeights = vpn.providers().stream().mapToDouble(WorldSpec.VpnProvider::weight).toArray();
        vpnServers = new int[vpnProviderIds.length][];
        vpnServerDomain = new int[vpnProviderIds.length][];
        for (int i = 0; i < vpnProviderIds.length; i++) {
            WorldSpec.VpnProvider p = vpn.providers().get(i);
            vpnServers[i] = book.pick(p.asns(), 12, r, p.id());
            vpnServerDomain[i] = new int[vpnServers[i].length];
            UriTemplate names = UriTemplate.compile(p.names());
            for (int k = 0; k < vpnServers[i].length; k++) {
                String name = names.render(r);
                while (domainIndex.containsKey(name)) name = names.render(r);
                vpnServerDomain[i][k] = addDomain(name, -1, new int[] {vpnServers[i][k]});
            }
        }
        vpnProtocols = vpn.protocols().stream().map(p -> new VpnProtocol(p.name(), p.port(),
                "udp".equals(p.proto()) ? 17 : 6, shapeNamed(p.shape()),
                p.from() == null ? Long.MIN_VALUE : LocalDate.parse(p.from()).toEpochDay())).toArray(VpnProtocol[]::new);
        vpnProtocolWeights = vpn.protocols().stream().mapToDouble(WorldSpec.VpnProtocol::weight).toArray();
        vpsSshShare = spec.obfuscation().vps().ssh();
        tlsSniShare = spec.obfuscation().tls().sniShare();
        torOrPort = spec.obfuscation().tor().orPort();
        torDirPort = spec.obfuscation().tor().dirPort();
        torDirShare = spec.obfuscation().tor().dirShare();

        // Activity mix schedule.
        anchorDays = spec.mix().anchors().stream().mapToLong(a -> LocalDate.parse(a).toEpochDay()).toArray();
        mixWeights = new double[services.length][];
        for (Svc s : services) mixWeights[s.index] = new double[anchorDays.length];
        spec.mix().weights().forEach((id, w) -> {
            int i = serviceIndex(id);
            if (i < 0) throw new IllegalArgumentException("mix names unknown service '" + id + "'");
            if (w.length != anchorDays.length) {
                throw new IllegalArgumentException("mix weights of '" + id + "' need " + anchorDays.length + " values");
            }
            mixWeights[i] = w.clone();
        });

        // Obfuscation schedule per local month of the window.
        firstMonth = monthKey(YearMonth.from(from));
        int months = monthKey(YearMonth.from(to)) - firstMonth + 1;
        obfByMonth = new ObfRates[months];
        for (int m = 0; m < months; m++) {
            int key = firstMonth + m;
            ObfuscationMonth best = null;
            for (ObfuscationMonth om : spec.obfuscationSchedule()) {
                if (monthKey(YearMonth.parse(om.month())) <= key) best = om;
            }
            if (best == null) best = spec.obfuscationSchedule().get(0);
            double sum = best.vpn() + best.vps() + best.tls() + best.tor();
            obfByMonth[m] = new ObfRates(best.share(), best.vpn() / sum, best.vps() / sum, best.tls() / sum,
                    best.tor() / sum);
        }

        for (int p = 0; p < 65536; p++) {
            avoidPort[p] = p < 1024 || catalog.servicePort(6, p) || catalog.servicePort(17, p);
        }
        for (Svc s : services) for (Ep e : s.endpoints) for (int p = e.portLo; p <= e.portHi; p++) avoidPort[p] = true;
        for (VpnProtocol p : vpnProtocols) avoidPort[p.port()] = true;
        avoidPort[torOrPort] = true;
        avoidPort[torDirPort] = true;
        calendar = new Calendar(this, spec.calendar(), Rand.stream(seed, "calendar"));
        population = new Population(this, spec.population(), Rand.stream(seed, "population"));
    }

    private int[] pool(String name) {
        int[] p = pools.get(name);
        if (p == null) throw new IllegalArgumentException("world needs a '" + name + "' address pool");
        return p;
    }

    private void checkTarget(int a, String what) {
        if (!inTarget(a)) throw new IllegalArgumentException(what + " " + AddressBook.format(a) + " is outside the target ranges");
    }

    boolean inTarget(int a) {
        long v = a & 0xffff_ffffL;
        for (long[] r : targetRanges) if (v >= r[0] && v <= r[1]) return true;
        return false;
    }

    /** A fresh address for a user or machine with its own public address. */
    int ownAddress(SplittableRandom r) {
        for (int attempt = 0; attempt < 10_000; attempt++) {
            long[] range = ownRanges.get(r.nextInt(ownRanges.size()));
            long v = range[0] + r.nextLong(range[1] - range[0] + 1);
            int last = (int) (v & 0xff);
            if (last < 2 || last == 255) continue;
            if (targetUsed.add((int) v)) return (int) v;
        }
        throw new IllegalStateException("target ranges are full");
    }

    /** A random address inside the target ranges (what scanners hit). */
    int randomTargetAddress(SplittableRandom r) {
        long[] range = targetRanges[r.nextInt(targetRanges.length)];
        return (int) (range[0] + r.nextLong(range[1] - range[0] + 1));
    }

    int serviceIndex(String id) {
        Integer i = serviceIndex.get(id);
        return i == null ? -1 : i;
    }

    ShapeM shapeNamed(String name) {
        ShapeM s = shapes.get(name);
        if (s == null) throw new IllegalArgumentException("unknown shape '" + name + "'");
        return s;
    }

    private static ShapeM shape(String name, Shape s) {
        int proto = "udp".equals(s.proto()) ? 17 : 6;
        double[] seg = s.seg() != null ? s.seg() : new double[] {200, 400};
        if (s.req() == null || s.resp() == null || s.dur() == null) {
            throw new IllegalArgumentException("shape '" + name + "' needs req, resp and dur");
        }
        return new ShapeM(proto, s.req()[0], s.req()[1], s.resp()[0], s.resp()[1], s.dur()[0] * 1000, s.dur()[1],
                (int) seg[0], (int) seg[1], s.fail());
    }

    private Svc service(String id, ServiceSpec s, boolean catalogued, int index, AddressBook book, SplittableRandom r,
                        CatalogView catalog) {
        Svc v = new Svc();
        v.index = index;
        v.id = id;
        v.catalogued = catalogued;
        String cat = catalogued ? catalog.category(id) : null;
        if (catalogued && cat == null && catalog != CatalogView.NONE) {
            catalogWarnings.add("service '" + id + "' is not in the catalogue; its traffic will look unidentified");
        }
        v.category = Category.fromId(cat != null ? cat : s.category());
        v.entertainment = v.category == Category.GAMING || v.category == Category.STREAMING || v.category == Category.P2P;
        v.platforms = 0;
        if (s.platforms() == null) v.platforms = 0xf;
        else for (String f : s.platforms()) v.platforms |= 1 << Population.family(f);
        if (s.from() != null) v.fromDay = LocalDate.parse(s.from()).toEpochDay();
        v.minersOnly = "miners".equals(s.hosts());
        List<Long> asns = s.asns();
        if (catalogued) {
            List<Long> fromCatalog = catalog.asns(id);
            if (!fromCatalog.isEmpty()) {
                List<Long> both = new ArrayList<>();
                if (asns != null) for (Long a : asns) if (fromCatalog.contains(a)) both.add(a);
                // Where the world and the catalogue agree, use only those networks, so unnamed traffic
                // still maps to the service; otherwise the world's (CDN-hosted services, say) stand.
                if (!both.isEmpty()) asns = both;
            }
        }
        if (s.servers() != null) {
            List<Long> source = asns != null ? asns : spec.pools().get(s.pool()).asns();
            v.asns = source;
            v.servers = book.pick(source, s.servers(), r, id);
        } else if (s.pool() != null) {
            v.pool = pool(s.pool());
            v.asns = spec.pools().get(s.pool()).asns();
        } else {
            throw new IllegalArgumentException("service '" + id + "' needs servers or a pool");
        }
        int[] addrs = v.servers.length > 0 ? v.servers : v.pool;
        List<Ep> eps = new ArrayList<>();
        int hostNo = 0;
        for (EndpointSpec e : s.endpoints()) {
            Ep ep = new Ep();
            ep.shape = shapeNamed(e.shape());
            ep.proto = e.proto() != null ? ("udp".equals(e.proto()) ? 17 : 6) : ep.shape.proto();
            if (e.ports() != null) {
                ep.portLo = e.ports()[0];
                ep.portHi = e.ports()[1];
            } else if (e.port() != null) {
                ep.portLo = ep.portHi = e.port();
            } else {
                throw new IllegalArgumentException("endpoint of '" + id + "' needs port or ports");
            }
            ep.app = e.app() != null ? app(e.app()) : ep.proto == 6 && ep.portLo == 80 ? APP_HTTP
                    : ep.proto == 6 && (ep.portLo == 443 || ep.portLo == 993) ? APP_TLS : APP_NONE;
            ep.noSni = Boolean.TRUE.equals(e.nosni());
            if (e.host() != null) {
                if (catalogued && catalog != CatalogView.NONE) {
                    String owner = catalog.serviceOfHost(e.host());
                    if (!id.equals(owner)) {
                        catalogWarnings.add("host " + e.host() + " of '" + id + "' is named '" + owner + "' by the catalogue");
                    }
                }
                // Each host gets a few of the service's addresses, overlapping like CDN names do.
                int n = Math.min(addrs.length, 4);
                int[] cand = new int[n];
                for (int k = 0; k < n; k++) cand[k] = addrs[(hostNo * 3 + k) % addrs.length];
                ep.domain = addDomain(e.host(), index, cand);
                hostNo++;
            }
            if (e.seeds() != null) {
                ep.seeds = e.seeds().stream().mapToInt(h -> addDomain(h, index, new int[0])).toArray();
            }
            if (e.uri() != null) ep.uri = UriTemplate.compile(e.uri());
            else if (ep.app == APP_HTTP) ep.uri = UriTemplate.compile("/");
            ep.mime = e.mime() != null ? e.mime() : "text/html";
            ep.uaKind = e.ua() == null ? Population.UA_BROWSER : uaKind(e.ua());
            eps.add(ep);
        }
        v.endpoints = eps.toArray(new Ep[0]);
        v.endpointCum = Rand.cumulative(s.endpoints().stream().mapToDouble(EndpointSpec::w).toArray());
        return v;
    }

    private static int app(String a) {
        return switch (a) {
            case "http" -> APP_HTTP;
            case "tls" -> APP_TLS;
            case "ssh" -> APP_SSH;
            case "none" -> APP_NONE;
            default -> throw new IllegalArgumentException("unknown app '" + a + "'");
        };
    }

    private static int uaKind(String k) {
        for (int i = 0; i < Population.UA_NAMES.length; i++) if (Population.UA_NAMES[i].equals(k)) return i;
        throw new IllegalArgumentException("unknown user-agent kind '" + k + "'");
    }

    /** Registers a DNS name; a name may appear in one service only. */
    int addDomain(String name, int service, int[] addrs) {
        Integer existing = domainIndex.get(name);
        if (existing != null) {
            if (domainService.get(existing) != service) {
                throw new IllegalArgumentException("host " + name + " appears in two services");
            }
            return existing;
        }
        int i = domains.size();
        domains.add(name);
        domainIndex.put(name, i);
        domainAddrs.add(addrs);
        domainService.add(service);
        domainCerts.add(sha256(name + "|leaf") + "," + sha256(name.substring(name.indexOf('.') + 1) + "|ca"));
        return i;
    }

    private static String sha256(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder(64);
            for (byte b : d) sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static int monthKey(YearMonth m) {
        return m.getYear() * 12 + m.getMonthValue() - 1;
    }

    ObfRates obfuscation(int monthKey) {
        int i = Math.max(0, Math.min(obfByMonth.length - 1, monthKey - firstMonth));
        return obfByMonth[i];
    }

    /** Plain-activity weights of every service on a local day (before hour-of-day modulation). */
    void baseWeights(long epochDay, double[] out) {
        int a = 0;
        while (a + 1 < anchorDays.length && anchorDays[a + 1] <= epochDay) a++;
        double t;
        int b;
        if (epochDay <= anchorDays[0]) {
            a = 0;
            b = 0;
            t = 0;
        } else if (a + 1 >= anchorDays.length) {
            b = a;
            t = 0;
        } else {
            b = a + 1;
            t = (double) (epochDay - anchorDays[a]) / (anchorDays[b] - anchorDays[a]);
        }
        for (Svc s : services) {
            double[] w = mixWeights[s.index];
            out[s.index] = epochDay < s.fromDay ? 0 : w[a] + (w[b] - w[a]) * t;
        }
    }

    /** 0 before the 2017 to 2018 rhythm shift starts, 1 after it ends, linear between. */
    double shiftPhase(long epochDay) {
        long a = LocalDate.parse(spec.rhythm().shiftFrom()).toEpochDay();
        long b = LocalDate.parse(spec.rhythm().shiftTo()).toEpochDay();
        if (epochDay <= a) return 0;
        if (epochDay >= b) return 1;
        return (double) (epochDay - a) / (b - a);
    }

    static boolean weekend(LocalDate d) {
        return d.getDayOfWeek() == DayOfWeek.SATURDAY || d.getDayOfWeek() == DayOfWeek.SUNDAY;
    }
}
