package dev.keyhole.enrichment;

import dev.keyhole.enrichment.catalog.Catalog;
import dev.keyhole.enrichment.catalog.Service;
import dev.keyhole.enrichment.scope.TargetScope;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.NameSource;
import dev.keyhole.refdata.AsnInfo;
import dev.keyhole.refdata.AsnLookup;
import dev.keyhole.refdata.GeoLocation;
import dev.keyhole.refdata.GeoLookup;

/**
 * Turns a flow into an {@link EnrichedFlow}: which end is the server, which end is the target's,
 * what the remote end is (country, ASN), which service it was, from which origin group, and how
 * hidden it was. The rules and their reasons are in docs/enrichment.md.
 *
 * <p>One instance per worker thread: it keeps small caches (per remote address and per host name)
 * and is not thread-safe. The scope, lookups and catalogue it is built from are shared and
 * immutable. Apart from the returned record, a cache hit allocates nothing.
 */
public final class Enricher {
    /** Service id when neither name, ASN nor port identified anything. */
    public static final String UNKNOWN_SERVICE = "unknown";

    private static final int SCTP = 132;
    private static final int PROBES = 4;

    private final TargetScope scope;
    private final GeoLookup geo;
    private final AsnLookup asn;
    private final Catalog catalog;

    // Per-remote cache: open addressing on the address' two longs, bounded, overwrite when full
    private final Remote[] remotes;
    private final int remoteMask;
    // Host name -> service, direct-mapped on String.hashCode; NO_SERVICE caches misses
    private final String[] nameKeys;
    private final Service[] nameValues;
    private final int nameMask;
    private static final Service NO_SERVICE = new Service("-", "-", "-", Category.OTHER, null,
            java.util.List.of(), java.util.List.of());

    private long remoteMisses;
    private long nameMisses;

    /** What enrichment knows about one remote address; built once per address and cached. */
    private static final class Remote {
        final long hi, lo;
        final String country, city;
        final long asn;
        final String org;
        final Service asnService;
        final boolean hosting, vpnProvider, torRelay;
        final String fallbackId;

        Remote(Ip ip, GeoLocation g, AsnInfo a, Service asnService, boolean torRelay) {
            this.hi = ip.hi();
            this.lo = ip.lo();
            this.country = g == null ? null : g.country();
            this.city = g == null ? null : g.city();
            this.asn = a == null ? 0 : a.asn();
            this.org = a == null ? null : a.org();
            this.asnService = asnService;
            this.hosting = asnService != null && asnService.isHosting();
            this.vpnProvider = asnService != null && asnService.isVpn();
            this.torRelay = torRelay;
            this.fallbackId = a == null ? UNKNOWN_SERVICE : "as:" + a.asn();
        }
    }

    /**
     * @param geo may be null (no geo data); remote country and city stay null
     * @param asn may be null (no ASN data); only names and ports identify services
     */
    public Enricher(TargetScope scope, GeoLookup geo, AsnLookup asn, Catalog catalog) {
        this(scope, geo, asn, catalog, 1 << 16, 1 << 14);
    }

    /** Cache sizes are rounded up to powers of two. */
    public Enricher(TargetScope scope, GeoLookup geo, AsnLookup asn, Catalog catalog, int remoteCacheSize,
                    int nameCacheSize) {
        this.scope = scope;
        this.geo = geo;
        this.asn = asn;
        this.catalog = catalog;
        int rc = Integer.highestOneBit(Math.max(16, remoteCacheSize - 1)) << 1;
        remotes = new Remote[rc];
        remoteMask = rc - 1;
        int nc = Integer.highestOneBit(Math.max(16, nameCacheSize - 1)) << 1;
        nameKeys = new String[nc];
        nameValues = new Service[nc];
        nameMask = nc - 1;
    }

