package dev.keyhole.sources.zeek;

import dev.keyhole.sources.InputFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random damage to the data lines of real logs: the reader never throws, keeps every
 * untouched line's record, and accounts for every non-empty data line as a record or a reject.
 */
class ZeekFuzzTest {
    static final int ROUNDS = 60;

    @ParameterizedTest
    @ValueSource(strings = {"conn:tsv", "conn:json", "dns:tsv", "dns:json", "http:tsv", "http:json"})
    void randomLineMutations(String variant) {
        String kindName = variant.substring(0, variant.indexOf(':'));
        boolean json = variant.endsWith("json");
        InputFormat kind = InputFormat.valueOf("ZEEK_" + kindName.toUpperCase());
        String tsv = ZeekFixtures.unmasked("zeek-opt-basic/" + kindName + ".log", "1300559167.096535");
        String text = json ? ZeekFixtures.toJson(tsv) : tsv;
        String[] lines = text.split("\n");
        List<Object> expected = ZeekFixtures.read(kind, text).records;
        assertThat(expected).isNotEmpty();

        Random rnd = new Random(variant.hashCode() * 31L + 7);
        long totalRejects = 0;
        for (int round = 0; round < ROUNDS; round++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            List<Object> untouched = new ArrayList<>();
            int dataIndex = 0;
            for (String line : lines) {
                byte[] b = line.getBytes(StandardCharsets.UTF_8);
                boolean data = !line.startsWith("#");
                if (data && rnd.nextInt(3) == 0) {
                    b = mutate(b, rnd);
                } else if (data) {
                    untouched.add(expected.get(dataIndex));
                }
                if (data) dataIndex++;
                out.writeBytes(b);
                out.write('\n');
            }
            byte[] damaged = out.toByteArray();
            long dataLines = countDataLines(damaged);

            var r = ZeekFixtures.read(kind, damaged); // must not throw

            assertThat(r.records).as("round %d", round).containsAll(untouched);
            assertThat(r.records.size() + r.rejects.count()).as("round %d", round).isEqualTo(dataLines);
            assertThat(r.messages()).noneMatch(m -> m.contains("internal error"));
            totalRejects += r.rejects.count();
        }
        assertThat(totalRejects).as("the mutations do damage").isGreaterThan(ROUNDS);
    }

    /** Non-empty lines that do not start with '#', after the CR strip the reader does. */
    static long countDataLines(byte[] b) {
        long n = 0;
        int s = 0;
        for (int i = 0; i <= b.length; i++) {
            if (i == b.length || b[i] == '\n') {
                int e = i;
                if (e > s && b[e - 1] == '\r') e--;
                if (e > s && b[s] != '#') n++;
                s = i + 1;
            }
        }
        return n;
    }

    static byte[] mutate(byte[] b, Random rnd) {
        byte[] m = b;
        int kinds = 1 + rnd.nextInt(3);
        for (int k = 0; k < kinds; k++) {
            int at = m.length == 0 ? 0 : rnd.nextInt(m.length);
            switch (rnd.nextInt(9)) {
                case 0: // delete a range
                    m = splice(m, at, Math.min(m.length - at, 1 + rnd.nextInt(8)), new byte[0]);
                    break;
                case 1: // insert random bytes, including invalid UTF-8 and separators
                    byte[] junk = new byte[1 + rnd.nextInt(4)];
                    for (int i = 0; i < junk.length; i++) {
                        byte[] pool = {'\t', ',', '"', '\\', 'x', '{', '}', ':', '-', '.', '9', (byte) 0xff, (byte) 0xc3, 0};
                        junk[i] = pool[rnd.nextInt(pool.length)];
                    }
                    m = splice(m, at, 0, junk);
                    break;
                case 2: // truncate
                    m = java.util.Arrays.copyOf(m, at);
                    break;
                case 3: // a digit becomes a letter
                    for (int i = at; i < m.length; i++) {
                        if (m[i] >= '0' && m[i] <= '9') {
                            m[i] = (byte) ('a' + rnd.nextInt(26));
                            break;
                        }
                    }
                    break;
                case 4: // split the line in two
                    m = splice(m, at, 0, new byte[] {'\n'});
                    break;
                case 5: // a carriage return somewhere
                    m = splice(m, at, 0, new byte[] {'\r'});
                    break;
                case 6: // duplicate a chunk
                    int len = Math.min(m.length - at, 1 + rnd.nextInt(20));
                    m = splice(m, at, 0, java.util.Arrays.copyOfRange(m, at, at + len));
                    break;
                case 7: // huge number
                    m = splice(m, at, 0, "99999999999999999999999".getBytes(StandardCharsets.US_ASCII));
                    break;
                default: // escape sequences
                    m = splice(m, at, 0, "\\x2".getBytes(StandardCharsets.US_ASCII));
                    break;
            }
        }
        // A damaged line must stay a data line: a leading '#' would make it a header.
        byte[] out = m;
        for (int i = 0; i < out.length; i++) {
            if ((i == 0 || out[i - 1] == '\n') && i < out.length && out[i] == '#') out[i] = '%';
        }
        return out;
    }

    static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }
}
