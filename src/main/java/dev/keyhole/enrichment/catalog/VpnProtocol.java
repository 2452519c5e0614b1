package dev.keyhole.enrichment.catalog;

import java.util.List;

/** A VPN protocol recognisable from the IP protocol or port alone (OpenVPN, IKE, ESP, WireGuard...). */
public record VpnProtocol(String name, List<PortRule> match) {
    public VpnProtocol {
        match = List.copyOf(match);
    }
}
