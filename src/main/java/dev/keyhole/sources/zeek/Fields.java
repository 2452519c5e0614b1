package dev.keyhole.sources.zeek;

import dev.keyhole.sources.text.TextParse;
import dev.keyhole.records.Ip;

import java.util.List;

/**
 * The values of one Zeek log line by slot (see {@link ZeekSchema}), whether it came as TSV or JSON,
 * so that both encodings build records through the same code and give identical records.
 * "Absent" means the field is not in the line or header; "unset" means Zeek wrote {@code -} / null.
 */
abstract class Fields {
    /** A line that cannot become a record; the message is the reject reason. */
    static final class Bad extends Exception {
        Bad(String message) {
            super(message, null, false, false);
        }
    }

    final ZeekSchema schema;

    Fields(ZeekSchema schema) {
        this.schema = schema;
    }

    /** True if the field is present and set (not {@code -}, not null). */
    abstract boolean isSet(int slot);

    /** Epoch microseconds of a time field; unset or malformed is {@link Bad}. */
    abstract long time(int slot) throws Bad;

    /** An interval in microseconds; unset reads as 0. */
    abstract long interval(int slot) throws Bad;

    /** A count; unset or empty reads as 0. */
    abstract long count(int slot) throws Bad;

    /** An address; unset or malformed is {@link Bad}. */
    abstract Ip addr(int slot) throws Bad;

    /** A string with Zeek's {@code \xNN} escapes decoded; null when unset, "" when {@code (empty)}. */
    abstract String str(int slot);

    /** A bool (T/F in TSV, true/false in JSON); unset reads as false. */
    abstract boolean bool(int slot) throws Bad;

    /** The Zeek transport enum: 6, 17, 1 (icmp), 0 for unknown_transport, -1 for anything else. */
    abstract int transport(int slot);

    /** The elements of a set/vector field that are IP addresses, in order; others are skipped. */
    abstract List<Ip> addrElements(int slot);

    final int port(int slot) throws Bad {
        long p = count(slot);
        if (p > 65_535) throw bad(slot, "port out of range", String.valueOf(p));
        return (int) p;
    }

    final Bad bad(int slot, String what, String raw) {
        return new Bad(schema.names[slot] + ": " + what + " '" + TextParse.snippet(raw) + "'");
    }
}
