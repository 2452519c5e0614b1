package dev.keyhole.enrichment.catalog;

import java.util.Locale;

/**
 * A protocol/port rule as written in the catalogue: "tcp/443", "udp/6881-6889", "tcp+udp/51413",
 * or "ip/50" (an IP protocol number, any port). {@code from} and {@code to} are -1 for "ip/N".
 */
public record PortRule(int protocol, int from, int to) {
    public static final int TCP = 6;
    public static final int UDP = 17;

    public PortRule {
        if (protocol < 0 || protocol > 255) throw new IllegalArgumentException("IP protocol out of range: " + protocol);
        if (from != -1 || to != -1) {
            if (from < 0 || to > 65535 || from > to) throw new IllegalArgumentException("bad port range " + from + "-" + to);
        }
    }

    public boolean anyPort() {
        return from < 0;
    }

    public boolean matches(int proto, int port) {
        return proto == protocol && (anyPort() || port >= from && port <= to);
    }

    /** Parses one rule; "tcp+udp/N" yields two rules. */
    public static PortRule[] parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        int slash = t.indexOf('/');
        if (slash < 0) throw new IllegalArgumentException("port rule '" + s + "' must be proto/port, e.g. tcp/443");
        String proto = t.substring(0, slash), ports = t.substring(slash + 1);
        try {
            if (proto.equals("ip")) {
                return new PortRule[] {new PortRule(Integer.parseInt(ports), -1, -1)};
            }
            int dash = ports.indexOf('-');
            int from = Integer.parseInt(dash < 0 ? ports : ports.substring(0, dash));
            int to = dash < 0 ? from : Integer.parseInt(ports.substring(dash + 1));
            return switch (proto) {
                case "tcp" -> new PortRule[] {new PortRule(TCP, from, to)};
                case "udp" -> new PortRule[] {new PortRule(UDP, from, to)};
                case "tcp+udp", "udp+tcp" -> new PortRule[] {new PortRule(TCP, from, to), new PortRule(UDP, from, to)};
                default -> throw new IllegalArgumentException("unknown protocol '" + proto + "' in port rule '" + s
                        + "' (tcp, udp, tcp+udp or ip)");
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number in port rule '" + s + "'");
        }
    }

    @Override
    public String toString() {
        String p = protocol == TCP ? "tcp" : protocol == UDP ? "udp" : null;
        if (anyPort() || p == null) return "ip/" + protocol;
        return p + "/" + (from == to ? String.valueOf(from) : from + "-" + to);
    }
}
