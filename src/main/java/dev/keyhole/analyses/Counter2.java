package dev.keyhole.analyses;

/** A pair of counters (conversations, bytes). */
public final class Counter2 {
    public long flows;
    public long bytes;

    public void add(long f, long b) {
        flows += f;
        bytes += b;
    }

    public void add(Counter2 o) {
        flows += o.flows;
        bytes += o.bytes;
    }
}
