package dev.keyhole.enrichment;

import java.util.Set;

/** Origin group of a service, from the service's home country (or the destination's, if unknown). */
public enum Origin {
    WESTERN("western"), CHINESE("chinese"), RUSSIAN("russian"), OTHER("other");

    // The US, Canada, the EU/EEA, the UK, Switzerland, Japan, South Korea, Australia and New Zealand.
    private static final Set<String> WESTERN_COUNTRIES = Set.of("US", "CA", "GB", "IE", "FR", "DE", "NL", "BE",
            "LU", "CH", "AT", "IT", "ES", "PT", "DK", "SE", "NO", "FI", "IS", "PL", "CZ", "SK", "HU", "SI", "HR",
            "EE", "LV", "LT", "GR", "CY", "MT", "RO", "BG", "JP", "KR", "AU", "NZ", "IL", "TW", "SG", "LI", "MC");

    private final String id;

    Origin(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Origin ofCountry(String iso2) {
        if (iso2 == null) return OTHER;
        if (iso2.equals("CN") || iso2.equals("HK") || iso2.equals("MO")) return CHINESE;
        if (iso2.equals("RU")) return RUSSIAN;
        return WESTERN_COUNTRIES.contains(iso2) ? WESTERN : OTHER;
    }
}
