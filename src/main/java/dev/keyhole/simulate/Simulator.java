package dev.keyhole.simulate;

import dev.keyhole.profile.LocalClock;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.simulate.Population.Device;
import dev.keyhole.simulate.Population.User;
import dev.keyhole.simulate.World.Ep;
import dev.keyhole.simulate.World.ShapeM;
import dev.keyhole.simulate.World.Svc;
import dev.keyhole.sources.ipfix.IpfixWriter;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Generates the demo world's telemetry: border-router IPFIX (both directions of every conversation
 * as separate uni-directional records), Zeek conn/http/ssl/dns logs of the same conversations,
 * events.csv and truth.json.
 *
 * <p>Time runs in half-hour UTC slots (every offset Pyongyang used is a multiple of 30 minutes, so a
 * slot is inside one local hour). Each slot gets its exact share of the requested record count, its
 * conversations are generated, sorted and written, and the slot is forgotten: memory depends on
 * the world (users, services, DNS caches), not on the number of flows.
 */
public final class Simulator {
    static final long SLOT_US = 30L * 60 * 1_000_000;
    /** No simulated connection outlives a typical exporter's 30-minute active timeout. */
    private static final long MAX_DUR_US = 1_790_000_000L;
    /** Devices keep DNS answers at most this long, inside the naming window of enrichment (1 h). */
    private static final long MAX_CACHE_US = 1_800_000_000L;
    /** DNS answers of CDN-like names rotate this often. */
    private static final long ROTATION_US = 7L * 86_400_000_000L;
    private static final int[] TTLS = {60, 120, 300, 600, 1800};
    /** Chance that a session goes on with one more connection (mean session: 2.5 connections). */
    private static final double SESSION_CONTINUE = 0.6;

    /**
     * @param zeek     write the Zeek logs (false: IPFIX, events and truth only, for large benchmarks)
     * @param cacheDir Keyhole's reference data cache to check addresses against; null = the default
     */
    public record Options(String profile, Path out, long flows, long seed, LocalDate from, LocalDate to,
                          boolean gzip, boolean zeek, Path cacheDir, Consumer<String> log) {}

    public record Result(long ipfixRecords, long conversations, long outbound, long inbound, long dnsLookups,
                         long[] zeekLines, long ipfixBytes, long zeekBytes, long nanos, Path truth) {}

    private final World w;
    private final Options o;
    private final Truth truth;
    private final SplittableRandom gen;
    private final SplittableRandom fmt;
    private final LocalClock clock;

    // Per-slot state.
    private final List<Conv> pool = new ArrayList<>();
    private int used;
    private long seq;
    private int localDay = -1;
    private long localEpochDay;
    private int dow;
    private int hour;
    private int monthIdx;
    private boolean weekendLike;
    private double phase;
    private World.ObfRates obf;
    private final double[] base;
    private final double[] entCum, restCum;
    private double entShare;
    private double entOdds;

    // Device state.
    private final long[] dnsExpiry;       // [device * domains + domain]
    private final long[] dnsAsked;
    private final int[] dnsRotation;
    private final Map<Integer, String> certOfAddr = new HashMap<>();
    private final String[] cipher, curve;
    private final boolean[] oldBrowser;

    private int sessionService = -1, sessionUser, sessionDevice;
    private Ep sessionEndpoint;
    private long uidCounter;
    private long written;
    private long conversations, outbound, inbound, dnsLookups;

    private Simulator(World w, Options o) {
        this.w = w;
        this.o = o;
        this.truth = new Truth(w);
        this.gen = Rand.stream(o.seed(), "traffic");
        this.fmt = Rand.stream(o.seed(), "format");
        this.clock = new LocalClock(w.zone);
        int nSvc = w.services.length;
        base = new double[nSvc];
        entCum = new double[nSvc];
        restCum = new double[nSvc];
        int nDev = w.population.devices.length;
        dnsExpiry = new long[nDev * w.domains.size()];
        dnsAsked = new long[nDev * w.domains.size()];
        dnsRotation = new int[nDev * w.domains.size()];
        cipher = new String[nDev];
        curve = new String[nDev];
        oldBrowser = new boolean[nDev];
        for (Device d : w.population.devices) {
            String b = d.ua[Population.UA_BROWSER];
            boolean ie = b.contains("Trident") || b.contains("MSIE");
            oldBrowser[d.id] = ie;
            if ("TLSv10".equals(d.tlsVersion)) {
                cipher[d.id] = "TLS_RSA_WITH_AES_128_CBC_SHA";
                curve[d.id] = null;
            } else if (ie) {
                cipher[d.id] = "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384";
                curve[d.id] = "secp256r1";
            } else if (d.family == Population.ANDROID) {
                cipher[d.id] = "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";
                curve[d.id] = "x25519";
            } else {
                cipher[d.id] = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
                curve[d.id] = "x25519";
            }
        }
    }

    /** Builds the world for the options and writes everything under {@code o.out()}. */
    public static Result run(Options o) throws IOException {
        long t0 = System.nanoTime();
        if (o.flows() < 1) throw new IllegalArgumentException("--flows must be at least 1");
        WorldSpec spec = WorldSpec.builtIn(o.profile());
        LocalDate from = o.from() != null ? o.from() : LocalDate.parse(spec.window().from());
        LocalDate to = o.to() != null ? o.to() : LocalDate.parse(spec.window().to());
        World w = new World(spec, o.seed(), from, to, References.asnRanges(o.cacheDir(), o.log()), References.catalog());
        for (String warning : w.catalogWarnings) o.log().accept("warning: " + warning);
        Simulator s = new Simulator(w, o);
        Files.createDirectories(o.out());
        s.generate();
        s.writeEvents();
        Path truthFile = o.out().resolve("truth.json");
        s.truth.write(truthFile, o, s.written, s.conversations, s.outbound, s.inbound, s.dnsLookups);
        return new Result(s.written, s.conversations, s.outbound, s.inbound, s.dnsLookups, s.truth.zeekLines(),
                s.truth.ipfixBytes(), s.truth.zeekBytes(), System.nanoTime() - t0, truthFile);
    }

