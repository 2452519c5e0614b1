package dev.keyhole.sources.csv;

import dev.keyhole.records.FlowRecord;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random damage to data lines of a valid CSV: the reader never throws, keeps every
 * untouched line's flow, and accounts for every non-blank data line as a flow or a reject.
 */
class CsvFuzzTest {
    @Test
    void randomLineMutations() {
        Random gen = new Random(20240101);
        StringBuilder sb = new StringBuilder("start,end,src,dst,sport,dport,proto,packets,bytes,tcp_flags,rpackets,rbytes,uid,name\n");
        for (int i = 0; i < 150; i++) {
            long start = 1_700_000_000L + gen.nextInt(100_000);
            String startText = i % 3 == 0 ? java.time.Instant.ofEpochSecond(start).toString() : start + "." + gen.nextInt(1000);
            sb.append(startText).append(',').append(start + 1 + gen.nextInt(60)).append(',')
                    .append(i % 5 == 0 ? "2001:db8::" + Integer.toHexString(i) : "10.0." + (i / 250) + "." + (i % 250)).append(',')
                    .append(i % 5 == 0 ? "2001:db8::1" : "192.0.2." + gen.nextInt(255)).append(',')
                    .append(1024 + gen.nextInt(60000)).append(',').append(i % 2 == 0 ? 443 : 53).append(',')
                    .append(i % 2 == 0 ? "tcp" : "17").append(',').append(gen.nextInt(100)).append(',')
                    .append(gen.nextInt(100_000)).append(',').append(i % 2 == 0 ? "...AP.SF" : "").append(',')
                    .append(gen.nextInt(50)).append(',').append(gen.nextInt(50_000)).append(",C").append(i).append(',')
                    .append(i % 4 == 0 ? "\"host, " + i + " \"\"x\"\"\"" : "h" + i + ".example").append('\n');
        }
        String csv = sb.toString();
        String[] lines = csv.split("\n");
        List<FlowRecord> expected = CsvFlowReaderTest.read(csv).flows;
        assertThat(expected).hasSize(150);

        Random rnd = new Random(42);
        long totalRejects = 0;
        for (int round = 0; round < 80; round++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            List<FlowRecord> untouched = new ArrayList<>();
            for (int i = 0; i < lines.length; i++) {
                byte[] b = lines[i].getBytes(StandardCharsets.UTF_8);
                if (i > 0 && rnd.nextInt(3) == 0) b = mutate(b, rnd);
                else if (i > 0) untouched.add(expected.get(i - 1));
                out.writeBytes(b);
                out.write('\n');
            }
            byte[] damaged = out.toByteArray();

            var r = CsvFlowReaderTest.read(damaged);

            assertThat(r.flows).as("round %d", round).containsAll(untouched);
            assertThat(r.flows.size() + r.rejects.count()).as("round %d", round).isEqualTo(nonBlankDataLines(damaged));
            assertThat(r.rejects.messages()).noneMatch(m -> m.contains("internal error"));
            totalRejects += r.rejects.count();
        }
        assertThat(totalRejects).isGreaterThan(80);
    }

    static long nonBlankDataLines(byte[] b) {
        long n = 0;
        int s = 0;
        boolean header = true;
        for (int i = 0; i <= b.length; i++) {
            if (i == b.length || b[i] == '\n') {
                int e = i;
                if (e > s && b[e - 1] == '\r') e--;
                boolean blank = true;
                for (int k = s; k < e; k++) blank &= b[k] == ' ' || b[k] == '\t';
                if (!header && !blank) n++;
                if (header) header = false;
                s = i + 1;
            }
        }
        return n;
    }

    static byte[] mutate(byte[] b, Random rnd) {
        int at = b.length == 0 ? 0 : rnd.nextInt(b.length);
        byte[] pool = {',', '"', '\n', '\r', ' ', 'x', '-', ':', '.', (byte) 0xff, 0, '9'};
        switch (rnd.nextInt(4)) {
            case 0:
                return splice(b, at, Math.min(b.length - at, 1 + rnd.nextInt(6)), new byte[0]);
            case 1:
                return splice(b, at, 0, new byte[] {pool[rnd.nextInt(pool.length)], pool[rnd.nextInt(pool.length)]});
            case 2:
                return java.util.Arrays.copyOf(b, at);
            default:
                return splice(b, at, Math.min(1, b.length - at), new byte[] {pool[rnd.nextInt(pool.length)]});
        }
    }

    static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }
}
