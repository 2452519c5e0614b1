package dev.keyhole.store.parquet;

/**
 * One column of a flat Parquet schema: its physical type, its annotation (old-style converted
 * type, plus the logical type where DuckDB writes one) and whether it may hold NULLs.
 */
public record Field(String name, Physical physical, Annotation annotation, boolean optional) {
    /** Physical types, with their Thrift enum values. */
    public enum Physical {
        BOOLEAN(0), INT32(1), INT64(2), BYTE_ARRAY(6);

        final int thrift;

        Physical(int thrift) {
            this.thrift = thrift;
        }
    }

    /**
     * Converted types (Thrift values), NONE for none. TIMESTAMP_MICROS also gets the logical type
     * TIMESTAMP(isAdjustedToUTC = false, MICROS): a wall-clock timestamp, as DuckDB's TIMESTAMP.
     */
    public enum Annotation {
        NONE(-1, null), UTF8(0, Physical.BYTE_ARRAY), TIMESTAMP_MICROS(10, Physical.INT64),
        UINT_8(11, Physical.INT32), UINT_16(12, Physical.INT32), UINT_32(13, Physical.INT32),
        UINT_64(14, Physical.INT64), INT_64(18, Physical.INT64);

        final int thrift;
        final Physical on;

        Annotation(int thrift, Physical on) {
            this.thrift = thrift;
            this.on = on;
        }
    }

    public Field {
        if (annotation.on != null && annotation.on != physical) {
            throw new IllegalArgumentException(name + ": " + annotation + " does not apply to " + physical);
        }
    }

    /** Statistics compare as unsigned numbers (the UINT_* types, whose values may use the sign bit). */
    boolean unsigned() {
        return annotation == Annotation.UINT_8 || annotation == Annotation.UINT_16 || annotation == Annotation.UINT_32
                || annotation == Annotation.UINT_64;
    }
}
