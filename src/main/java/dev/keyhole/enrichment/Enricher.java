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

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;

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
    /**
     * Remote cache slots per family, sized for a few hundred thousand distinct remote addresses
     * (about 13 MB per worker thread). Measured on 200k remotes: 131 072 slots cost about 30% more
     * per flow than 524 288 (docs/enrichment.md, Speed).
     */
    public static final int DEFAULT_REMOTE_CACHE = 1 << 19;
    private static final int PROBES = 8;

    private final TargetScope scope;
    private final GeoLookup geo;
    private final AsnLookup asn;
    private final Catalog catalog;

    // Per-remote cache, bounded, open addressing with a few probes, overwriting the home slot when
    // they are all taken. IPv4: one long per slot, (address << 32) | (info id + 1), 0 when empty, so
    // a hit reads one cache line of the table plus a shared Info. IPv6: entries with both halves.
    private final long[] v4Slots;
    private final int v4Mask;
    // /24 blocks whose geo network and ASN range cover the whole block: one resolve serves 256 addresses.
    /** Grown from small as blocks arrive (up to the remote cache size), so a few thousand networks stay in the CPU cache. */
    private long[] blockSlots;
    private int blockMask, blockCount;
    private final int blockMax;
    private final int[] prefix = new int[1];
    private final V6Entry[] v6Slots;
    private final int v6Mask;
    // The distinct answers (most addresses share theirs with others of the same network and city);
    // when there are maxInfos of them, all remote caches are cleared and start over
    private final Info[] infos;
    private final HashMap<Info, Integer> infoIds = new HashMap<>();
    private int infoCount;
    // Host name -> service, same scheme keyed by String.hashCode; NO_SERVICE caches misses
    private final String[] nameKeys;
    private final Service[] nameValues;
    private final int nameMask;
    private static final Service NO_SERVICE = new Service("-", "-", "-", Category.OTHER, null,
            List.of(), List.of());

    // Origin and one shared String per two-letter country code: the per-flow mapping is one array
    // read, and cached remotes point at these few hot strings instead of one copy each
    private static final Origin[] ORIGIN_BY_CC = new Origin[26 * 26];
    private static final String[] CC = new String[26 * 26];

    static {
        for (char a = 'A'; a <= 'Z'; a++) {
            for (char b = 'A'; b <= 'Z'; b++) {
                int i = (a - 'A') * 26 + (b - 'A');
                CC[i] = ("" + a + b).intern();
                ORIGIN_BY_CC[i] = Origin.ofCountry(CC[i]);
            }
        }
    }

    private long remoteMisses;
    private long nameMisses;
    private long remoteResets;

    /**
     * One "as:N" instance per AS number: analyses and the store compare service ids by identity
     * first. Bounded by the number of ASes (~120,000 allocated), so never cleared.
     */
    private static final java.util.concurrent.ConcurrentHashMap<Long, String> AS_IDS = new java.util.concurrent.ConcurrentHashMap<>();

    private static String asId(long asn) {
        // get first: computeIfAbsent, called for every new remote answer, was hot enough for C2 to
        // spend 135-313 ms compiling it in a run's first seconds (JFR), when the workers need the core.
        String id = AS_IDS.get(asn);
        return id != null ? id : AS_IDS.computeIfAbsent(asn, k -> "as:" + k);
    }

    /** What enrichment knows about a remote address, shared by all addresses with the same answers. */
    static final class Info {
        final String country, city;
        final Origin origin;
        final long asn;
        final String org;
        final Service asnService;
        final boolean hosting, vpnProvider, torRelay;
        final String fallbackId;
        private final int hash;
        /** The attribution when no service is identified. */
        private final Attribution unidentified;
        /**
         * Attributions with a service, as {service, attribution, ...}: a few per remote answer. Copied
         * on write, as Infos are shared between workers; a racing write may lose an entry, which
         * only makes a later flow build an equal Attribution again.
         */
        private volatile Object[] byService = new Object[0];
        /**
         * At most this many services per answer (a CDN's can see many, by name); past it the oldest
         * entry makes room, so a busy service seen late is still shared.
         */
        static final int MAX_SERVICES = 64;

        Info(GeoLocation g, AsnInfo a, Service asnService, boolean torRelay) {
            this.country = g == null ? null : canonicalCountry(g.country());
            this.origin = origin(country);
            this.city = g == null ? null : g.city();
            this.asn = a == null ? 0 : a.asn();
            this.org = a == null ? null : a.org();
            this.asnService = asnService;
            this.hosting = asnService != null && asnService.isHosting();
            this.vpnProvider = asnService != null && asnService.isVpn();
            this.torRelay = torRelay;
            this.fallbackId = a == null ? UNKNOWN_SERVICE : asId(a.asn());
            this.hash = Objects.hash(country, city, asn, org, torRelay);
            this.unidentified = new Attribution(country, city, asn, org, fallbackId, org, org, Category.OTHER, country,
                    origin);
        }

        /** The attribution of a flow to this remote answer and {@code svc} (null: none identified). */
        Attribution attribution(Service svc) {
            if (svc == null) return unidentified;
            Object[] known = byService;
            for (int i = 0; i < known.length; i += 2) if (known[i] == svc) return (Attribution) known[i + 1];
            // The service's own country, when the catalogue names one, else the remote end's.
            String cc = svc.country();
            Attribution a = new Attribution(country, city, asn, org, svc.id(), svc.name(), svc.company(), svc.category(),
                    cc != null ? cc : country, cc != null ? origin(cc) : origin);
            int keep = Math.min(known.length, 2 * MAX_SERVICES - 2);
            Object[] more = new Object[keep + 2];
            System.arraycopy(known, known.length - keep, more, 0, keep);
            more[keep] = svc;
            more[keep + 1] = a;
            byService = more;
            return a;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Info i && i.asn == asn && i.torRelay == torRelay && i.asnService == asnService
                    && Objects.equals(i.country, country) && Objects.equals(i.city, city) && Objects.equals(i.org, org);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private record V6Entry(long hi, long lo, Info info) {}

    /**
     * @param geo may be null (no geo data); remote country and city stay null
     * @param asn may be null (no ASN data); only names and ports identify services
     */
    public Enricher(TargetScope scope, GeoLookup geo, AsnLookup asn, Catalog catalog) {
        this(scope, geo, asn, catalog, DEFAULT_REMOTE_CACHE, 1 << 14);
    }

    /** As above, sharing the answers for whole /24s with the other workers' enrichers of the run. */
    public Enricher(TargetScope scope, GeoLookup geo, AsnLookup asn, Catalog catalog, SharedBlocks shared) {
        this(scope, geo, asn, catalog, DEFAULT_REMOTE_CACHE, 1 << 14, shared);
    }

    /**
     * Answers for IPv4 /24s that are uniform (one geo network and one ASN range cover the block, no
     * Tor relay in it), shared by the workers of a run: each worker sees mostly the same remote
     * networks, and a geo + ASN lookup costs microseconds where this map costs tens of nanoseconds,
     * so a block is looked up once per run instead of once per worker. Bounded; thread-safe.
     */
    public static final class SharedBlocks {
        private static final int MAX = 1 << 20;
        private final java.util.concurrent.ConcurrentHashMap<Integer, Info> blocks = new java.util.concurrent.ConcurrentHashMap<>();

        Info get(int block) {
            return blocks.get(block);
        }

        void put(int block, Info info) {
            if (blocks.size() < MAX) blocks.putIfAbsent(block, info);
        }
    }

    private final SharedBlocks shared;

    /**
     * @param remoteCacheSize slots per address family (rounded up to a power of two); the number of
     *                        distinct remote answers kept is half of it
     * @param nameCacheSize   host name slots (rounded up to a power of two)
     */
    public Enricher(TargetScope scope, GeoLookup geo, AsnLookup asn, Catalog catalog, int remoteCacheSize,
                    int nameCacheSize) {
        this(scope, geo, asn, catalog, remoteCacheSize, nameCacheSize, null);
    }

    private Enricher(TargetScope scope, GeoLookup geo, AsnLookup asn, Catalog catalog, int remoteCacheSize,
                     int nameCacheSize, SharedBlocks shared) {
        this.shared = shared;
        this.scope = scope;
        this.geo = geo;
        this.asn = asn;
        this.catalog = catalog;
        int rc = pow2(remoteCacheSize);
        v4Slots = new long[rc];
        v4Mask = rc - 1;
        blockMax = rc;
        blockSlots = new long[Math.min(rc, 1 << 12)];
        blockMask = blockSlots.length - 1;
        v6Slots = new V6Entry[rc];
        v6Mask = rc - 1;
        infos = new Info[rc / 2];
        int nc = pow2(nameCacheSize);
        nameKeys = new String[nc];
        nameValues = new Service[nc];
        nameMask = nc - 1;
    }

    private static int pow2(int n) {
        return n <= 16 ? 16 : Integer.highestOneBit(n - 1) << 1;
    }

    public EnrichedFlow enrich(FlowRecord f) {
        EnrichedFlow e = reverseOfLast(f);
        if (e == null) e = enrichAnew(f);
        last = e;
        return e;
    }

    /** The previous flow's answer: a uni-directional exporter writes a conversation's two halves back to back. */
    private EnrichedFlow last;

    /**
     * When {@code f} is the other half of the last flow (same protocol with ports, addresses and
     * ports swapped, unequal ports so the server end is the same host, same name), every answer is
     * the last one's except that the opening half is the other one: no scope, cache or rule lookups.
     */
    private EnrichedFlow reverseOfLast(FlowRecord f) {
        EnrichedFlow e = last;
        if (e == null) return null;
        FlowRecord p = e.flow();
        int proto = f.protocol();
        if (proto != p.protocol() || f.srcPort() != p.dstPort() || f.dstPort() != p.srcPort()
                || f.srcPort() == f.dstPort() || f.biflow() || p.biflow()
                || proto != FlowRecord.TCP && proto != FlowRecord.UDP && proto != SCTP
                || !f.src().equals(p.dst()) || !f.dst().equals(p.src())
                || f.nameSource() != p.nameSource() || !Objects.equals(f.serverName(), p.serverName())) {
            return null;
        }
        if (!e.inScope()) return new EnrichedFlow(f, Direction.OUT_OF_SCOPE, false, null, null, 0, null, Attribution.NONE, null);
        return new EnrichedFlow(f, e.direction(), !e.conversation(), e.local(), e.remote(), e.serverPort(), e.name(),
                e.attribution(), e.obfuscation());
    }

    private EnrichedFlow enrichAnew(FlowRecord f) {
        Ip src = f.src(), dst = f.dst();
        boolean srcIn = scope.contains(src), dstIn = scope.contains(dst);
        if (!srcIn && !dstIn) {
            return new EnrichedFlow(f, Direction.OUT_OF_SCOPE, false, null, null, 0, null, Attribution.NONE, null);
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
        Info r = remote(remoteIp);

        // Service: the name (if it names the remote end), then a non-hosting ASN, then port rules,
        // then a hosting/VPN ASN; ports beat hosting ASNs because "BitTorrent on a rented server"
        // says more than "a rented server".
        String name = f.serverName();
        Service svc = null;
        if (name != null && !inbound) svc = byName(name);
        if (svc == null && r.asnService != null && !r.hosting) svc = r.asnService;
        if (svc == null) svc = catalog.byPort(proto, serverPort);
        if (svc == null) svc = r.asnService;

        Attribution attribution = r.attribution(svc);

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

        return new EnrichedFlow(f, dir, f.biflow() || dstIsServer, localIp, remoteIp, serverPort, name, attribution, ob);
    }

    private static String canonicalCountry(String cc) {
        if (cc != null && cc.length() == 2) {
            int a = cc.charAt(0) - 'A', b = cc.charAt(1) - 'A';
            if (a >= 0 && a < 26 && b >= 0 && b < 26) return CC[a * 26 + b];
        }
        return cc;
    }

    private static Origin origin(String cc) {
        if (cc != null && cc.length() == 2) {
            int a = cc.charAt(0) - 'A', b = cc.charAt(1) - 'A';
            if (a >= 0 && a < 26 && b >= 0 && b < 26) return ORIGIN_BY_CC[a * 26 + b];
        }
        return Origin.ofCountry(cc);
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
        int start = (h ^ (h >>> 16)) & nameMask;
        int slot = start;
        for (int i = 0; i < PROBES; i++, slot = (slot + 1) & nameMask) {
            String k = nameKeys[slot];
            if (k == null) break;
            if (k == name || k.hashCode() == h && k.equals(name)) {
                Service s = nameValues[slot];
                return s == NO_SERVICE ? null : s;
            }
        }
        nameMisses++;
        Service s = catalog.byName(name);
        slot = start;
        int victim = start;
        for (int i = 0; i < PROBES; i++, slot = (slot + 1) & nameMask) {
            if (nameKeys[slot] == null) {
                victim = slot;
                break;
            }
        }
        nameKeys[victim] = name;
        nameValues[victim] = s == null ? NO_SERVICE : s;
        return s;
    }

    private Info remote(Ip ip) {
        if (ip.isV4()) {
            int a = ip.v4();
            // Exporters write both halves of a conversation back to back: the same remote twice.
            if (a == lastV4 && lastV4Info != null) return lastV4Info;
            Info found = remoteV4(ip, a);
            lastV4 = a;
            lastV4Info = found;
            return found;
        }
        return remoteV6(ip);
    }

    private int lastV4;
    private Info lastV4Info;

    /**
     * The /24 table first: a target talks to far fewer networks than addresses, so its lines stay in
     * cache where a per-address probe would mostly miss it. Only addresses of /24s that are not
     * uniform (split geo networks or ASN ranges, Tor relays) use the per-address table.
     */
    private Info remoteV4(Ip ip, int a) {
        int id = blockLookup(a);
        if (id >= 0) return infos[id];
        int h = a * 0x9E3779B9;
        int start = (h ^ (h >>> 16)) & v4Mask;
        int slot = start;
        for (int i = 0; i < PROBES; i++, slot = (slot + 1) & v4Mask) {
            long e = v4Slots[slot];
            if (e == 0) break;
            if ((int) (e >>> 32) == a) return infos[(int) e - 1];
        }
        return remoteV4Miss(ip, a, start);
    }

    /**
     * Neither table knew {@code a}: the shared blocks, else the reference data. Its own method so
     * that the JIT can keep this rare path out of the per-flow probe above (the launcher tells it
     * to: early in a run, misses are frequent enough that C2 would inline all of it).
     */
    private Info remoteV4Miss(Ip ip, int a, int start) {
        remoteMisses++;
        Info known = shared == null ? null : shared.get(a >>> 8);
        if (known != null) {
            blockStore(a, intern(known));
            return known;
        }
        Info info = resolve(ip);
        int id = intern(info);
        if (!info.torRelay && prefix[0] <= 24 && !catalog.hasTorRelayInV4Block(a >>> 8)
                && (asn == null || asn.uniformV4Block(a, 24))) {
            blockStore(a, id);
            if (shared != null) shared.put(a >>> 8, info);
            return info;
        }
        long entry = ((long) a << 32) | (id + 1);
        int slot = start;
        for (int i = 0; i < PROBES; i++, slot = (slot + 1) & v4Mask) {
            if (v4Slots[slot] == 0) {
                v4Slots[slot] = entry;
                return info;
            }
        }
        v4Slots[start] = entry;
        return info;
    }

    private Info remoteV6(Ip ip) {
        long hi = ip.hi(), lo = ip.lo();
        long x = (hi * 0x9E3779B97F4A7C15L) ^ lo;
        x *= 0xC2B2AE3D27D4EB4FL;
        int start = (int) (x ^ (x >>> 32)) & v6Mask;
        int slot = start;
        for (int i = 0; i < PROBES; i++, slot = (slot + 1) & v6Mask) {
            V6Entry e = v6Slots[slot];
            if (e == null) break;
            if (e.lo == lo && e.hi == hi) return e.info;
        }
        remoteMisses++;
        V6Entry e = new V6Entry(hi, lo, infos[intern(resolve(ip))]);
        slot = start;
        for (int i = 0; i < PROBES; i++, slot = (slot + 1) & v6Mask) {
            if (v6Slots[slot] == null) {
                v6Slots[slot] = e;
                return e.info;
            }
        }
        v6Slots[start] = e;
        return e.info;
    }

    /** The id of an equal Info already known, or of this one, clearing all remote caches when full. */
    private int intern(Info info) {
        Integer id = infoIds.get(info);
        if (id != null) return id;
        if (infoCount == infos.length) {
            Arrays.fill(v4Slots, 0L);
            Arrays.fill(blockSlots, 0L);
            blockCount = 0;
            Arrays.fill(v6Slots, null);
            Arrays.fill(infos, null);
            infoIds.clear();
            infoCount = 0;
            remoteResets++;
        }
        infos[infoCount] = info;
        infoIds.put(info, infoCount);
        return infoCount++;
    }

    private static final int BLOCK_PROBES = 4;

    /** The info id cached for a's /24, or -1. Blocks holding a Tor relay are never stored (relays are per address). */
    private int blockLookup(int a) {
        int b = a >>> 8;
        int h = b * 0x9E3779B9;
        int slot = (h ^ (h >>> 16)) & blockMask;
        for (int i = 0; i < BLOCK_PROBES; i++, slot = (slot + 1) & blockMask) {
            long e = blockSlots[slot];
            if (e == 0) return -1;
            if ((int) (e >>> 32) == b) return (int) e - 1;
        }
        return -1;
    }

    private void blockStore(int a, int id) {
        if (blockCount * 2 >= blockSlots.length && blockSlots.length < blockMax) growBlocks();
        int b = a >>> 8;
        long entry = ((long) b << 32) | (id + 1);
        while (!blockPut(blockSlots, blockMask, entry, blockSlots.length == blockMax)) growBlocks();
        blockCount++;
    }

    /**
     * Puts {@code entry} in its first free probe slot; when all are taken, over the first one if
     * {@code overwrite} (the table is at its bound), else returns false (to grow first).
     */
    private static boolean blockPut(long[] slots, int mask, long entry, boolean overwrite) {
        int h = (int) (entry >>> 32) * 0x9E3779B9;
        int start = (h ^ (h >>> 16)) & mask, slot = start;
        for (int i = 0; i < BLOCK_PROBES; i++, slot = (slot + 1) & mask) {
            if (slots[slot] == 0) {
                slots[slot] = entry;
                return true;
            }
        }
        if (!overwrite) return false;
        slots[start] = entry;
        return true;
    }

    private void growBlocks() {
        long[] old = blockSlots;
        for (int len = old.length * 2; ; len *= 2) {
            // At the bound, entries whose probe run is full overwrite (as every store does there).
            long[] t = new long[len];
            boolean ok = true;
            for (int i = 0; i < old.length && ok; i++) ok = old[i] == 0 || blockPut(t, len - 1, old[i], len == blockMax);
            if (ok) {
                blockSlots = t;
                blockMask = len - 1;
                return;
            }
        }
    }

    private Info resolve(Ip ip) {
        resolves++;
        prefix[0] = 33;
        GeoLocation g = geo == null ? null : geo.lookup(ip, prefix);
        if (geo == null) prefix[0] = 0;
        AsnInfo a = asn == null ? null : asn.lookup(ip);
        Service s = a == null ? null : catalog.byAsn(a.asn());
        return new Info(g, a, s, catalog.isTorRelay(ip));
    }

    private long resolves;

    /** Remote addresses looked up in the geo/ASN data by this enricher (not answered by a cache). */
    public long resolves() {
        return resolves;
    }

    /** Remote addresses not in this enricher's own caches so far (answered by the shared blocks or looked up). */
    public long remoteMisses() {
        return remoteMisses;
    }

    /** Times the remote caches were cleared because they held too many distinct answers. */
    public long remoteResets() {
        return remoteResets;
    }

    /** Host names looked up in the catalogue so far (cache misses). */
    public long nameMisses() {
        return nameMisses;
    }
}
