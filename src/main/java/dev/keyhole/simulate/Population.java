package dev.keyhole.simulate;

import dev.keyhole.simulate.WorldSpec.DeviceSpec;
import dev.keyhole.simulate.WorldSpec.PopulationSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The people behind the target's addresses: users with tastes, intensity and a daily rhythm, their
 * devices (with real User-Agent strings), and the address each device's traffic leaves from (a
 * shared NAT gateway for most). Built once per seed; read-only while traffic is generated.
 */
final class Population {
    static final int IOS = 0, ANDROID = 1, WINDOWS = 2, MACOS = 3;
    static final String[] FAMILIES = {"ios", "android", "windows", "macos"};
    static final int UA_BROWSER = 0, UA_MEDIA = 1, UA_UPDATE = 2, UA_CRYPTO = 3, UA_STEAM = 4, UA_KINDS = 5;
    static final String[] UA_NAMES = {"browser", "media", "update", "crypto", "steam"};

    static final class Device {
        int id;
        int user;
        DeviceSpec spec;
        int family;
        int addr;
        boolean nat;
        /** User-Agent per kind (UA_*), the browser one where the device has no special client. */
        final String[] ua = new String[UA_KINDS];
        String tlsVersion;
        /** TCP/IP header bytes per packet and segment size: Windows does not use TCP timestamps. */
        int header;
        int mss;
        /** Next ephemeral port when the device has its own address. */
        int nextPort;
    }

    static final class User {
        int id;
        String role;          // "user" or "miner"
        int chrono;
        double intensity;
        double[] affinity;    // per World service index
        int[] devices;
        int natIndex = -1;    // index into World.nat, -1 for an own address
        boolean gamer;
        boolean linkedin;
        int vpnProvider = -1;
        int vpnProtocol = -1;
        int vpnServer;
        int vpsAddr;
        int torGuard;
    }

    final User[] users;
    final Device[] devices;
    final int regularUsers;
    /** Per service and chronotype: user ids and cumulative weights (intensity x affinity). */
    final int[][][] pickUsers;
    final double[][][] pickCum;
    final double[][] pickMass;
    final int[] vpnUsers, vpsUsers, torUsers, miners;
    final double[] vpnCum, vpsCum, torCum, allCum;

