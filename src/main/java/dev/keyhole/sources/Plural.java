package dev.keyhole.sources;

import java.util.Locale;
import java.util.Set;

/**
 * Counts in words for notes and messages: "1 sFlow sample without an IP header", "2 sFlow samples
 * without an IP header". Labels are written in the plural; for a count of one the head noun (the
 * last word ending in s before a qualifier such as "without", "of", "that" or "(") loses its s,
 * and "that are" becomes "that is".
 */
public final class Plural {
    private static final Set<String> QUALIFIERS = Set.of("without", "with", "of", "that", "too", "for", "in", "from",
            "not", "to");

    private Plural() {}

    /** {@code n} and the label, in the singular when {@code n} is 1; thousands grouped. */
    public static String of(long n, String plural) {
        return String.format(Locale.ROOT, "%,d %s", n, n == 1 ? singular(plural) : plural);
    }

    /** The label's singular form (see the class comment); unchanged when no head noun ends in s. */
    static String singular(String plural) {
        String[] w = plural.split(" ", -1);
        int end = w.length;
        for (int i = 1; i < w.length; i++) {
            if (QUALIFIERS.contains(w[i]) || w[i].startsWith("(")) {
                end = i;
                break;
            }
        }
        for (int i = end - 1; i >= 0; i--) {
            if (w[i].length() > 1 && w[i].endsWith("s") && !w[i].endsWith("ss")) {
                w[i] = w[i].substring(0, w[i].length() - 1);
                String s = String.join(" ", w);
                return s.replace(" that are ", " that is ");
            }
        }
        return plural;
    }
}