    // ---------------------------------------------------------------- time and volume

    private void generate() throws IOException {
        long startUs = w.from.atStartOfDay(w.zone).toInstant().toEpochMilli() * 1000;
        long endUs = w.to.plusDays(1).atStartOfDay(w.zone).toInstant().toEpochMilli() * 1000;
        int slots = (int) ((endUs - startUs) / SLOT_US);
        double[] cum = new double[slots];
        double total = 0;
        for (int i = 0; i < slots; i++) {
            long us = startUs + i * SLOT_US;
            long local = localMicros(us);
            int day = (int) (Math.floorDiv(local, 86_400_000_000L) - w.from.toEpochDay());
            int h = (int) (Math.floorMod(local, 86_400_000_000L) / 3_600_000_000L);
            total += slotWeight(day, h);
            cum[i] = total;
        }
        if (total <= 0) throw new IllegalStateException("the window has no traffic at all");
        DayFiles files = new DayFiles();
        try {
            files.at(startUs, endUs);
            long target;
            for (int i = 0; i < slots; i++) {
                long us = startUs + i * SLOT_US;
                target = i == slots - 1 ? o.flows() : Math.round(o.flows() * (cum[i] / total));
                long budget = target - written;
                if (budget <= 0 && i != slots - 1) continue;
                enterSlot(us);
                files.at(us, endUs);
                generateSlot(us, budget, i == slots - 1);
                flushSlot(files);
            }
            files.at(endUs, endUs);
        } finally {
            files.close();
        }
    }

    /** Local time in microseconds; the offset comes from the same tz-database clock the analyses use. */
    private long localMicros(long utcUs) {
        long ms = Math.floorDiv(utcUs, 1000);
        return utcUs + (clock.localMillis(ms) - ms) * 1000;
    }

    private double slotWeight(int day, int h) {
        if (day < 0 || day >= w.days) return 0;
        Calendar c = w.calendar;
        if ((c.outageHours[day] & (1 << h)) != 0) return 0;
        LocalDate date = w.from.plusDays(day);
        double p = w.shiftPhase(date.toEpochDay());
        int d = c.holiday[day] ? 6 : date.getDayOfWeek().getValue() - 1;
        WorldSpec.RhythmSpec r = w.spec.rhythm();
        double level = (1 - p) * r.days2017()[d] + p * r.days2018()[d];
        double hw = r.hours()[h];
        if (night(d, h)) {
            double level2 = (1 - p) * r.weekendNight().level2017() + p * r.weekendNight().level2018();
            // Sunday's small hours wind down towards the end of the night.
            if (d == 6) level2 *= 1 - 0.6 * h / Math.max(1, r.weekendNight().sundayUntil());
            hw = Math.max(hw, level2);
        }
        double burst = c.burstService[day] >= 0 ? c.burstFactor[day] : 1;
        return c.factor[day] * level * hw * burst;
    }

    private boolean night(int d, int h) {
        WorldSpec.WeekendNight n = w.spec.rhythm().weekendNight();
        return d == 5 && h >= n.saturdayFrom() || d == 6 && h < n.sundayUntil();
    }

    private void enterSlot(long us) {
        long local = localMicros(us);
        long epochDay = Math.floorDiv(local, 86_400_000_000L);
        int day = (int) (epochDay - w.from.toEpochDay());
        hour = (int) (Math.floorMod(local, 86_400_000_000L) / 3_600_000_000L);
        if (day != localDay) {
            localDay = day;
            localEpochDay = epochDay;
            LocalDate date = LocalDate.ofEpochDay(epochDay);
            boolean inWindow = day >= 0 && day < w.days;
            boolean holiday = inWindow && w.calendar.holiday[day];
            dow = date.getDayOfWeek().getValue() - 1;
            weekendLike = dow >= 5 || holiday;
            phase = w.shiftPhase(epochDay);
            monthIdx = World.monthKey(java.time.YearMonth.from(date));
            obf = w.obfuscation(monthIdx);
            w.baseWeights(epochDay, base);
            if (inWindow && w.calendar.burstService[day] >= 0) {
                double sum = 0;
                for (double b : base) sum += b;
                base[w.calendar.burstService[day]] += (w.calendar.burstFactor[day] - 1) * sum;
            }
            double e = 0, rest = 0;
            for (int s = 0; s < base.length; s++) {
                boolean ent = w.services[s].entertainment;
                e += ent ? base[s] : 0;
                rest += ent ? 0 : base[s];
                entCum[s] = e;
                restCum[s] = rest;
            }
            entShare = e + rest == 0 ? 0 : e / (e + rest);
        }
        WorldSpec.RhythmSpec r = w.spec.rhythm();
        double odds = weekendLike ? r.entertainmentWeekend() : hour >= 18 ? r.entertainmentEvening() : 1;
        int d = weekendLike && dow < 5 ? 6 : dow;
        if (night(d, hour)) odds *= (1 - phase) * r.weekendNight().odds2017() + phase * r.weekendNight().odds2018();
        entOdds = entShare * odds / (entShare * odds + 1 - entShare);
    }