    Population(World w, PopulationSpec p, SplittableRandom r) {
        List<User> us = new ArrayList<>();
        List<Device> ds = new ArrayList<>();
        double[] chronoW = p.chronotypes().stream().mapToDouble(WorldSpec.Chronotype::weight).toArray();
        double[] chronoCum = Rand.cumulative(chronoW);
        double[] natCum = Rand.cumulative(w.natWeights);
        List<DeviceSpec> phones = ofKind(w, "phone"), computers = ofKind(w, "computer"), tablets = ofKind(w, "tablet");
        int nSvc = w.services.length;

        for (int i = 0; i < p.users(); i++) {
            User u = new User();
            u.id = us.size();
            u.role = "user";
            u.chrono = Rand.pick(r, chronoCum, chronoCum.length);
            u.intensity = Rand.logNormal(r, 1.0, p.intensitySigma());
            boolean nat = r.nextDouble() < p.natShare();
            int own = nat ? 0 : w.ownAddress(r);
            if (nat) u.natIndex = Rand.pick(r, natCum, natCum.length);
            List<Integer> devs = new ArrayList<>();
            if (r.nextDouble() < p.phoneShare()) devs.add(addDevice(w, ds, u, choose(r, phones), nat, own, r));
            if (r.nextDouble() < p.computerShare()) devs.add(addDevice(w, ds, u, choose(r, computers), nat, own, r));
            if (r.nextDouble() < p.tabletShare()) devs.add(addDevice(w, ds, u, choose(r, tablets), nat, own, r));
            if (devs.isEmpty()) devs.add(addDevice(w, ds, u, choose(r, phones), nat, own, r));
            u.devices = devs.stream().mapToInt(Integer::intValue).toArray();
            int families = familiesOf(ds, u);
            u.gamer = (families & (1 << WINDOWS)) != 0 && r.nextDouble() < p.gamerShare() / Math.max(0.01, p.computerShare());
            u.affinity = new double[nSvc];
            for (int s = 0; s < nSvc; s++) {
                World.Svc svc = w.services[s];
                if (svc.minersOnly) continue;
                if ((svc.platforms & families) == 0) continue;
                if (svc.category == dev.keyhole.enrichment.Category.GAMING && !u.gamer) continue;
                u.affinity[s] = Rand.logNormal(r, 1.0, p.tasteSigma());
            }
            // Two or three favourite services get most of a user's attention.
            for (int k = 2 + r.nextInt(2); k > 0; k--) {
                int s = r.nextInt(nSvc);
                if (u.affinity[s] > 0) u.affinity[s] *= 4;
            }
            us.add(u);
        }
        regularUsers = us.size();
        // LinkedIn is used by a handful of people only (from April 2018, per the mix schedule).
        int li = w.serviceIndex("linkedin");
        for (User u : us) if (li >= 0) u.affinity[li] = 0;
        for (int k = 0; k < p.linkedinUsers() && li >= 0; k++) {
            User u = us.get(r.nextInt(regularUsers));
            u.linkedin = true;
            u.affinity[li] = Rand.logNormal(r, 1.0, 0.3);
        }
        // Cryptocurrency miners: dedicated Windows machines with their own address.
        List<Integer> minerIds = new ArrayList<>();
        DeviceSpec minerSpec = computers.stream().filter(d -> d.family().equals("windows")).findFirst().orElseThrow();
        for (int i = 0; i < p.miners(); i++) {
            User u = new User();
            u.id = us.size();
            u.role = "miner";
            u.chrono = 1;
            u.intensity = 1;
            u.affinity = new double[nSvc];
            for (int s = 0; s < nSvc; s++) if (w.services[s].minersOnly) u.affinity[s] = 1;
            u.devices = new int[] {addDevice(w, ds, u, minerSpec, false, w.ownAddress(r), r)};
            us.add(u);
            minerIds.add(u.id);
        }
        users = us.toArray(new User[0]);
        devices = ds.toArray(new Device[0]);
        miners = minerIds.stream().mapToInt(Integer::intValue).toArray();

        // Obfuscation habits.
        List<Integer> vpn = new ArrayList<>(), vps = new ArrayList<>(), tor = new ArrayList<>();
        double[] provCum = Rand.cumulative(w.vpnProviderWeights);
        double[] protoCum = Rand.cumulative(w.vpnProtocolWeights);
        for (int i = 0; i < regularUsers; i++) {
            User u = users[i];
            if (r.nextDouble() < p.vpnUserShare()) {
                u.vpnProvider = Rand.pick(r, provCum, provCum.length);
                u.vpnProtocol = Rand.pick(r, protoCum, protoCum.length);
                int[] servers = w.vpnServers[u.vpnProvider];
                u.vpnServer = servers[r.nextInt(servers.length)];
                vpn.add(i);
            }
        }
        for (int k = 0; k < p.vpsUsers(); k++) {
            int i = r.nextInt(regularUsers);
            if (vps.contains(i)) continue;
            users[i].vpsAddr = w.hostingPool[r.nextInt(w.hostingPool.length)];
            vps.add(i);
        }
        for (int k = 0; k < p.torUsers(); k++) {
            int i = pickWithComputer(r);
            if (tor.contains(i)) continue;
            // The same guard relay every day: what made the Tor user traceable in the research.
            users[i].torGuard = w.relayPool[r.nextInt(w.relayPool.length)];
            tor.add(i);
        }
        vpnUsers = vpn.stream().mapToInt(Integer::intValue).toArray();
        vpsUsers = vps.stream().mapToInt(Integer::intValue).toArray();
        torUsers = tor.stream().mapToInt(Integer::intValue).toArray();
        vpnCum = intensityCum(vpnUsers);
        vpsCum = intensityCum(vpsUsers);
        torCum = intensityCum(torUsers);
        int[] all = new int[regularUsers];
        for (int i = 0; i < all.length; i++) all[i] = i;
        allCum = intensityCum(all);

        int nChrono = p.chronotypes().size();
        pickUsers = new int[nSvc][nChrono][];
        pickCum = new double[nSvc][nChrono][];
        pickMass = new double[nSvc][nChrono];
        for (int s = 0; s < nSvc; s++) {
            for (int c = 0; c < nChrono; c++) {
                List<Integer> ids = new ArrayList<>();
                for (User u : users) if (u.chrono == c && u.affinity[s] > 0) ids.add(u.id);
                int[] a = ids.stream().mapToInt(Integer::intValue).toArray();
                double[] cum = new double[Math.max(1, a.length)];
                double t = 0;
                for (int j = 0; j < a.length; j++) {
                    t += users[a[j]].intensity * users[a[j]].affinity[s];
                    cum[j] = t;
                }
                pickUsers[s][c] = a;
                pickCum[s][c] = cum;
                pickMass[s][c] = t;
            }
        }
    }

