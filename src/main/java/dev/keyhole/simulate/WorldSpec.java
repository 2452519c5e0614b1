package dev.keyhole.simulate;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The world description a simulation is generated from (src/main/resources/dev/keyhole/simulate/
 * NAME.world.yaml), bound as plain records. Maps keep file order so generation does not depend on
 * hash order. Meaning of each field: comments in dprk.world.yaml and docs/simulator.md.
 */
public record WorldSpec(
        String name,
        String timezone,
        Window window,
        Target target,
        PopulationSpec population,
        List<DeviceSpec> devices,
        LinkedHashMap<String, Shape> shapes,
        LinkedHashMap<String, PoolSpec> pools,
        LinkedHashMap<String, ServiceSpec> services,
        LinkedHashMap<String, ServiceSpec> activities,
        ObfuscationSpec obfuscation,
        List<ObfuscationMonth> obfuscationSchedule,
        MixSpec mix,
        RhythmSpec rhythm,
        Inbound inbound,
        CalendarSpec calendar) {

    public record Window(String from, String to) {}

    public record Target(List<String> ranges, List<String> resolvers, List<Nat> nat, List<String> ownRanges,
                         List<Site> sites) {}

    public record Nat(String addr, double weight) {}

    public record Site(String host, String addr) {}

    public record PopulationSpec(int users, double natShare, double intensitySigma, double tasteSigma,
                                 double phoneShare, double computerShare, double tabletShare, double gamerShare,
                                 int linkedinUsers, double vpnUserShare, int vpsUsers, int torUsers, int miners,
                                 List<Chronotype> chronotypes) {}

    public record Chronotype(String name, double weight, int shift) {}

    public record DeviceSpec(String id, String kind, String brand, String model, String family, String os,
                             double weight, String tls, List<String> browsers, Map<String, String> ua) {}

    /** Log-normal [median, sigma] pairs; seg = UDP payload per packet [client, server]. */
    public record Shape(String proto, double[] req, double[] resp, double[] dur, double[] seg, double fail) {}

    public record PoolSpec(int size, List<Long> asns) {}

    public record ServiceSpec(String category, List<Long> asns, Integer servers, String pool, List<String> platforms,
                              String from, String hosts, List<EndpointSpec> endpoints) {}

    /**
     * One kind of connection to a service. {@code ports} is an inclusive range used instead of
     * {@code port}; {@code app} defaults from the port (80 http, 443/993 tls, otherwise none);
     * {@code seeds} are DNS names resolved to find peers.
     */
    public record EndpointSpec(String host, Integer port, int[] ports, String proto, String app, String shape,
                               double w, String uri, String mime, String ua, Boolean nosni, List<String> seeds) {}

    public record ObfuscationSpec(Vpn vpn, Vps vps, Tls tls, Tor tor) {}

    public record Vpn(List<VpnProvider> providers, List<VpnProtocol> protocols) {}

    public record VpnProvider(String id, String names, List<Long> asns, double weight) {}

    public record VpnProtocol(String name, int port, String proto, String shape, double weight, String from) {}

    public record Vps(String pool, double ssh) {}

    public record Tls(String pool, double sniShare) {}

    public record Tor(String pool, int orPort, int dirPort, double dirShare) {}

    public record ObfuscationMonth(String month, double share, double vpn, double vps, double tls, double tor) {}

    public record MixSpec(List<String> anchors, LinkedHashMap<String, double[]> weights) {}

    public record RhythmSpec(double[] hours, String shiftFrom, String shiftTo, double[] days2017, double[] days2018, WeekendNight weekendNight,
                             double entertainmentWeekend, double entertainmentEvening) {}

    public record Inbound(double per100, double visitorShare, double httpsShare, double rejectShare, int[] scanPorts,
                          List<String> visitorAgents) {}

    public record WeekendNight(int saturdayFrom, int sundayUntil, double level2017, double level2018, double odds2017,
                               double odds2018) {}

    public record CalendarSpec(List<String> holidays, double dayNoise, double growth, Outages outages, Bursts bursts,
                               List<Event> events) {}

    public record Outages(int fullDays, int partialDays, int[] partialHours) {}

    public record Bursts(int days, double[] factor) {}

    public record Event(String date, String label, String kind) {}

    /** Loads a built-in world by profile name (e.g. "dprk"). */
    public static WorldSpec builtIn(String profile) throws IOException {
        String res = "/dev/keyhole/simulate/" + profile + ".world.yaml";
        try (InputStream in = WorldSpec.class.getResourceAsStream(res)) {
            if (in == null) throw new IOException("no built-in world for profile '" + profile + "'");
            return read(in);
        }
    }

    public static WorldSpec read(InputStream in) throws IOException {
        ObjectMapper m = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
        com.fasterxml.jackson.databind.JsonNode tree = dev.keyhole.config.YamlTree.read(in, "world spec");
        if (!tree.isObject()) throw new IOException("world spec: not a YAML mapping");
        return m.treeToValue(tree, WorldSpec.class);
    }
}
