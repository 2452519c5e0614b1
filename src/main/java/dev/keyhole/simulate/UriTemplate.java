package dev.keyhole.simulate;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A URI (or host name) pattern with random parts: {dN} N digits, {hN} N lower-case hex digits,
 * {HN} upper-case hex, {aN} lower-case letters and digits, {cc} a two-letter country code.
 */
final class UriTemplate {
    private static final String LOWER_HEX = "0123456789abcdef";
    private static final String UPPER_HEX = "0123456789ABCDEF";
    private static final String ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final String DIGITS = "0123456789";
    private static final String[] COUNTRIES = {"jp", "sg", "hk", "us", "de", "nl", "uk", "ru", "fr", "se", "ch", "au"};

    private final String[] literals;
    private final char[] kinds;
    private final int[] lengths;

    private UriTemplate(String[] literals, char[] kinds, int[] lengths) {
        this.literals = literals;
        this.kinds = kinds;
        this.lengths = lengths;
    }

    static UriTemplate compile(String t) {
        List<String> lit = new ArrayList<>();
        List<Character> k = new ArrayList<>();
        List<Integer> n = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            int close = c == '{' ? t.indexOf('}', i) : -1;
            if (close < 0) {
                cur.append(c);
                continue;
            }
            String spec = t.substring(i + 1, close);
            char kind;
            int len;
            if (spec.equals("cc")) {
                kind = 'c';
                len = 2;
            } else if (spec.length() >= 2 && "dhHa".indexOf(spec.charAt(0)) >= 0
                    && spec.substring(1).chars().allMatch(Character::isDigit)) {
                kind = spec.charAt(0);
                len = Integer.parseInt(spec.substring(1));
            } else {
                throw new IllegalArgumentException("bad placeholder {" + spec + "} in '" + t + "'");
            }
            lit.add(cur.toString());
            cur.setLength(0);
            k.add(kind);
            n.add(len);
            i = close;
        }
        lit.add(cur.toString());
        char[] kinds = new char[k.size()];
        int[] lens = new int[n.size()];
        for (int i = 0; i < kinds.length; i++) {
            kinds[i] = k.get(i);
            lens[i] = n.get(i);
        }
        return new UriTemplate(lit.toArray(new String[0]), kinds, lens);
    }

    String render(SplittableRandom r) {
        StringBuilder sb = new StringBuilder(64);
        render(r, sb);
        return sb.toString();
    }

    void render(SplittableRandom r, StringBuilder sb) {
        for (int i = 0; i < kinds.length; i++) {
            sb.append(literals[i]);
            switch (kinds[i]) {
                case 'd' -> {
                    // No leading zero, as in real numeric ids.
                    sb.append((char) ('1' + r.nextInt(9)));
                    fill(r, sb, DIGITS, lengths[i] - 1);
                }
                case 'h' -> fill(r, sb, LOWER_HEX, lengths[i]);
                case 'H' -> fill(r, sb, UPPER_HEX, lengths[i]);
                case 'a' -> fill(r, sb, ALNUM, lengths[i]);
                case 'c' -> sb.append(COUNTRIES[r.nextInt(COUNTRIES.length)]);
                default -> throw new IllegalStateException();
            }
        }
        sb.append(literals[kinds.length]);
    }

    private static void fill(SplittableRandom r, StringBuilder sb, String alphabet, int n) {
        for (int j = 0; j < n; j++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
}
