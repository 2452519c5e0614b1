package dev.keyhole.bench;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.sources.ipfix.IpfixWriter;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The benchmark workload: IPFIX files shaped like a border router's export of a small target
 * network — each conversation as a client→server and a server→client record, destinations drawn
 * with a skewed popularity from 200,000 addresses in 20,000 /24 networks, a mix of service ports.
 * Deterministic for a seed.
 */
public final class SyntheticIpfix {
    private static final int[] TARGET_NETS = {0xAF2DB000 /* 175.45.176.0/22 */, 0xD2346D00 /* 210.52.109.0/24 */,
            0x4D5E2300 /* 77.94.35.0/24 */};
    private static final int[] TARGET_SIZES = {1024, 256, 256};
    private static final int[] PORTS = {443, 443, 443, 443, 80, 80, 53, 993, 1194, 4500, 9001, 6881, 27015, 8080, 22};

    private SyntheticIpfix() {}

    /** Writes {@code files} files holding {@code flows} flow records in total; returns the paths. */
    public static Path[] write(Path dir, long flows, int files, long seed) throws IOException {
        Files.createDirectories(dir);
        SplittableRandom rnd = new SplittableRandom(seed);
        // 200,000 remote addresses in 20,000 public /24 networks: servers cluster in their operators'
        // networks, as real destinations do.
        int[] remotes = new int[200_000];
        int[] blocks = new int[20_000];
        for (int i = 0; i < blocks.length; i++) {
            int a;
            do {
                a = rnd.nextInt() & 0xffffff00;
            } while (!publicV4(a));
            blocks[i] = a;
        }
        for (int i = 0; i < remotes.length; i++) remotes[i] = blocks[rnd.nextInt(blocks.length)] | (1 + rnd.nextInt(254));
        Path[] out = new Path[files];
        long start = java.time.Instant.parse("2017-04-01T00:00:00Z").toEpochMilli();
        long span = java.time.Instant.parse("2018-09-01T00:00:00Z").toEpochMilli() - start;
        long perFile = flows / files;
        for (int f = 0; f < files; f++) {
            out[f] = dir.resolve(String.format("bench-%03d.ipfix", f));
            long n = f == files - 1 ? flows - perFile * (files - 1) : perFile;
            long t0 = start + span * f / files, t1 = start + span * (f + 1) / files;
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out[f]), 1 << 20);
                 IpfixWriter w = new IpfixWriter(os, 1 + f)) {
                long t = t0;
                long step = Math.max(1, (t1 - t0) / Math.max(1, n / 2));
                for (long i = 0; i < n; i += 2) {
                    int net = rnd.nextInt(3);
                    Ip local = Ip.ofV4(TARGET_NETS[net] + 1 + rnd.nextInt(TARGET_SIZES[net] - 2));
                    // Zipf-like: the square of a uniform value favours low indexes.
                    double u = rnd.nextDouble();
                    Ip remote = Ip.ofV4(remotes[(int) (u * u * u * remotes.length)]);
                    int port = PORTS[rnd.nextInt(PORTS.length)];
                    int proto = port == 53 || port == 1194 || port == 4500 ? 17 : 6;
                    int eph = 1024 + rnd.nextInt(64_000);
                    long pk = 1 + rnd.nextInt(40);
                    long dur = rnd.nextInt(60_000);
                    t += step;
                    w.write(FlowRecord.uni(t, t + dur, local, remote, eph, port, proto, proto == 6 ? 0x1b : 0, pk,
                            pk * (60 + rnd.nextInt(400)), 0, 0));
                    if (i + 1 < n) {
                        long pk2 = 1 + rnd.nextInt(80);
                        // The reply starts 5 ms after the request, but never after both end (nfdump 1.7.8 flags last < first).
                        w.write(FlowRecord.uni(t + Math.min(5, dur), t + dur, remote, local, port, eph, proto, proto == 6 ? 0x1b : 0,
                                pk2, pk2 * (200 + rnd.nextInt(1200)), 0, 0));
                    }
                }
            }
        }
        return out;
    }

    private static boolean publicV4(int a) {
        int b0 = (a >>> 24) & 0xff;
        return b0 != 0 && b0 != 10 && b0 != 127 && b0 < 224 && !(b0 == 192 && ((a >>> 16) & 0xff) == 168)
                && !(b0 == 172 && ((a >>> 20) & 0xf) == 1) && b0 != 175 && b0 != 210 && b0 != 77;
    }
}
