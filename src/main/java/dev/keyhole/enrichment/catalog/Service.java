package dev.keyhole.enrichment.catalog;

import dev.keyhole.enrichment.Category;

import java.util.List;

/**
 * A catalogued internet service.
 *
 * @param id       stable id used in findings and by other tools (e.g. "youku", "vpn-nordvpn", "vps-ovh")
 * @param company  who runs it (for corporate lineage, e.g. "Alibaba Group")
 * @param country  the company's home country, ISO2; null when it has none (e.g. the BitTorrent swarm)
 * @param domains  suffix rules: "youku.com" matches youku.com and any name under it
 * @param asns     ASNs whose unnamed traffic is attributed to this service
 * @param ports    protocol/port rules used when neither a name nor an ASN identifies the traffic
 */
public record Service(String id, String name, String company, Category category, String country,
                      List<String> domains, List<Long> asns, List<PortRule> ports) {
    public Service {
        domains = List.copyOf(domains);
        asns = List.copyOf(asns);
        ports = List.copyOf(ports);
    }

    public Service(String id, String name, String company, Category category, String country,
                   List<String> domains, List<Long> asns) {
        this(id, name, company, category, country, domains, asns, List.of());
    }

    public boolean isHosting() {
        return category == Category.HOSTING_VPS;
    }

    public boolean isVpn() {
        return category == Category.VPN;
    }
}
