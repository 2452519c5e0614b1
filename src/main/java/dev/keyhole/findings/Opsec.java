package dev.keyhole.findings;

import java.util.List;

/** Operational security: the share of obfuscated conversations and its make-up, per month and per period. */
public record Opsec(List<Row> monthly, List<Row> periods) {

    /**
     * @param month           YYYY-MM for monthly rows, the period name for period rows
     * @param obfuscatedShare obfuscated conversations / all in-scope outbound conversations
     * @param composition     each class's share of the obfuscated conversations (sums to 1 when any)
     */
    public record Row(String month, long flows, long obfuscatedFlows, double obfuscatedShare,
                      Composition composition, Counts counts) {}

    public record Composition(double vpn, double vps, double tls, double tor) {}

    public record Counts(long vpn, long vps, long tls, long tor) {}
}
