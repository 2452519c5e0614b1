package dev.keyhole.sources.packet;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which tunnels a packet sample is opened through ({@code --decap}), so that a fabric's or a
 * tunnel's traffic is counted as the hosts inside it talking, not as its two tunnel ends. Off by
 * default: a target's own GRE or IP-in-IP tunnel to a VPN server is itself the finding.
 *
 * @param vxlan  UDP to port 4789 with a VXLAN header (RFC 7348), then Ethernet
 * @param gre    GRE version 0 (RFC 2784/2890) carrying IPv4, IPv6 or Ethernet
 * @param ipInIp IPv4 or IPv6 inside IPv4 or IPv6 (protocols 4 and 41), SRv6 included
 * @param geneve UDP to port 6081 with a Geneve header (RFC 8926), then Ethernet or IP
 * @param erspan port mirroring carried in GRE: ERSPAN types I, II and III, then the mirrored frame
 */
public record Tunnels(boolean vxlan, boolean gre, boolean ipInIp, boolean geneve, boolean erspan) {
    public static final Tunnels NONE = new Tunnels(false, false, false, false, false);
    /** What {@code all} means: every tunnel that carries traffic. Mirrored copies (ERSPAN) only when named. */
    public static final Tunnels ALL = new Tunnels(true, true, true, true, false);

    public boolean any() {
        return vxlan || gre || ipInIp || geneve || erspan;
    }

    /**
     * Parses {@code none}, {@code all} (all but ERSPAN), or a comma-separated list of {@code vxlan},
     * {@code gre}, {@code ipip}, {@code srv6}, {@code geneve}, {@code erspan}, {@code all} among them.
     */
    public static Tunnels parse(String text) {
        boolean vxlan = false, gre = false, ipip = false, geneve = false, erspan = false;
        for (String part : text.split(",")) {
            switch (part.trim().toLowerCase(Locale.ROOT)) {
                case "none" -> { }
                case "all" -> vxlan = gre = ipip = geneve = true;
                case "vxlan" -> vxlan = true;
                case "gre" -> gre = true;
                case "ipip", "srv6" -> ipip = true; // SRv6 carries its payload as IP in IPv6
                case "geneve" -> geneve = true;
                case "erspan" -> erspan = true;
                default -> throw new IllegalArgumentException("unknown tunnel '" + part.trim()
                        + "': expected none, all, or a list of vxlan, gre, ipip, srv6, geneve, erspan");
            }
        }
        return new Tunnels(vxlan, gre, ipip, geneve, erspan);
    }

    @Override
    public String toString() {
        List<String> l = new ArrayList<>();
        if (vxlan) l.add("vxlan");
        if (gre) l.add("gre");
        if (ipInIp) l.add("ipip");
        if (geneve) l.add("geneve");
        if (erspan) l.add("erspan");
        return l.isEmpty() ? "none" : String.join(",", l);
    }
}
