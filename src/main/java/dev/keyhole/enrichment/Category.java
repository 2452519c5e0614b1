package dev.keyhole.enrichment;

import java.util.Locale;

/** The activity categories of the activity-mix analysis; ids are what findings.json uses. */
public enum Category {
    GAMING("gaming"),
    STREAMING("streaming"),
    SOCIAL("social"),
    SEARCH("search"),
    NEWS("news"),
    SHOPPING("shopping"),
    MAIL("mail"),
    MESSAGING_VOIP("messaging-voip"),
    P2P("p2p"),
    SOFTWARE_UPDATES("software-updates"),
    HOSTING_VPS("hosting-vps"),
    VPN("vpn"),
    OTHER("other");

    private final String id;

    Category(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Category fromId(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT).replace('_', '-').replace('/', '-');
        for (Category c : values()) if (c.id.equals(t)) return c;
        throw new IllegalArgumentException("unknown category '" + s + "'");
    }
}
