package dev.keyhole.engine;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.util.concurrent.atomic.AtomicLong;

/** Progress over input bytes, on stderr; silent when disabled. */
public final class Progress implements AutoCloseable {
    private final ProgressBar bar;
    private final AtomicLong done = new AtomicLong();

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    public static Progress of(String task, long totalBytes, boolean show) {
        if (!show) return new Progress(null);
        ProgressBar b = new ProgressBarBuilder().setTaskName(task).setInitialMax(Math.max(1, totalBytes))
                .setUnit(" MiB", 1 << 20).showSpeed().setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).continuousUpdate().build();
        return new Progress(b);
    }

    public void add(long n) {
        long v = done.addAndGet(n);
        if (bar != null) bar.stepTo(v);
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