    private int pickWithComputer(SplittableRandom r) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int i = r.nextInt(regularUsers);
            for (int d : users[i].devices) if (devices[d].spec.kind().equals("computer")) return i;
        }
        return r.nextInt(regularUsers);
    }

    private double[] intensityCum(int[] ids) {
        double[] w = new double[Math.max(1, ids.length)];
        for (int i = 0; i < ids.length; i++) w[i] = users[ids[i]].intensity;
        return Rand.cumulative(w);
    }

    private static List<DeviceSpec> ofKind(World w, String kind) {
        List<DeviceSpec> l = new ArrayList<>();
        for (DeviceSpec d : w.spec.devices()) if (d.kind().equals(kind)) l.add(d);
        if (l.isEmpty()) throw new IllegalArgumentException("world has no '" + kind + "' devices");
        return l;
    }

    private static DeviceSpec choose(SplittableRandom r, List<DeviceSpec> l) {
        double[] cum = Rand.cumulative(l.stream().mapToDouble(DeviceSpec::weight).toArray());
        return l.get(Rand.pick(r, cum, cum.length));
    }

    private static int familiesOf(List<Device> ds, User u) {
        int m = 0;
        for (Device d : ds) if (d.user == u.id) m |= 1 << d.family;
        return m;
    }

    static int family(String f) {
        for (int i = 0; i < FAMILIES.length; i++) if (FAMILIES[i].equals(f.toLowerCase(Locale.ROOT))) return i;
        throw new IllegalArgumentException("unknown device family '" + f + "' (ios, android, windows, macos)");
    }

    private static int addDevice(World w, List<Device> ds, User u, DeviceSpec spec, boolean nat, int own,
                                 SplittableRandom r) {
        Device d = new Device();
        d.id = ds.size();
        d.user = u.id;
        d.spec = spec;
        d.family = family(spec.family());
        d.nat = nat;
        d.addr = nat ? w.nat[u.natIndex] : own;
        String browser = spec.browsers().get(r.nextInt(spec.browsers().size()));
        for (int k = 0; k < UA_KINDS; k++) {
            String v = k == UA_BROWSER ? null : spec.ua() == null ? null : spec.ua().get(UA_NAMES[k]);
            d.ua[k] = v != null ? v : browser;
        }
        d.tlsVersion = spec.tls() != null ? spec.tls() : "TLSv12";
        boolean windows = d.family == WINDOWS;
        d.header = windows ? 40 : 52;
        d.mss = windows ? 1460 : 1448;
        d.nextPort = windows ? 49152 + r.nextInt(2000) : 49152 + r.nextInt(16000);
        ds.add(d);
        return d.id;
    }
}
