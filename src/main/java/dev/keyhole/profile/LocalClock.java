package dev.keyhole.profile;

import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneRules;

/**
 * Converts UTC epoch milliseconds to the target's local calendar, following every offset change of
 * the tz database (Pyongyang: +09:00, +08:30 from 2015-08-15, +09:00 again from 2018-05-05).
 * Offsets are cached per 15-minute slot — every real zone changes offset on a quarter hour —
 * so the hot path does one division and a compare. Not thread-safe: one per worker.
 */
public final class LocalClock {
    private static final long SLOT = 15 * 60_000L;
    private final ZoneRules rules;
    private long cachedSlot = Long.MIN_VALUE;
    private long cachedOffsetMillis;

    public LocalClock(ZoneId zone) {
        this.rules = zone.getRules();
    }

    public long localMillis(long utcMillis) {
        long slot = Math.floorDiv(utcMillis, SLOT);
        if (slot != cachedSlot) {
            cachedOffsetMillis = rules.getOffset(Instant.ofEpochMilli(slot * SLOT)).getTotalSeconds() * 1000L;
            cachedSlot = slot;
        }
        return utcMillis + cachedOffsetMillis;
    }

    public static long epochDay(long localMillis) {
        return Math.floorDiv(localMillis, 86_400_000L);
    }

    public static int hour(long localMillis) {
        return (int) (Math.floorMod(localMillis, 86_400_000L) / 3_600_000L);
    }

    /** 0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday). */
    public static int dayOfWeekIndex(long epochDay) {
        return (int) Math.floorMod(epochDay + 3, 7L);
    }
}
