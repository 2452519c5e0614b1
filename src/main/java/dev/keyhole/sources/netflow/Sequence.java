package dev.keyhole.sources.netflow;

/**
 * Export sequence numbers of one exporter and observation domain, turned into a count of what the
 * exporter sent but never arrived. The unit is the protocol's: flows (v5), packets (v9) or data records
 * (IPFIX). Sequence numbers are 32-bit and wrap.
 *
 * <ul>
 *   <li>a number ahead of the expected one: the difference is lost;</li>
 *   <li>a number a little behind (within {@code window}) while a recent gap is still open: a late,
 *       reordered datagram; what it carries is taken back from the loss counted when the gap was seen;</li>
 *   <li>any other number behind, or a datagram the caller knows comes from a restarted exporter (its
 *       sysUpTime went back): a restart; counted as a reset, no loss, and the count goes on from there;</li>
 *   <li>a datagram whose record count cannot be known (records of an unknown template): the next one
 *       starts the count afresh.</li>
 * </ul>
 */
public final class Sequence {
    private static final long MASK = 0xffff_ffffL;

    private final long window;
    private boolean started;
    private long expected;
    /** Loss counted recently that late datagrams may still fill (at most {@code window}). */
    private long open;
    private long lost, late, resets;

    /** @param window how far behind a number may be and still count as late rather than a restart */
    public Sequence(long window) {
        this.window = window;
    }

    /**
     * @param seq   the datagram's sequence number
     * @param count what it adds to the sequence (flows, 1 packet, data records), or -1 if unknown
     */
    public void observe(long seq, long count) {
        observe(seq, count, false);
    }

    /** @param restarted the exporter is known to have restarted since the previous datagram */
    public void observe(long seq, long count, boolean restarted) {
        seq &= MASK;
        long end = count < 0 ? -1 : (seq + count) & MASK;
        if (started && restarted) {
            resets++;
            open = 0;
        } else if (started) {
            int d = (int) (seq - expected);
            if (d > 0) {
                lost += d;
                open = Math.min(window, open + d);
            } else if (d < 0) {
                if (count == 0 && -(long) d <= window) return; // a late template-only message says nothing
                if (-(long) d <= window && count > 0 && open >= count) {
                    late++;
                    lost -= Math.min(lost, count);
                    open -= count;
                    return; // the expected number stays: this one filled part of an open gap
                }
                resets++;
                open = 0;
            }
        }
        started = count >= 0;
        expected = end;
    }

    public long lost() {
        return lost;
    }

    public long late() {
        return late;
    }

    public long resets() {
        return resets;
    }

    /** Zeroes the counters (not the expected number): one collector rotation's figures start here. */
    public void clearCounts() {
        lost = 0;
        late = 0;
        resets = 0;
    }
}