    private void generateSlot(long slotUs, long budget, boolean last) {
        WorldSpec.Inbound in = w.spec.inbound();
        double pIn = in.per100() / (100 + in.per100());
        boolean inSession = false;
        long ts = slotUs;
        while (budget >= 2) {
            // Each conversation is inbound, obfuscated or plain with the scheduled odds, whatever
            // the session lengths, so the shares hold at any volume.
            Conv c = next();
            if (gen.nextDouble() < pIn) {
                c.ts = slotUs + gen.nextLong(SLOT_US);
                budget -= inbound(c, false);
                continue;
            }
            c.kind = Conv.OUT;
            if (gen.nextDouble() < obf.share()) {
                c.ts = slotUs + gen.nextLong(SLOT_US);
                budget -= obfuscated(c);
                inSession = false;
                continue;
            }
            if (inSession && gen.nextDouble() < SESSION_CONTINUE) {
                // People use a service in bursts: a page pulls assets, a player its segments.
                // Follow-ups reuse the device's cached DNS answers, as real clients do.
                ts += (long) Rand.logNormal(gen, 4_000_000, 1.2);
                c.ts = ts;
                budget -= service(c, w.services[sessionService], sessionUser, w.population.devices[sessionDevice],
                        gen.nextBoolean() ? sessionEndpoint : null);
            } else {
                c.ts = ts = slotUs + gen.nextLong(SLOT_US);
                sessionService = -1;
                budget -= plain(c);
                inSession = sessionService >= 0;
            }
        }
        if (budget == 1 && last) {
            // The very last record of the run: a one-sided probe keeps the total exact.
            Conv c = next();
            c.ts = slotUs + gen.nextLong(SLOT_US);
            inbound(c, true);
        }
    }

    private Conv next() {
        if (used == pool.size()) pool.add(new Conv());
        Conv c = pool.get(used++);
        c.reset();
        c.seq = seq++;
        return c;
    }

    // ---------------------------------------------------------------- outbound activity

    private int obfuscated(Conv c) {
        double u = gen.nextDouble();
        if (u < obf.vpn()) return vpn(c);
        u -= obf.vpn();
        if (u < obf.vps()) return vps(c);
        u -= obf.vps();
        if (u < obf.tls()) return tls(c);
        return tor(c);
    }

