package dev.keyhole.sources.zeek;

import dev.keyhole.records.Ip;
import dev.keyhole.records.IpText;
import dev.keyhole.sources.text.TextParse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One Zeek TSV data line, split by hand on the separator byte into slot ranges of the line buffer.
 * Values stay bytes until a record needs them; numbers and addresses are parsed in place.
 */
final class TsvFields extends Fields {
    private final int[] from;
    private final int[] to;
    private byte[] b;

    // Header state of the current block.
    private byte separator = '\t';
    private byte[] setSeparator = {','};
    private byte[] unset = {'-'};
    private byte[] empty = "(empty)".getBytes(StandardCharsets.US_ASCII);
    private int[] slotOfField = new int[0];

    TsvFields(ZeekSchema schema) {
        super(schema);
        from = new int[schema.slots()];
        to = new int[schema.slots()];
    }

    void resetHeader() {
        separator = '\t';
        setSeparator = new byte[] {','};
        unset = new byte[] {'-'};
        empty = "(empty)".getBytes(StandardCharsets.US_ASCII);
        slotOfField = new int[0];
    }

    byte separator() {
        return separator;
    }

    void separator(byte s) {
        separator = s;
    }

    void setSeparator(byte[] s) {
        setSeparator = s;
    }

    void unset(byte[] s) {
        unset = s;
    }

    void empty(byte[] s) {
        empty = s;
    }

    /** Maps {@code #fields} positions to slots. */
    void fields(String[] names) {
        slotOfField = new int[names.length];
        for (int i = 0; i < names.length; i++) slotOfField[i] = schema.slot(names[i]);
    }

    int fieldCount() {
        return slotOfField.length;
    }

    /**
     * Splits {@code b[start, end)} on the separator and records the slots' ranges.
     *
     * @return the number of fields on the line
     */
    int split(byte[] buf, int start, int end) {
        b = buf;
        Arrays.fill(from, -1);
        int[] map = slotOfField;
        int n = map.length;
        byte sep = separator;
        int field = 0, fs = start;
        for (int i = start; i < end; i++) {
            if (buf[i] == sep) {
                if (field < n) {
                    int s = map[field];
                    if (s >= 0) {
                        from[s] = fs;
                        to[s] = i;
                    }
                }
                field++;
                fs = i + 1;
            }
        }
        if (field < n) {
            int s = map[field];
            if (s >= 0) {
                from[s] = fs;
                to[s] = end;
            }
        }
        return field + 1;
    }

    private boolean equalsRange(int f, int t, byte[] token) {
        if (t - f != token.length) return false;
        for (int i = 0; i < token.length; i++) {
            if (b[f + i] != token[i]) return false;
        }
        return true;
    }

    private boolean unsetAt(int slot) {
        return from[slot] < 0 || equalsRange(from[slot], to[slot], unset);
    }

    private boolean emptyAt(int slot) {
        return equalsRange(from[slot], to[slot], empty);
    }

    private String raw(int slot) {
        return new String(b, from[slot], to[slot] - from[slot], StandardCharsets.UTF_8);
    }

    @Override
    boolean isSet(int slot) {
        return !unsetAt(slot);
    }

    @Override
    long time(int slot) throws Bad {
        if (unsetAt(slot)) throw new Bad(schema.names[slot] + ": unset");
        long v = TextParse.secondsToMicros(b, from[slot], to[slot]);
        if (v == TextParse.BAD) {
            String s = raw(slot);
            v = TextParse.isoToMicros(s);
            if (v == TextParse.BAD) throw bad(slot, "not a time", s);
        }
        return v;
    }

    @Override
    long interval(int slot) throws Bad {
        if (unsetAt(slot) || emptyAt(slot)) return 0;
        long v = TextParse.secondsToMicros(b, from[slot], to[slot]);
        if (v == TextParse.BAD) throw bad(slot, "not an interval", raw(slot));
        return v;
    }

    @Override
    long count(int slot) throws Bad {
        if (unsetAt(slot) || emptyAt(slot)) return 0;
        long v = TextParse.parseLong(b, from[slot], to[slot]);
        if (v == TextParse.BAD) throw bad(slot, "not a count", raw(slot));
        return v;
    }

    @Override
    Ip addr(int slot) throws Bad {
        if (unsetAt(slot)) throw new Bad(schema.names[slot] + ": unset");
        Ip ip = IpText.parse(b, from[slot], to[slot]);
        if (ip == null) throw bad(slot, "not an address", raw(slot));
        return ip;
    }

    @Override
    String str(int slot) {
        if (unsetAt(slot)) return null;
        if (emptyAt(slot)) return "";
        return ZeekEscapes.decode(b, from[slot], to[slot]);
    }

    @Override
    boolean bool(int slot) throws Bad {
        if (unsetAt(slot)) return false;
        int f = from[slot];
        if (to[slot] - f == 1) {
            if (b[f] == 'T') return true;
            if (b[f] == 'F') return false;
        }
        throw bad(slot, "not a bool", raw(slot));
    }

    @Override
    int transport(int slot) {
        if (unsetAt(slot)) return -1;
        int f = from[slot], n = to[slot] - f;
        if (n == 3 && b[f + 1] == 'c' && b[f + 2] == 'p') {
            if (b[f] == 't') return 6;
        }
        if (n == 3 && b[f] == 'u' && b[f + 1] == 'd' && b[f + 2] == 'p') return 17;
        if (n == 4 && b[f] == 'i' && b[f + 1] == 'c' && b[f + 2] == 'm' && b[f + 3] == 'p') return 1;
        return "unknown_transport".equals(raw(slot)) ? 0 : -1;
    }

    /** The raw text of a slot for error messages. */
    String text(int slot) {
        return from[slot] < 0 ? "" : raw(slot);
    }

    @Override
    List<Ip> addrElements(int slot) {
        if (unsetAt(slot) || emptyAt(slot)) return List.of();
        List<Ip> out = null;
        int f = from[slot], t = to[slot];
        byte[] ss = setSeparator;
        int es = f;
        for (int i = f; i <= t; i++) {
            boolean atSep = i == t || (i + ss.length <= t && b[i] == ss[0] && equalsRange(i, i + ss.length, ss));
            if (!atSep) continue;
            Ip ip = element(es, i);
            if (ip != null) {
                if (out == null) out = new ArrayList<>(2);
                out.add(ip);
            }
            if (i == t) break;
            i += ss.length - 1;
            es = i + 1;
        }
        return out == null ? List.of() : out;
    }

    private Ip element(int f, int t) {
        for (int i = f; i < t; i++) {
            if (b[i] == '\\') return IpText.parse(ZeekEscapes.decode(b, f, t));
        }
        return IpText.parse(b, f, t);
    }
}
