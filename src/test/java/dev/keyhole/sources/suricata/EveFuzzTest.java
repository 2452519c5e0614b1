package dev.keyhole.sources.suricata;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random damage to real and crafted EVE lines: the reader never throws, keeps the record of
 * every untouched line, and accounts for every non-blank line as a record, a reject or a skip.
 */
class EveFuzzTest {
    static final int ROUNDS = 200;

    static final String[] EXTRA = {
        "{\"timestamp\":\"2020-02-23T10:47:47.232359+0000\",\"flow_id\":930527052610671,\"event_type\":\"http\","
            + "\"src_ip\":\"192.168.2.16\",\"src_port\":58338,\"dest_ip\":\"17.253.53.201\",\"dest_port\":80,"
            + "\"proto\":\"TCP\",\"http\":{\"hostname\":\"captive.apple.com\",\"url\":\"/\",\"http_user_agent\":\"UA\","
            + "\"http_method\":\"GET\",\"status\":200}}",
        "{\"timestamp\":\"2020-02-23T10:47:47.791153+0000\",\"flow_id\":985502110498923,\"event_type\":\"tls\","
            + "\"src_ip\":\"192.168.2.16\",\"src_port\":32974,\"dest_ip\":\"216.239.38.120\",\"dest_port\":443,"
            + "\"proto\":\"TCP\",\"tls\":{\"sni\":\"clients1.google.com\",\"version\":\"TLS 1.2\"}}",
        "{\"timestamp\":\"2020-02-23T10:46:09.772338+0000\",\"flow_id\":1215957010485027,\"event_type\":\"flow\","
            + "\"src_ip\":\"2001:db8::16\",\"src_port\":52486,\"dest_ip\":\"2001:db8::4a\",\"dest_port\":443,"
            + "\"proto\":\"TCP\",\"flow\":{\"pkts_toserver\":12,\"pkts_toclient\":10,\"bytes_toserver\":1298,"
            + "\"bytes_toclient\":5186,\"start\":\"2020-02-23T10:47:48.348648+0000\","
            + "\"end\":\"2020-02-23T10:47:50.097913+0000\"},\"tcp\":{\"tcp_flags\":\"1a\"}}",
        "{\"timestamp\":\"2020-02-23T10:46:09.772338+0000\",\"flow_id\":1,\"event_type\":\"alert\","
            + "\"alert\":{\"signature\":\"x\"}}",
    };

    @Test
    void randomLineMutations() throws IOException {
        List<String> lines = new ArrayList<>(Arrays.asList(new String(EveReaderTest.bytes("eve.json"),
                StandardCharsets.UTF_8).split("\n")));
        lines.addAll(Arrays.asList(EXTRA));
        List<List<Object>> expected = new ArrayList<>();
        for (String l : lines) expected.add(records(EveReaderTest.read(l)));

        Random rnd = new Random(20180505L);
        long totalRejects = 0;
        for (int round = 0; round < ROUNDS; round++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            List<Object> untouched = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                byte[] b = lines.get(i).getBytes(StandardCharsets.UTF_8);
                if (rnd.nextInt(3) == 0) b = mutate(b, rnd);
                else untouched.addAll(expected.get(i));
                out.writeBytes(b);
                out.write('\n');
            }
            byte[] damaged = out.toByteArray();
            EveReaderTest.Got g = EveReaderTest.read(damaged); // must not throw
            long skipped = g.rejects.skipped().values().stream().mapToLong(Long::longValue).sum();

            assertThat(records(g)).as("round %d", round).containsAll(untouched);
            assertThat(g.emitted + g.rejects.count() + skipped).as("round %d", round).isEqualTo(nonBlankLines(damaged));
            assertThat(g.errors).noneMatch(m -> m.contains("internal error"));
            totalRejects += g.rejects.count();
        }
        assertThat(totalRejects).as("the mutations do damage").isGreaterThan(ROUNDS);
    }

    static List<Object> records(EveReaderTest.Got g) {
        List<Object> l = new ArrayList<>();
        l.addAll(g.flows);
        l.addAll(g.http);
        l.addAll(g.tls);
        l.addAll(g.dns);
        return l;
    }

    /** Lines the reader looks at: not empty after its CR strip and leading blanks. */
    static long nonBlankLines(byte[] b) {
        long n = 0;
        int s = 0;
        for (int i = 0; i <= b.length; i++) {
            if (i == b.length || b[i] == '\n') {
                int e = i;
                if (e > s && b[e - 1] == '\r') e--;
                int k = s;
                while (k < e && (b[k] == ' ' || b[k] == '\t')) k++;
                if (k < e) n++;
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
            switch (rnd.nextInt(8)) {
                case 0: // delete a range
                    m = splice(m, at, Math.min(m.length - at, 1 + rnd.nextInt(12)), new byte[0]);
                    break;
                case 1: { // insert JSON-ish junk, invalid UTF-8 and NUL
                    byte[] pool = {'"', '\\', '{', '}', '[', ']', ':', ',', '-', '.', '9', 'u', (byte) 0xff, (byte) 0xc3, 0};
                    byte[] junk = new byte[1 + rnd.nextInt(4)];
                    for (int i = 0; i < junk.length; i++) junk[i] = pool[rnd.nextInt(pool.length)];
                    m = splice(m, at, 0, junk);
                    break;
                }
                case 2: // truncate
                    m = Arrays.copyOf(m, at);
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
                case 5: // duplicate a chunk
                    int len = Math.min(m.length - at, 1 + rnd.nextInt(30));
                    m = splice(m, at, 0, Arrays.copyOfRange(m, at, at + len));
                    break;
                case 6: // huge number
                    m = splice(m, at, 0, "99999999999999999999999".getBytes(StandardCharsets.US_ASCII));
                    break;
                default: // a value swapped for another type
                    m = splice(m, at, 0, "null,\"x\":[{}],".getBytes(StandardCharsets.US_ASCII));
                    break;
            }
        }
        return m;
    }

    static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }
}
