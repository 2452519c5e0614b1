package dev.keyhole.enrichment;

/**
 * How much of a flow's purpose is hidden from an observer of the target's traffic, strongest first.
 * TLS counts as obfuscated only when the service behind it could not be identified: HTTPS to a
 * catalogued service (Facebook, Alibaba, ...) tells the observer what was used, so it is PLAIN.
 */
public enum Obfuscation {
    TOR("tor"), VPN("vpn"), VPS("vps"), TLS("tls"), PLAIN("plain");

    private final String id;

    Obfuscation(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public boolean obfuscated() {
        return this != PLAIN;
    }
}
