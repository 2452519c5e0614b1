package dev.keyhole.testing;

import java.util.Arrays;
import java.util.Random;

/** Seeded damage for fuzz tests. */
public final class Mutations {
    private Mutations() {}

    /** Replaced bytes, bit flips, truncation, insertion or deletion. */
    public static byte[] mutate(byte[] src, Random rnd) {
        byte[] d = src.clone();
        switch (rnd.nextInt(5)) {
            case 0 -> {
                for (int k = 1 + rnd.nextInt(4); k > 0; k--) d[rnd.nextInt(d.length)] = (byte) rnd.nextInt(256);
            }
            case 1 -> d[rnd.nextInt(d.length)] ^= (byte) (1 << rnd.nextInt(8));
            case 2 -> d = Arrays.copyOf(d, rnd.nextInt(d.length));
            case 3 -> {
                int at = rnd.nextInt(d.length + 1);
                byte[] ins = new byte[1 + rnd.nextInt(8)];
                rnd.nextBytes(ins);
                byte[] e = new byte[d.length + ins.length];
                System.arraycopy(d, 0, e, 0, at);
                System.arraycopy(ins, 0, e, at, ins.length);
                System.arraycopy(d, at, e, at + ins.length, d.length - at);
                d = e;
            }
            default -> {
                int at = rnd.nextInt(d.length);
                int n = Math.min(d.length - at, 1 + rnd.nextInt(8));
                byte[] e = new byte[d.length - n];
                System.arraycopy(d, 0, e, 0, at);
                System.arraycopy(d, at + n, e, at, d.length - at - n);
                d = e;
            }
        }
        return d;
    }
}