    public EnrichedFlow enrich(FlowRecord f) {
        Ip src = f.src(), dst = f.dst();
        boolean srcIn = scope.contains(src), dstIn = scope.contains(dst);
        if (!srcIn && !dstIn) {
            return new EnrichedFlow(f, Direction.OUT_OF_SCOPE, false, null, null, 0, null, null, null, 0, null,
                    null, null, null, null, null, null, null);
        }
        int proto = f.protocol();
        boolean dstIsServer = dstIsServer(f, proto);
        boolean clientIn = dstIsServer ? srcIn : dstIn;
        boolean serverIn = dstIsServer ? dstIn : srcIn;
        Direction dir = clientIn ? (serverIn ? Direction.INTERNAL : Direction.OUTBOUND) : Direction.INBOUND;
        boolean inbound = dir == Direction.INBOUND;
        Ip client = dstIsServer ? src : dst, server = dstIsServer ? dst : src;
        int serverPort = dstIsServer ? f.dstPort() : f.srcPort();
        int clientPort = dstIsServer ? f.srcPort() : f.dstPort();
        Ip remoteIp = inbound ? client : server;
        Ip localIp = inbound ? server : client;
        int remotePort = inbound ? clientPort : serverPort;
        Remote r = remote(remoteIp);

        // Service: the name (if it names the remote end), then a non-hosting ASN, then port rules,
        // then a hosting/VPN ASN; ports beat hosting ASNs because "BitTorrent on a rented server"
        // says more than "a rented server".
        String name = f.serverName();
        Service svc = null;
        if (name != null && !inbound) svc = byName(name);
        if (svc == null && r.asnService != null && !r.hosting) svc = r.asnService;
        if (svc == null) svc = catalog.byPort(proto, serverPort);
        if (svc == null) svc = r.asnService;

        String serviceId, serviceName, company, serviceCountry;
        Category category;
        if (svc != null) {
            serviceId = svc.id();
            serviceName = svc.name();
            company = svc.company();
            category = svc.category();
            serviceCountry = svc.country() != null ? svc.country() : r.country;
        } else {
            serviceId = r.fallbackId;
            serviceName = r.org;
            company = r.org;
            category = Category.OTHER;
            serviceCountry = r.country;
        }

        boolean identified = svc != null && !svc.isHosting();
        Obfuscation ob;
        if (r.torRelay || catalog.isTorPort(proto, remotePort)) {
            ob = Obfuscation.TOR;
        } else if (catalog.isVpnProtocol(proto, serverPort) || r.vpnProvider || svc != null && svc.isVpn()) {
            ob = Obfuscation.VPN;
        } else if (r.hosting && !identified) {
            ob = Obfuscation.VPS;
        } else if (!identified && (catalog.isTlsPort(proto, serverPort) || f.nameSource() == NameSource.SNI)) {
            ob = Obfuscation.TLS;
        } else {
            ob = Obfuscation.PLAIN;
        }

        return new EnrichedFlow(f, dir, f.biflow() || dstIsServer, localIp, remoteIp, serverPort, name,
                r.country, r.city, r.asn, r.org, serviceId, serviceName, company, category, serviceCountry,
                Origin.ofCountry(serviceCountry), ob);
    }

    /**
     * Biflows say src is the originator. Otherwise the server is the side on a well-known (1-1023)
     * or catalogued port when only one side is, else the lower port, dst on a tie or without ports.
     */
    private boolean dstIsServer(FlowRecord f, int proto) {
        if (f.biflow()) return true;
        if (proto != FlowRecord.TCP && proto != FlowRecord.UDP && proto != SCTP) return true;
        int sp = f.srcPort(), dp = f.dstPort();
        boolean s = servicePort(proto, sp), d = servicePort(proto, dp);
        if (s != d) return d;
        return dp <= sp;
    }

    private boolean servicePort(int proto, int port) {
        return port > 0 && port < 1024 || catalog.isServicePort(proto, port);
    }

    private Service byName(String name) {
        int h = name.hashCode();
        int slot = (h ^ (h >>> 16)) & nameMask;
        String k = nameKeys[slot];
        if (k != null && (k == name || k.equals(name))) {
            Service s = nameValues[slot];
            return s == NO_SERVICE ? null : s;
        }
        nameMisses++;
        Service s = catalog.byName(name);
        nameKeys[slot] = name;
        nameValues[slot] = s == null ? NO_SERVICE : s;
        return s;
    }

    private Remote remote(Ip ip) {
        long hi = ip.hi(), lo = ip.lo();
        long x = (hi * 0x9E3779B97F4A7C15L) ^ lo;
        x *= 0xC2B2AE3D27D4EB4FL;
        int start = (int) (x ^ (x >>> 32)) & remoteMask;
        int slot = start;
        for (int i = 0; i < PROBES; i++, slot = (slot + 1) & remoteMask) {
            Remote r = remotes[slot];
            if (r == null) break;
            if (r.lo == lo && r.hi == hi) return r;
        }
        remoteMisses++;
        Remote r = resolve(ip);
        // Take the first empty probe slot; when all are taken, evict the home slot
        slot = start;
        for (int i = 0; i < PROBES; i++, slot = (slot + 1) & remoteMask) {
            if (remotes[slot] == null) {
                remotes[slot] = r;
                return r;
            }
        }
        remotes[start] = r;
        return r;
    }

    private Remote resolve(Ip ip) {
        GeoLocation g = geo == null ? null : geo.lookup(ip);
        AsnInfo a = asn == null ? null : asn.lookup(ip);
        Service s = a == null ? null : catalog.byAsn(a.asn());
        return new Remote(ip, g, a, s, catalog.isTorRelay(ip));
    }

    /** Remote addresses looked up in the geo/ASN data so far (cache misses). */
    public long remoteMisses() {
        return remoteMisses;
    }

    /** Host names looked up in the catalogue so far (cache misses). */
    public long nameMisses() {
        return nameMisses;
    }
}