    private int plain(Conv c) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int s = gen.nextDouble() < entOdds ? Rand.pick(gen, entCum, entCum.length)
                    : Rand.pick(gen, restCum, restCum.length);
            if (s < 0) continue;
            int user = pickUser(s);
            if (user < 0) continue;
            return service(c, w.services[s], user, null, null);
        }
        Population p = w.population;
        return service(c, w.services[w.webOther], Rand.pick(gen, p.allCum, p.regularUsers), null, null);
    }

    private final double[] chronoWeights = new double[8];

    private int pickUser(int s) {
        Population p = w.population;
        Svc svc = w.services[s];
        if (svc.minersOnly) return p.miners.length == 0 ? -1 : p.miners[gen.nextInt(p.miners.length)];
        double[] mass = p.pickMass[s];
        List<WorldSpec.Chronotype> ct = w.spec.population().chronotypes();
        double total = 0;
        double[] wts = chronoWeights;
        for (int c = 0; c < mass.length; c++) {
            // A chronotype shifted by k hours is as active at h as a regular user at h - k.
            int h = Math.floorMod(hour - ct.get(c).shift(), 24);
            wts[c] = mass[c] * (0.05 + w.spec.rhythm().hours()[h]);
            total += wts[c];
        }
        if (total <= 0) return -1;
        double u = gen.nextDouble() * total;
        int c = 0;
        while (c < mass.length - 1 && u >= wts[c]) u -= wts[c++];
        int k = Rand.pick(gen, p.pickCum[s][c], p.pickUsers[s][c].length);
        return k < 0 ? -1 : p.pickUsers[s][c][k];
    }

    private Device device(User u, int platforms, boolean preferComputer) {
        Device best = null;
        int n = 0;
        for (int id : u.devices) {
            Device d = w.population.devices[id];
            if ((platforms & (1 << d.family)) == 0) continue;
            if (preferComputer && d.spec.kind().equals("computer")) return d;
            // Reservoir choice among the fitting devices.
            if (gen.nextInt(++n) == 0) best = d;
        }
        return best != null ? best : w.population.devices[u.devices[0]];
    }

    private int service(Conv c, Svc svc, int userId, Device same, Ep sameEp) {
        User u = w.population.users[userId];
        Device d = same != null ? same : device(u, svc.platforms, svc.category == dev.keyhole.enrichment.Category.GAMING);
        sessionService = svc.index;
        sessionUser = userId;
        sessionDevice = d.id;
        Ep ep = sameEp != null ? sameEp : svc.endpoints[Rand.pick(gen, svc.endpointCum, svc.endpointCum.length)];
        sessionEndpoint = ep;
        c.service = svc.index;
        c.user = userId;
        c.device = d.id;
        c.ep = ep;
        c.proto = ep.proto;
        c.dport = ep.portLo == ep.portHi ? ep.portLo : ep.portLo + gen.nextInt(ep.portHi - ep.portLo + 1);
        if (ep.domain >= 0) {
            c.dst = resolve(c, d, ep.domain);
            c.host = w.domains.get(ep.domain);
        } else if (ep.seeds.length > 0 && gen.nextDouble() < 0.15) {
            c.dst = seedLookup(c, d, svc, ep.seeds[gen.nextInt(ep.seeds.length)]);
        } else {
            int[] a = svc.servers.length > 0 ? svc.servers : svc.pool;
            c.dst = a[gen.nextInt(a.length)];
        }
        source(c, d);
        c.app = ep.app;
        shape(c, ep.shape, d);
        if (c.app == World.APP_HTTP) {
            c.ua = d.ua[ep.uaKind];
            c.requests = gen.nextDouble() < 0.75 ? 1 : 2 + gen.nextInt(3);
        } else if (c.app == World.APP_TLS) {
            tlsParams(c, d, ep.noSni ? null : c.host);
        }
        if (ep.noSni) c.host = null;
        return records(c);
    }

    private int vpn(Conv c) {
        Population p = w.population;
        if (p.vpnUsers.length == 0) return tls(c);
        int userId = p.vpnUsers[Rand.pick(gen, p.vpnCum, p.vpnUsers.length)];
        User u = p.users[userId];
        Device d = device(u, 0xf, gen.nextDouble() < 0.6);
        World.VpnProtocol proto = w.vpnProtocols[u.vpnProtocol];
        if (proto.fromDay() > localEpochDay) proto = w.vpnProtocols[0];
        int[] servers = w.vpnServers[u.vpnProvider];
        int k = 0;
        if (gen.nextDouble() < 0.8) {
            for (int i = 0; i < servers.length; i++) if (servers[i] == u.vpnServer) k = i;
        } else {
            k = gen.nextInt(servers.length);
        }
        c.obf = Conv.VPN;
        c.user = userId;
        c.device = d.id;
        c.dst = resolve(c, d, w.vpnServerDomain[u.vpnProvider][k]);
        c.proto = proto.proto();
        c.dport = proto.port();
        source(c, d);
        shape(c, proto.shape(), d);
        return records(c);
    }

    private int vps(Conv c) {
        Population p = w.population;
        if (p.vpsUsers.length == 0) return tls(c);
        int userId = p.vpsUsers[Rand.pick(gen, p.vpsCum, p.vpsUsers.length)];
        User u = p.users[userId];
        Device d = device(u, 0xf, true);
        c.obf = Conv.VPS;
        c.user = userId;
        c.device = d.id;
        c.dst = u.vpsAddr;
        c.proto = 6;
        source(c, d);
        if (gen.nextDouble() < w.vpsSshShare) {
            c.dport = 22;
            c.app = World.APP_SSH;
            shape(c, w.shapeNamed("ssh"), d);
        } else {
            c.dport = 443;
            c.app = World.APP_TLS;
            shape(c, w.shapeNamed("bulk-tls"), d);
            tlsParams(c, d, null);
        }
        return records(c);
    }

    /** HTTPS the observer cannot attribute: to sites outside the catalogue, or to bare addresses. */
    private int tls(Conv c) {
        Population p = w.population;
        int userId = Rand.pick(gen, p.allCum, p.regularUsers);
        Device d = device(p.users[userId], 0xf, false);
        c.obf = Conv.TLS;
        c.user = userId;
        c.device = d.id;
        c.proto = 6;
        c.dport = 443;
        c.app = World.APP_TLS;
        Svc other = w.services[w.webOther];
        if (gen.nextDouble() < w.tlsSniShare) {
            Ep ep = other.endpoints[Rand.pick(gen, other.endpointCum, other.endpointCum.length)];
            c.dst = resolve(c, d, ep.domain);
            c.host = w.domains.get(ep.domain);
        } else {
            c.dst = w.unidentifiedPool[gen.nextInt(w.unidentifiedPool.length)];
        }
        source(c, d);
        shape(c, w.shapeNamed("page"), d);
        tlsParams(c, d, c.host);
        return records(c);
    }

    private int tor(Conv c) {
        Population p = w.population;
        if (p.torUsers.length == 0) return tls(c);
        int userId = p.torUsers[Rand.pick(gen, p.torCum, p.torUsers.length)];
        User u = p.users[userId];
        Device d = device(u, 0xf, true);
        c.obf = Conv.TOR;
        c.user = userId;
        c.device = d.id;
        c.proto = 6;
        source(c, d);
        if (gen.nextDouble() < w.torDirShare) {
            c.dst = w.relayPool[gen.nextInt(w.relayPool.length)];
            c.dport = w.torDirPort;
            c.app = World.APP_HTTP;
            c.host = AddressBook.format(c.dst);
            c.ua = null;
            c.requests = 1;
            shape(c, w.shapeNamed("asset"), d);
        } else {
            c.dst = u.torGuard;
            c.dport = w.torOrPort;
            c.app = World.APP_TLS;
            shape(c, w.shapeNamed("tor"), d);
            // Tor clients send a random www.<letters>.com SNI to look like ordinary HTTPS.
            StringBuilder sb = new StringBuilder("www.");
            int n = 4 + gen.nextInt(14);
            for (int i = 0; i < n; i++) sb.append((char) ('a' + gen.nextInt(26)));
            tlsParams(c, d, sb.append(gen.nextBoolean() ? ".com" : ".net").toString());
            c.certs = certOf(c.dst);
            c.nextProto = null;
        }
        return records(c);
    }

    // ---------------------------------------------------------------- inbound

    private int inbound(Conv c, boolean probeOnly) {
        WorldSpec.Inbound in = w.spec.inbound();
        c.kind = Conv.IN;
        c.proto = 6;
        c.rtt = 150_000 + gen.nextLong(250_000);
        if (!probeOnly && gen.nextDouble() < in.visitorShare()) {
            World.Site site = w.sites[gen.nextInt(w.sites.length)];
            c.src = w.residentialPool[gen.nextInt(w.residentialPool.length)];
            c.sport = freePort(49152, 65535);
            c.dst = site.addr();
            c.host = site.host();
            boolean https = gen.nextDouble() < in.httpsShare();
            c.dport = https ? 443 : 80;
            c.app = https ? World.APP_TLS : World.APP_HTTP;
            shapeSizes(c, w.shapeNamed("page"), 52, 1448);
            if (https) {
                c.tlsVersion = "TLSv12";
                c.cipher = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
                c.curve = "x25519";
                c.certs = certOf(c.dst);
                c.nextProto = "http/1.1";
            } else {
                c.ua = in.visitorAgents().get(gen.nextInt(in.visitorAgents().size()));
                c.requests = 1;
            }
        } else {
            c.src = w.scannerPool[gen.nextInt(w.scannerPool.length)];
            // Scanners (zmap, masscan) send from high ports.
            c.sport = freePort(32768, 60999);
            c.dst = gen.nextDouble() < 0.2 ? w.nat[gen.nextInt(w.nat.length)] : w.randomTargetAddress(gen);
            c.dport = in.scanPorts()[gen.nextInt(in.scanPorts().length)];
            boolean reject = !probeOnly && gen.nextDouble() < in.rejectShare();
            failed(c, reject ? Conv.REJ : Conv.S0, 1);
        }
        return records(c);
    }

    // ---------------------------------------------------------------- addresses and names

    /** A random client port in [lo, hi] that enrichment will not take for a server port. */
    private int freePort(int lo, int hi) {
        int p;
        do {
            p = lo + gen.nextInt(hi - lo + 1);
        } while (w.avoidPort[p]);
        return p;
    }

    private void source(Conv c, Device d) {
        c.src = d.addr;
        c.sport = port(d);
        if (c.rtt == 0) c.rtt = (long) Rand.logNormal(gen, 110_000, 0.45);
    }

    /**
     * The next ephemeral port of a device or of its NAT gateway. Ports enrichment takes for server
     * ports (below 1024, catalogued service, VPN and Tor ports) are skipped: a real NAT hands them
     * out now and then, and each such flow would be read backwards, blurring the planted figures.
     */
    private int port(Device d) {
        int p;
        do {
            p = nextPort(d);
        } while (w.avoidPort[p]);
        return p;
    }

    /**
     * Ephemeral ports as the device's OS picks them (Windows counts up from 49152, Apple stacks
     * pick at random above 49152, Android between 32768 and 60999). The NAT gateways keep the
     * device's port, as Linux masquerading does when it is free.
     */
    private int nextPort(Device d) {
        int p;
        if (d.family == Population.WINDOWS) {
            p = d.nextPort + 1 + gen.nextInt(3);
            if (p > 65535) p = 49152 + (p - 65536);
        } else {
            p = d.family == Population.ANDROID ? 32768 + gen.nextInt(28232) : 49152 + gen.nextInt(16384);
        }
        d.nextPort = p;
        return p;
    }

    /**
     * The address a device connects to for a name, looking it up first (an internal DNS transaction
     * shortly before the connection) unless its cached answer is still fresh.
     */
    private int resolve(Conv c, Device d, int domain) {
        int[] cand = w.domainAddrs.get(domain);
        int slot = d.id * w.domains.size() + domain;
        int nAns = Math.min(cand.length, 1 + (domain & 1));
        int rotation;
        // Conversations of a slot are generated out of time order: an answer only counts if it was
        // received before this connection.
        if (dnsExpiry[slot] > c.ts && dnsAsked[slot] < c.ts) {
            rotation = dnsRotation[slot];
        } else {
            rotation = (int) (c.ts / ROTATION_US);
            int ttl = TTLS[(int) (Rand.mix(domain) & 0x7fffffff) % TTLS.length];
            Conv q = dnsEvent(c, d, domain, ttl);
            for (int i = 0; i < nAns; i++) q.answers[i] = cand[(rotation + i) % cand.length];
            q.nAnswers = nAns;
            dnsExpiry[slot] = q.ts + Math.min(ttl * 1_000_000L, MAX_CACHE_US);
            dnsAsked[slot] = q.ts;
            dnsRotation[slot] = rotation;
        }
        return cand[(rotation + gen.nextInt(nAns)) % cand.length];
    }

    /** A lookup of a peer-discovery name (coin DNS seeds): fresh peers from the pool every time. */
    private int seedLookup(Conv c, Device d, Svc svc, int domain) {
        int[] a = svc.servers.length > 0 ? svc.servers : svc.pool;
        Conv q = dnsEvent(c, d, domain, 60);
        q.nAnswers = Math.min(a.length, 4 + gen.nextInt(5));
        for (int i = 0; i < q.nAnswers; i++) q.answers[i] = a[gen.nextInt(a.length)];
        return q.answers[gen.nextInt(q.nAnswers)];
    }

    private Conv dnsEvent(Conv c, Device d, int domain, int ttl) {
        boolean cached = gen.nextDouble() < 0.55;
        long rtt = cached ? 800 + gen.nextLong(4000) : (long) Rand.logNormal(gen, 140_000, 0.6);
        long gap = 2_000 + gen.nextLong(40_000);
        if (d.family == Population.IOS || d.family == Population.MACOS) {
            if (gen.nextDouble() < 0.5) {
                // Apple stacks ask for AAAA too; the target has no IPv6, the answer is empty.
                Conv v6 = dns(d, domain, c.ts - rtt - gap - 300, rtt, 0);
                v6.qtype = 28;
            }
        }
        Conv q = dns(d, domain, c.ts - rtt - gap, rtt, cached ? ttl / 2 + gen.nextInt(ttl / 2 + 1) : ttl);
        q.qtype = 1;
        return q;
    }

    private Conv dns(Device d, int domain, long ts, long rtt, int ttl) {
        Conv q = next();
        q.kind = Conv.DNS;
        q.ts = ts;
        q.rtt = rtt;
        q.dur = rtt;
        q.proto = 17;
        q.src = d.addr;
        q.sport = port(d);
        User u = w.population.users[d.user];
        q.dst = w.resolvers[(u.natIndex < 0 ? d.id : u.natIndex) % w.resolvers.length];
        q.dport = 53;
        q.host = w.domains.get(domain);
        q.ttl = ttl;
        q.transId = gen.nextInt(65536);
        q.device = d.id;
        q.state = Conv.SF;
        dnsLookups++;
        return q;
    }

    private String certOf(int addr) {
        return certOfAddr.computeIfAbsent(addr, a -> {
            SplittableRandom r = new SplittableRandom(Rand.mix(a ^ 0x5eedL));
            StringBuilder sb = new StringBuilder(129);
            for (int k = 0; k < 2; k++) {
                if (k > 0) sb.append(',');
                for (int i = 0; i < 64; i++) sb.append(Character.forDigit(r.nextInt(16), 16));
            }
            return sb.toString();
        });
    }

    private void tlsParams(Conv c, Device d, String sni) {
        c.host = sni;
        c.tlsVersion = d.tlsVersion;
        c.cipher = cipher[d.id];
        c.curve = curve[d.id];
        c.resumed = sni != null && gen.nextDouble() < 0.2;
        if (!c.resumed) {
            int domain = c.ep != null ? c.ep.domain : -1;
            c.certs = domain >= 0 ? w.domainCerts.get(domain) : certOf(c.dst);
        }
        boolean web = c.ep != null && c.dport == 443 && c.ep.shape != w.shapeNamed("chat")
                && c.ep.shape != w.shapeNamed("mail");
        c.nextProto = !web ? null : oldBrowser[d.id] ? "http/1.1" : "h2";
    }

    // ---------------------------------------------------------------- sizes

    private void shape(Conv c, ShapeM s, Device d) {
        if (gen.nextDouble() < s.fail()) {
            failed(c, c.proto == 6 && gen.nextDouble() < 0.3 ? Conv.REJ : Conv.S0, d.header);
            return;
        }
        shapeSizes(c, s, d.header, d.mss);
    }

    private void shapeSizes(Conv c, ShapeM s, int header, int mss) {
        long req = Math.max(1, Math.round(Rand.logNormal(gen, s.reqMedian(), s.reqSigma())));
        long resp = Math.max(1, Math.round(Rand.logNormal(gen, s.respMedian(), s.respSigma())));
        long dur = (long) Rand.logNormal(gen, s.durMedianUs(), s.durSigma());
        // Links of the time carried a few MB/s at most; big transfers take their time.
        dur = Math.max(dur, (req + resp) / 4);
        // Long sessions end somewhere in the last two minutes before the cap, not all on it.
        if (dur > MAX_DUR_US) dur = MAX_DUR_US - gen.nextLong(120_000_000L);
        dur = Math.max(2 * c.rtt, dur);
        c.dur = dur;
        c.origBytes = req;
        c.respBytes = resp;
        if (c.proto == 17) {
            long pc = Math.max(1, Math.round((double) req / s.segClient()));
            long ps = Math.max(1, Math.round((double) resp / s.segServer()));
            c.origPkts = pc;
            c.respPkts = ps;
            c.origIp = req + 28 * pc;
            c.respIp = resp + 28 * ps;
            c.state = Conv.SF;
            return;
        }
        long dataC = (req + mss - 1) / mss, dataS = (resp + mss - 1) / mss;
        c.origPkts = 3 + dataC + (dataS + 1) / 2;
        c.respPkts = 2 + dataS + (dataC + 1) / 2;
        c.origIp = req + c.origPkts * header + 8;
        c.respIp = resp + c.respPkts * header + 8;
        double u = gen.nextDouble();
        c.state = u < 0.94 ? Conv.SF : u < 0.97 ? Conv.RSTO : Conv.RSTR;
    }

    private void failed(Conv c, int state, int header) {
        c.state = state;
        c.origBytes = 0;
        c.respBytes = 0;
        c.app = World.APP_NONE;
        c.requests = 0;
        if (c.proto == 17) {
            c.origPkts = 1 + (gen.nextDouble() < 0.3 ? 1 : 0);
            c.origIp = c.origPkts * 60;
            c.origBytes = c.origIp - 28 * c.origPkts;
            c.respPkts = 0;
            c.respIp = 0;
            c.dur = c.origPkts > 1 ? 1_000_000 + gen.nextLong(2_000_000) : 0;
            c.state = Conv.S0;
            return;
        }
        if (state == Conv.REJ) {
            c.origPkts = 1;
            c.origIp = 60;
            c.respPkts = 1;
            c.respIp = 40;
            c.dur = c.rtt;
        } else {
            c.origPkts = gen.nextDouble() < 0.6 ? 1 : 3;
            c.origIp = c.origPkts * (header == 40 ? 52 : 60);
            c.respPkts = 0;
            c.respIp = 0;
            c.dur = c.origPkts == 1 ? 0 : 3_000_000 + gen.nextLong(1_000_000);
        }
    }

    private static int records(Conv c) {
        return c.respPkts > 0 ? 2 : 1;
    }

    // ---------------------------------------------------------------- writing

    private static final Comparator<Conv> ORDER = (a, b) -> a.ts != b.ts ? Long.compare(a.ts, b.ts)
            : Long.compare(a.seq, b.seq);

    private void flushSlot(DayFiles f) throws IOException {
        List<Conv> events = pool.subList(0, used);
        events.sort(ORDER);
        for (Conv c : events) write(c, f);
        used = 0;
    }

    private void write(Conv c, DayFiles f) throws IOException {
        long uidA = Rand.mix(o.seed() * 0x9e3779b97f4a7c15L + ++uidCounter);
        long uidB = Rand.mix(uidA ^ uidCounter);
        if (c.kind == Conv.DNS) dnsSizes(c);
        if (f.zeek != null) conn(f.zeek.out[ZeekLogs.CONN], c, uidA, uidB);
        if (c.kind == Conv.DNS) {
            if (f.zeek != null) dnsLine(f.zeek.out[ZeekLogs.DNS], c, uidA, uidB);
            return;
        }
        conversations++;
        if (f.zeek != null && c.app == World.APP_HTTP) http(f.zeek.out[ZeekLogs.HTTP], c, uidA, uidB);
        else if (f.zeek != null && c.app == World.APP_TLS) ssl(f.zeek.out[ZeekLogs.SSL], c, uidA, uidB);
        long startMs = c.ts / 1000;
        long endMs = (c.ts + c.dur) / 1000;
        Ip src = Ip.ofV4(c.src), dst = Ip.ofV4(c.dst);
        int[] flags = tcpFlags(c);
        f.ipfix.write(FlowRecord.uni(startMs, endMs, src, dst, c.sport, c.dport, c.proto, flags[0], c.origPkts, c.origIp,
                0, 0));
        written++;
        if (c.respPkts > 0) {
            long s2 = Math.min(endMs, (c.ts + c.rtt / 2) / 1000);
            f.ipfix.write(FlowRecord.uni(s2, endMs, dst, src, c.dport, c.sport, c.proto, flags[1], c.respPkts, c.respIp,
                    0, 0));
            written++;
        }
        f.records += records(c);
        if (c.kind == Conv.OUT) {
            outbound++;
            truth.outbound(c, localDayOf(c.ts), monthOf(c.ts), hourOf(c.ts));
        } else {
            inbound++;
            truth.inbound(monthOf(c.ts));
        }
        if (c.app == World.APP_HTTP && c.device >= 0) truth.httpSeen(c.device, c.ua);
    }

    private int localDayOf(long us) {
        return (int) (Math.floorDiv(localMicros(us), 86_400_000_000L) - w.from.toEpochDay());
    }

    private int monthOf(long us) {
        LocalDate d = LocalDate.ofEpochDay(Math.floorDiv(localMicros(us), 86_400_000_000L));
        return d.getYear() * 12 + d.getMonthValue() - 1;
    }

    private int hourOf(long us) {
        return (int) (Math.floorMod(localMicros(us), 86_400_000_000L) / 3_600_000_000L);
    }

    private static int[] tcpFlags(Conv c) {
        if (c.proto != 6) return new int[] {0, 0};
        return switch (c.state) {
            case Conv.S0 -> new int[] {0x02, 0};
            case Conv.REJ -> new int[] {0x02, 0x14};
            case Conv.RSTO -> new int[] {0x1e, 0x1a};
            case Conv.RSTR -> new int[] {0x1a, 0x1e};
            default -> new int[] {0x1b, 0x1b};
        };
    }

    private static void uid(TsvOut t, char prefix, long a, long b) throws IOException {
        t.uid(prefix, a, b);
    }

    private void conn(TsvOut t, Conv c, long ua, long ub) throws IOException {
        t.micros(c.ts).tab();
        uid(t, 'C', ua, ub);
        t.tab().ip(c.src).tab().num(c.sport).tab().ip(c.dst).tab().num(c.dport).tab()
                .raw(c.proto == 17 ? "udp" : "tcp").tab();
        boolean established = c.state != Conv.S0 && c.state != Conv.REJ;
        String service = c.kind == Conv.DNS ? "dns" : !established ? null
                : c.app == World.APP_HTTP ? "http" : c.app == World.APP_TLS ? "ssl" : c.app == World.APP_SSH ? "ssh" : null;
        if (service == null) t.unset();
        else t.raw(service);
        t.tab();
        boolean singlePacket = c.respPkts == 0 && c.origPkts == 1;
        if (c.dur > 0) t.micros(c.dur);
        else t.unset();
        t.tab();
        if (singlePacket && c.proto == 17) t.unset().tab().unset();
        else t.num(c.origBytes).tab().num(c.respBytes);
        t.tab().raw(Conv.STATES[c.state]).tab().bool(w.inTarget(c.src)).tab().bool(w.inTarget(c.dst)).tab().num(0).tab();
        t.raw(history(c)).tab().num(c.origPkts).tab().num(c.origIp).tab().num(c.respPkts).tab().num(c.respIp)
                .tab().unset().nl();
    }

    private static String history(Conv c) {
        if (c.proto == 17) return c.respPkts > 0 ? "Dd" : "D";
        return switch (c.state) {
            case Conv.S0 -> "S";
            case Conv.REJ -> "Sr";
            case Conv.RSTO -> "ShADadR";
            case Conv.RSTR -> "ShADadr";
            default -> "ShADadFf";
        };
    }

    private void http(TsvOut t, Conv c, long ua, long ub) throws IOException {
        long bodyLeft = Math.max(0, c.respBytes - 320L * c.requests);
        for (int i = 1; i <= c.requests; i++) {
            long body = i == c.requests ? bodyLeft : bodyLeft / (c.requests - i + 1);
            bodyLeft -= body;
            // Requests spread over the connection after the handshake (duration is at least 2 RTT).
            long ts = c.ts + c.rtt + (c.dur - c.rtt) * (2L * i - 1) / (2L * c.requests);
            t.micros(ts).tab();
            uid(t, 'C', ua, ub);
            t.tab().ip(c.src).tab().num(c.sport).tab().ip(c.dst).tab().num(c.dport).tab().num(i).tab().raw("GET").tab();
            t.s(c.host).tab();
            String uri = c.ep != null && c.ep.uri != null ? c.ep.uri.render(fmt) : c.kind == Conv.IN ? "/" : "/tor/status-vote/current/consensus-microdesc";
            t.s(uri).tab().unset().tab().raw("1.1").tab().s(c.ua).tab().unset().tab().num(0).tab().num(body).tab();
            boolean media = c.ep != null && c.ep.uaKind == Population.UA_MEDIA;
            int status = media ? 206 : fmt.nextDouble() < 0.04 ? 304 : 200;
            if (status == 304) body = 0;
            t.num(status).tab().raw(status == 206 ? "Partial Content" : status == 304 ? "Not Modified" : "OK").tab();
            t.unset().tab().unset().tab().raw("(empty)").tab().unset().tab().unset().tab().unset().tab();
            t.unset().tab().unset().tab().unset().tab();
            if (body > 0) {
                uid(t, 'F', Rand.mix(ua + i), Rand.mix(ub - i));
                t.tab().unset().tab().s(c.ep != null ? c.ep.mime : "text/html");
            } else {
                t.unset().tab().unset().tab().unset();
            }
            t.nl();
        }
    }

    private void ssl(TsvOut t, Conv c, long ua, long ub) throws IOException {
        if (c.state == Conv.S0 || c.state == Conv.REJ) return;
        t.micros(c.ts + c.rtt).tab();
        uid(t, 'C', ua, ub);
        t.tab().ip(c.src).tab().num(c.sport).tab().ip(c.dst).tab().num(c.dport).tab().raw(c.tlsVersion).tab()
                .raw(c.cipher).tab();
        if (c.curve == null) t.unset();
        else t.raw(c.curve);
        t.tab().s(c.host).tab().bool(c.resumed).tab().unset().tab();
        if (c.nextProto == null) t.unset();
        else t.raw(c.nextProto);
        t.tab().bool(true).tab().raw(c.resumed ? "CsiI" : c.curve == null ? "CsxnGIi" : "CsxknGIi").tab();
        if (c.certs == null) t.unset();
        else t.raw(c.certs);
        t.tab().raw("(empty)").tab();
        if (c.host == null || c.certs == null) t.unset();
        else t.bool(true);
        t.nl();
    }

    private void dnsLine(TsvOut t, Conv c, long ua, long ub) throws IOException {
        t.micros(c.ts).tab();
        uid(t, 'C', ua, ub);
        t.tab().ip(c.src).tab().num(c.sport).tab().ip(c.dst).tab().num(c.dport).tab().raw("udp").tab().num(c.transId)
                .tab().micros(c.rtt).tab().s(c.host).tab().raw("1\tC_INTERNET").tab().num(c.qtype).tab()
                .raw(c.qtype == 28 ? "AAAA" : "A").tab().raw("0\tNOERROR\tF\tF\tT\tT\t0\t");
        if (c.nAnswers == 0) {
            t.unset().tab().unset();
        } else {
            for (int i = 0; i < c.nAnswers; i++) {
                if (i > 0) t.comma();
                t.ip(c.answers[i]);
            }
            t.tab();
            for (int i = 0; i < c.nAnswers; i++) {
                if (i > 0) t.comma();
                t.micros(c.ttl * 1_000_000L);
            }
        }
        t.tab().bool(false).nl();
    }

    /** Sizes of a DNS transaction's conn.log record: header, question, 16 bytes per A answer. */
    private static void dnsSizes(Conv c) {
        long q = 12 + c.host.length() + 2 + 4;
        c.origBytes = q;
        c.respBytes = q + 16L * c.nAnswers;
        c.origPkts = 1;
        c.respPkts = 1;
        c.origIp = q + 28;
        c.respIp = c.respBytes + 28;
    }

    // ---------------------------------------------------------------- files

    /** The IPFIX and Zeek files of the current UTC day. */
    private final class DayFiles {
        LocalDate day;
        IpfixWriter ipfix;
        Path ipfixPath;
        OutputStream ipfixStream;
        ZeekLogs zeek;
        long records;

        /** Makes sure the files of the UTC day containing {@code us} are open (and earlier ones closed). */
        void at(long us, long endUs) throws IOException {
            LocalDate d = Instant.ofEpochMilli(us / 1000).atOffset(ZoneOffset.UTC).toLocalDate();
            if (d.equals(day)) return;
            closeDay();
            if (us >= endUs) return;
            // Days without any traffic still get their (empty) files, as a collector would write them.
            LocalDate first = day == null ? d : day.plusDays(1);
            for (LocalDate x = first; !x.isAfter(d); x = x.plusDays(1)) {
                openDay(x, endUs);
                if (!x.equals(d)) closeDay();
            }
        }

        private void openDay(LocalDate d, long endUs) throws IOException {
            day = d;
            String ymd = d.toString().replace("-", "");
            Path dir = o.out().resolve("ipfix").resolve(String.format("%04d", d.getYear()))
                    .resolve(String.format("%02d", d.getMonthValue())).resolve(String.format("%02d", d.getDayOfMonth()));
            Files.createDirectories(dir);
            ipfixPath = dir.resolve("keyhole." + ymd + ".ipfix");
            ipfixStream = new BufferedOutputStream(Files.newOutputStream(ipfixPath), 1 << 16);
            ipfix = new IpfixWriter(ipfixStream, 1);
            long open = d.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            long close = Math.min(d.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli(), endUs / 1000);
            zeek = o.zeek() ? new ZeekLogs(o.out().resolve("zeek"), d, open, close, o.gzip()) : null;
            records = 0;
        }

        private void closeDay() throws IOException {
            if (day == null || ipfix == null) return;
            ipfix.close();
            truth.file(o.out().relativize(ipfixPath).toString(), "ipfix", records, Files.size(ipfixPath));
            if (zeek != null) {
                zeek.close();
                for (int i = 0; i < 4; i++) {
                    truth.file(o.out().relativize(zeek.paths[i]).toString(), "zeek-" + ZeekLogs.NAMES[i],
                            zeek.lines(i), Files.size(zeek.paths[i]));
                }
            }
            ipfix = null;
            zeek = null;
        }

        void close() throws IOException {
            closeDay();
        }
    }

    private void writeEvents() throws IOException {
        Path p = o.out().resolve("events.csv");
        StringBuilder sb = new StringBuilder("date,label,kind\n");
        for (WorldSpec.Event e : w.spec.calendar().events()) {
            LocalDate d = LocalDate.parse(e.date());
            if (d.isBefore(w.from) || d.isAfter(w.to)) continue;
            sb.append(e.date()).append(',').append(csv(e.label())).append(',').append(csv(e.kind())).append('\n');
        }
        Files.writeString(p, sb.toString());
        truth.file("events.csv", "events", sb.chars().filter(ch -> ch == '\n').count() - 1, Files.size(p));
    }

    private static String csv(String s) {
        return dev.keyhole.outputs.CsvTables.quote(s);
    }
}
