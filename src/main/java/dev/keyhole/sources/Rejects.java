package dev.keyhole.sources;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What a parser could not accept in one input. Every rejection names the file and where in it
 * (byte offset or line); the first {@value #KEEP} messages are kept for findings.json, all are counted
 * and, if a listener is set, reported as they happen.
 */
public final class Rejects {
    public static final int KEEP = 50;

    private final String file;
    private final Consumer<String> listener;
    private long count;
    private final List<String> messages = new ArrayList<>();
    private final Map<String, Long> skipped = new LinkedHashMap<>();

    public Rejects(String file, Consumer<String> listener) {
        this.file = file;
        this.listener = listener;
    }

    /** A problem at a byte offset (binary formats). {@code records} is how many records were lost (≥ 0). */
    public void atOffset(long offset, long records, String reason) {
        add(file + ": offset " + offset + ": " + reason, records);
    }

    /** A problem on a 1-based line (text formats); one line is one record. */
    public void atLine(long line, String reason) {
        add(file + ": line " + line + ": " + reason, 1);
    }

    private void add(String msg, long records) {
        count += records;
        if (messages.size() < KEEP) messages.add(msg);
        if (listener != null) listener.accept(msg);
    }

    /**
     * Records the input holds on purpose but Keyhole does not read (EVE alert or stats events):
     * counted by kind, not rejected. A parser reports each kind once, at the end of the file.
     */
    public void skipped(String kind, long records) {
        // A kind can be the input's own text (EVE event_type) and is printed: cut and escaped like error values.
        if (records > 0) skipped.merge(dev.keyhole.sources.text.TextParse.snippet(kind), records, Long::sum);
    }

    /** What was skipped, by kind, in the order first reported. */
    public Map<String, Long> skipped() {
        return Collections.unmodifiableMap(skipped);
    }

    /** Number of records rejected. */
    public long count() {
        return count;
    }

    public List<String> messages() {
        return Collections.unmodifiableList(messages);
    }
}
