package dev.keyhole.sources.text;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.Map;

/**
 * Number and time parsers for ASCII text, on byte ranges (the TSV hot path, no allocation) and on
 * strings (JSON, CSV). Every parser returns {@link #BAD} instead of throwing, so a malformed
 * value costs a comparison, not an exception.
 */
public final class TextParse {
    /** Returned for unparsable input. */
    public static final long BAD = Long.MIN_VALUE;

    /** Integer seconds with more digits than this are not a plausible timestamp and would overflow micros. */
    private static final int MAX_SECOND_DIGITS = 12;

    private TextParse() {}

    /** A non-negative decimal integer in {@code b[from, to)}, or {@link #BAD}. */
    public static long parseLong(byte[] b, int from, int to) {
        int n = to - from;
        if (n <= 0 || n > 19) return BAD;
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) return BAD;
            v = v * 10 + d;
        }
        // 19 digits above Long.MAX_VALUE wrap to a negative value (10^19 < 2^64).
        return v < 0 ? BAD : v;
    }

    /** A non-negative decimal integer, or {@link #BAD}. */
    public static long parseLong(CharSequence s) {
        int n = s.length();
        if (n == 0 || n > 19) return BAD;
        long v = 0;
        for (int i = 0; i < n; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) return BAD;
            v = v * 10 + d;
        }
        return v < 0 ? BAD : v;
    }

    /**
     * Non-negative decimal seconds ({@code 1521911720.865716}, {@code 0.5}, {@code 12}) to
     * microseconds, rounded half-up at the 7th decimal so that Zeek's TSV (6 decimals) and its JSON
     * (full double precision) give the same value. Exponent forms go through BigDecimal.
     */
    public static long secondsToMicros(byte[] b, int from, int to) {
        if (from >= to) return BAD;
        long whole = 0;
        int i = from, digits = 0;
        for (; i < to; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) break;
            whole = whole * 10 + d;
            digits++;
        }
        if (digits > MAX_SECOND_DIGITS) return BAD;
        long frac = 0;
        int fracDigits = 0;
        boolean roundUp = false;
        if (i < to && b[i] == '.') {
            i++;
            for (; i < to; i++) {
                int d = b[i] - '0';
                if (d < 0 || d > 9) break;
                if (fracDigits < 6) frac = frac * 10 + d;
                else if (fracDigits == 6) roundUp = d >= 5;
                fracDigits++;
            }
            if (digits == 0 && fracDigits == 0) return BAD;
        } else if (digits == 0) {
            return BAD;
        }
        if (i < to) {
            if (b[i] == 'e' || b[i] == 'E') return slowSecondsToMicros(new String(b, from, to - from,
                    java.nio.charset.StandardCharsets.ISO_8859_1));
            return BAD;
        }
        for (int k = Math.min(fracDigits, 6); k < 6; k++) frac *= 10;
        return whole * 1_000_000L + frac + (roundUp ? 1 : 0);
    }

    /** As {@link #secondsToMicros(byte[], int, int)} for a string. */
    public static long secondsToMicros(CharSequence s) {
        int n = s.length();
        if (n == 0) return BAD;
        long whole = 0;
        int i = 0, digits = 0;
        for (; i < n; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) break;
            whole = whole * 10 + d;
            digits++;
        }
        if (digits > MAX_SECOND_DIGITS) return BAD;
        long frac = 0;
        int fracDigits = 0;
        boolean roundUp = false;
        if (i < n && s.charAt(i) == '.') {
            i++;
            for (; i < n; i++) {
                int d = s.charAt(i) - '0';
                if (d < 0 || d > 9) break;
                if (fracDigits < 6) frac = frac * 10 + d;
                else if (fracDigits == 6) roundUp = d >= 5;
                fracDigits++;
            }
            if (digits == 0 && fracDigits == 0) return BAD;
        } else if (digits == 0) {
            return BAD;
        }
        if (i < n) {
            char c = s.charAt(i);
            if (c == 'e' || c == 'E') return slowSecondsToMicros(s.toString());
            return BAD;
        }
        for (int k = Math.min(fracDigits, 6); k < 6; k++) frac *= 10;
        return whole * 1_000_000L + frac + (roundUp ? 1 : 0);
    }

    private static long slowSecondsToMicros(String s) {
        try {
            BigDecimal v = new BigDecimal(s);
            if (v.signum() < 0 || v.compareTo(BigDecimal.TEN.pow(MAX_SECOND_DIGITS)) >= 0) return BAD;
            return v.movePointRight(6).setScale(0, RoundingMode.HALF_UP).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            return BAD;
        }
    }

    /**
     * An ISO-8601 date-time with a zone designator ({@code 2018-03-24T17:15:20.865716Z},
     * {@code 2024-01-02T03:04:05+01:00}, {@code ...+0100}) to epoch microseconds, or {@link #BAD}.
     * A space may stand for the {@code T}; fractions beyond microseconds are rounded half-up.
     * Without a zone designator the value is ambiguous and rejected.
     */
    public static long isoToMicros(CharSequence s) {
        int n = s.length();
        if (n < 20) return BAD;
        int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
        int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 60 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return BAD;
        }
        char t = s.charAt(10);
        if (t != 'T' && t != 't' && t != ' ') return BAD;
        if (day > daysInMonth(year, month)) return BAD;
        int i = 19;
        long frac = 0;
        int fracDigits = 0;
        boolean roundUp = false;
        if (i < n && (s.charAt(i) == '.' || s.charAt(i) == ',')) {
            i++;
            for (; i < n; i++) {
                int d = s.charAt(i) - '0';
                if (d < 0 || d > 9) break;
                if (fracDigits < 6) frac = frac * 10 + d;
                else if (fracDigits == 6) roundUp = d >= 5;
                fracDigits++;
            }
            if (fracDigits == 0) return BAD;
        }
        for (int k = Math.min(fracDigits, 6); k < 6; k++) frac *= 10;
        if (i >= n) return BAD;
        int offsetSeconds;
        char z = s.charAt(i);
        if (z == 'Z' || z == 'z') {
            offsetSeconds = 0;
            i++;
        } else if (z == '+' || z == '-') {
            int oh = digits(s, i + 1, 2);
            if (oh < 0 || oh > 18) return BAD;
            int om = 0;
            int j = i + 3;
            if (j < n && s.charAt(j) == ':') j++;
            if (j < n) {
                om = digits(s, j, 2);
                if (om < 0 || om > 59) return BAD;
                j += 2;
            }
            offsetSeconds = (oh * 3600 + om * 60) * (z == '-' ? -1 : 1);
            i = j;
        } else {
            return BAD;
        }
        if (i != n) return BAD;
        long days = daysFromCivil(year, month, day);
        long epochSeconds = days * 86_400L + hour * 3600L + minute * 60L + Math.min(second, 59) - offsetSeconds;
        if (epochSeconds < 0) return BAD;
        return epochSeconds * 1_000_000L + frac + (roundUp ? 1 : 0);
    }

    private static int digits(CharSequence s, int from, int count) {
        if (from + count > s.length()) return -1;
        int v = 0;
        for (int i = from; i < from + count; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) return -1;
            v = v * 10 + d;
        }
        return v;
    }

    private static int daysInMonth(int y, int m) {
        switch (m) {
            case 2:
                return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
            case 4: case 6: case 9: case 11:
                return 30;
            default:
                return 31;
        }
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm, no allocation). */
    static long daysFromCivil(int y, int m, int d) {
        y -= m <= 2 ? 1 : 0;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }

    /** At most 40 characters of a bad value for an error message, control characters escaped. */
    public static String snippet(String raw) {
        if (raw == null) return "";
        StringBuilder sb = new StringBuilder(Math.min(raw.length(), 48));
        for (int i = 0; i < raw.length() && sb.length() < 40; i++) {
            char c = raw.charAt(i);
            if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        if (sb.length() >= 40 && raw.length() > 40) sb.append("...");
        return sb.toString();
    }

    /** IANA protocol keywords (upper case) as Suricata and /etc/protocols spell them. */
    private static final Map<String, Integer> PROTOCOLS = protocols();

    /** The IP protocol number of a name (tcp, UDP, ipv6-icmp, ...), or -1 if it is none. */
    public static int protocol(String name) {
        Integer n = PROTOCOLS.get(name.toUpperCase(java.util.Locale.ROOT));
        return n == null ? -1 : n;
    }

    private static Map<String, Integer> protocols() {
        Map<String, Integer> m = new HashMap<>();
        String[] names = {"HOPOPT:0", "ICMP:1", "IGMP:2", "GGP:3", "IPV4:4", "IP-ENCAP:4", "IPIP:4", "ST:5", "TCP:6",
            "EGP:8", "IGP:9", "PUP:12", "UDP:17", "HMP:20", "XNS-IDP:22", "RDP:27", "ISO-TP4:29", "DCCP:33",
            "XTP:36", "DDP:37", "IDPR-CMTP:38", "IPV6:41", "IPV6-ROUTE:43", "IPV6-FRAG:44", "IDRP:45", "RSVP:46",
            "GRE:47", "ESP:50", "IPSEC-ESP:50", "AH:51", "IPSEC-AH:51", "SKIP:57", "IPV6-ICMP:58", "ICMPV6:58",
            "ICMP6:58", "IPV6-NONXT:59", "IPV6-OPTS:60", "RSPF:73", "VMTP:81", "EIGRP:88", "OSPF:89",
            "OSPFIGP:89", "AX.25:93", "ETHERIP:97", "ENCAP:98", "PIM:103", "IPCOMP:108", "VRRP:112", "L2TP:115",
            "ISIS:124", "SCTP:132", "FC:133", "MOBILITY-HEADER:135", "UDPLITE:136", "MPLS-IN-IP:137", "HIP:139",
            "SHIM6:140", "WESP:141", "ROHC:142", "ETHERNET:143"};
        for (String s : names) {
            int c = s.lastIndexOf(':');
            m.put(s.substring(0, c), Integer.parseInt(s.substring(c + 1)));
        }
        return Map.copyOf(m);
    }
}
