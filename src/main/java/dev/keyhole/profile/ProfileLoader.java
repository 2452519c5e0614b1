package dev.keyhole.profile;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Loads the built-in profiles (resources/dev/keyhole/profiles/NAME.yaml) or a user's YAML file. */
public final class ProfileLoader {
    private ProfileLoader() {}

    /** {@code nameOrFile} is a built-in name such as {@code dprk} or a path to a YAML file. */
    public static TargetProfile load(String nameOrFile) throws IOException {
        Path p = Path.of(nameOrFile);
        if (Files.isRegularFile(p)) {
            try (InputStream in = Files.newInputStream(p)) {
                return parse(dev.keyhole.config.YamlTree.read(in, p.toString()), p.toString());
            }
        }
        return builtIn(nameOrFile);
    }

    /** A built-in profile by name, never a file. */
    public static TargetProfile builtIn(String nameOrFile) throws IOException {
        String res = "/dev/keyhole/profiles/" + nameOrFile.toLowerCase(Locale.ROOT) + ".yaml";
        try (InputStream in = ProfileLoader.class.getResourceAsStream(res)) {
            if (in == null) {
                throw new IllegalArgumentException("no built-in profile '" + nameOrFile
                        + "' and no such file; built-in profiles: dprk");
            }
            return parse(dev.keyhole.config.YamlTree.read(in, "built-in:" + nameOrFile), "built-in:" + nameOrFile);
        }
    }

    static TargetProfile parse(JsonNode n, String where) {
        if (n == null || !n.isObject()) throw new IllegalArgumentException(where + ": profile must be a YAML mapping");
        String name = text(n, "name", where);
        List<String> cidrs = new ArrayList<>();
        n.path("cidrs").forEach(c -> cidrs.add(c.asText()));
        List<Long> asns = longs(n.path("asns"), where, "asns");
        if (cidrs.isEmpty() && asns.isEmpty()) {
            throw new IllegalArgumentException(where + ": profile needs at least one of 'cidrs' or 'asns'");
        }
        ZoneId zone;
        try {
            zone = ZoneId.of(n.path("timezone").asText("UTC"));
        } catch (DateTimeException e) {
            throw new IllegalArgumentException(where + ": unknown tz database zone '" + n.path("timezone").asText() + "'");
        }
        Set<DayOfWeek> weekend = EnumSet.noneOf(DayOfWeek.class);
        if (n.has("weekend")) {
            for (JsonNode d : n.get("weekend")) weekend.add(day(d.asText(), where));
        } else {
            weekend.add(DayOfWeek.SATURDAY);
            weekend.add(DayOfWeek.SUNDAY);
        }
        List<Period> periods = new ArrayList<>();
        JsonNode ps = n.path("periods");
        if (ps.isObject()) {
            for (Map.Entry<String, JsonNode> e : iterable(ps)) periods.add(period(e.getKey(), e.getValue(), where));
        } else if (ps.isArray()) {
            for (JsonNode pn : ps) periods.add(period(text(pn, "name", where), pn, where));
        }
        return new TargetProfile(name, cidrs, asns, zone, weekend, periods, longs(n.path("upstreams"), where, "upstreams"));
    }

    private static Period period(String name, JsonNode v, String where) {
        try {
            if (v.isTextual()) return Period.parse(name + "=" + v.asText());
            return new Period(name, LocalDate.parse(v.path("from").asText()), LocalDate.parse(v.path("to").asText()));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(where + ": period '" + name + "': " + e.getMessage());
        }
    }

    private static DayOfWeek day(String s, String where) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        for (DayOfWeek d : DayOfWeek.values()) {
            if (d.name().equals(t) || d.name().startsWith(t) && t.length() >= 3) return d;
        }
        throw new IllegalArgumentException(where + ": unknown weekend day '" + s + "'");
    }

    private static List<Long> longs(JsonNode arr, String where, String key) {
        List<Long> out = new ArrayList<>();
        for (JsonNode a : arr) {
            String t = a.asText().trim().toUpperCase(Locale.ROOT);
            if (t.startsWith("AS")) t = t.substring(2);
            try {
                out.add(Long.parseLong(t));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + ": bad ASN in '" + key + "': " + a.asText());
            }
        }
        return out;
    }

    private static String text(JsonNode n, String key, String where) {
        JsonNode v = n.get(key);
        if (v == null || v.asText().isBlank()) throw new IllegalArgumentException(where + ": missing '" + key + "'");
        return v.asText();
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode n) {
        return n::fields;
    }
}
