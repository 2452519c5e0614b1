package dev.keyhole.findings;

import java.util.List;

/**
 * Activity mix: conversations (flows) and bytes by category, service, company and origin group,
 * per period and per month, and the share changes between consecutive periods.
 */
public record ActivityMix(
        List<CategoryShare> byCategory,
        List<ServiceShare> byService,
        List<CompanyShare> byCompany,
        List<OriginShare> byOrigin,
        Monthly monthly,
        List<ShareChange> changes) {

    /** Key of the row that sums the services or companies past the top rows of a period. */
    public static final String REST = "(other)";

    public record Monthly(List<CategoryShare> byCategory, List<ServiceShare> byService, List<CompanyShare> byCompany,
                          List<OriginShare> byOrigin) {}

    /** {@code share} is the share of the period's conversations; {@code byteShare} of its bytes. */
    public record CategoryShare(String period, String category, long flows, long bytes, double share,
                                double byteShare) {}

    public record ServiceShare(String period, String service, String name, String company, String category,
                               String origin, long flows, long bytes, double share, double byteShare) {}

    public record CompanyShare(String period, String company, long flows, long bytes, double share,
                               double byteShare) {}

    public record OriginShare(String period, String origin, long flows, long bytes, double share, double byteShare) {}

    /**
     * Change of one key's share of conversations between two periods, with a two-proportion z-test.
     * {@code significant} means p &lt; 0.01.
     */
    public record ShareChange(String dimension, String key, String from, String to, double shareFrom,
                              double shareTo, double delta, double z, double pValue, boolean significant) {}
}
