package dev.keyhole.profile;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/** A named, inclusive range of local dates in the target's time zone. */
public record Period(String name, LocalDate from, LocalDate to) {
    public Period {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("period needs a name");
        if (to.isBefore(from)) throw new IllegalArgumentException("period " + name + " ends before it starts");
    }

    public boolean contains(long localEpochDay) {
        return localEpochDay >= from.toEpochDay() && localEpochDay <= to.toEpochDay();
    }

    /** Parses {@code NAME=YYYY-MM-DD..YYYY-MM-DD} as given to {@code --period}. */
    public static Period parse(String spec) {
        int eq = spec.indexOf('=');
        int dots = spec.indexOf("..");
        if (eq <= 0 || dots < eq) {
            throw new IllegalArgumentException("period must look like NAME=YYYY-MM-DD..YYYY-MM-DD, got: " + spec);
        }
        try {
            return new Period(spec.substring(0, eq).trim(), LocalDate.parse(spec.substring(eq + 1, dots).trim()),
                    LocalDate.parse(spec.substring(dots + 2).trim()));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("bad date in period '" + spec + "': " + e.getParsedString());
        }
    }
}
