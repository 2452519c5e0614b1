package dev.keyhole.simulate;

import java.util.List;

/**
 * What the simulator needs from the enrichment service catalogue: so that simulated traffic to a
 * service is recognised as that service, and truth.json counts categories the way enrichment does.
 */
interface CatalogView {
    /** Category id the catalogue gives the service, or null when it does not know the service. */
    String category(String serviceId);

    /** ASNs the catalogue lists for the service (empty when none or unknown). */
    List<Long> asns(String serviceId);

    /** The service id the catalogue gives a host name, or null. */
    String serviceOfHost(String host);

    /** True for a port enrichment treats as a server port (a catalogued service, VPN, Tor or TLS port). */
    boolean servicePort(int protocol, int port);

    /** Where the catalogue came from, for truth.json. */
    String source();

    /** No catalogue: the world file's own categories and ASNs are used as they are. */
    CatalogView NONE = new CatalogView() {
        @Override
        public String category(String serviceId) {
            return null;
        }

        @Override
        public List<Long> asns(String serviceId) {
            return List.of();
        }

        @Override
        public String serviceOfHost(String host) {
            return null;
        }

        @Override
        public boolean servicePort(int protocol, int port) {
            return false;
        }

        @Override
        public String source() {
            return "world file only (no service catalogue)";
        }
    };
}
