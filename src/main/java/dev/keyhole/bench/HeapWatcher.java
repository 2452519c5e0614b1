package dev.keyhole.bench;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures heap the way that matters for "does memory grow with input": the live heap after each
 * garbage collection (max over the run), plus the peak used heap including garbage.
 */
public final class HeapWatcher implements AutoCloseable {
    private final AtomicLong maxAfterGc = new AtomicLong();
    private final List<Runnable> undo = new ArrayList<>();

    public HeapWatcher() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
        }
        NotificationListener l = (n, h) -> {
            if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) return;
            GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
            long used = 0;
            for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                if (isHeapPool(e.getKey())) used += e.getValue().getUsed();
            }
            maxAfterGc.accumulateAndGet(used, Math::max);
        };
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter em) {
                em.addNotificationListener(l, null, null);
                undo.add(() -> {
                    try {
                        em.removeNotificationListener(l);
                    } catch (Exception ignored) {
                        // already removed
                    }
                });
            }
        }
    }

    private static boolean isHeapPool(String name) {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getName().equals(name)) return p.getType() == MemoryType.HEAP;
        }
        return false;
    }

    /** Largest live heap seen after a collection, in bytes. */
    public long maxLiveAfterGc() {
        return maxAfterGc.get();
    }

    /** Sum of each heap pool's peak (an upper bound of the peak used heap, garbage included). */
    public static long peakUsed() {
        long s = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) s += p.getPeakUsage().getUsed();
        }
        return s;
    }

    @Override
    public void close() {
        undo.forEach(Runnable::run);
    }
}
