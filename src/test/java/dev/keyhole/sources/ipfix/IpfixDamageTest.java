package dev.keyhole.sources.ipfix;

import dev.keyhole.records.FlowRecord;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.keyhole.sources.ipfix.IpfixBytes.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Damaged input: every case is reported at the right file offset and nothing valid around it is lost. */
class IpfixDamageTest {
    private static final Field[] FIELDS = {f(8, 4), f(12, 4), f(7, 2), f(11, 2), f(4, 1), f(1, 8), f(2, 8)};

    /** Record n: 10.0.0.n -> 10.1.0.n, n bytes, 1 packet; 29 bytes. */
    private static byte[] r(int n) {
        return rec().ip("10.0.0." + n).ip("10.1.0." + n).u16(1000 + n).u16(53).u8(17).u64(n).u64(1).toBytes();
    }

    // Three messages, ten records: M1 = templates + records 1-3, M2 = 4-5 and 6-7 in two sets, M3 = 8-10.
    private static final byte[] M1 = message(1_700_000_000L, 0, 5, set(2, template(256, FIELDS)),
            set(256, r(1), r(2), r(3)));
    private static final byte[] M2 = message(1_700_000_001L, 3, 5, set(256, r(4), r(5)), set(256, r(6), r(7)));
    private static final byte[] M3 = message(1_700_000_002L, 7, 5, set(256, r(8), r(9), r(10)));

    private static byte[] file() {
        return concat(M1, M2, M3);
    }

    private static List<Long> bytesOf(Read r) {
        return r.flows().stream().map(FlowRecord::bytes).toList();
    }

    private static List<Long> range(int from, int to) {
        List<Long> l = new ArrayList<>();
        for (long i = from; i <= to; i++) l.add(i);
        return l;
    }

    private static void putShort(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    @Test
    void intactFileReadsCleanly() {
        Read r = read(file());
        assertThat(bytesOf(r)).isEqualTo(range(1, 10));
        assertThat(r.messages()).isEmpty();
    }

    @Test
    void truncatedFileKeepsEveryRecordBeforeTheCut() {
        byte[] whole = file();
        int m2 = M1.length;
        // Cut inside record 6 (second set of M2): records 1-5 survive; record 6 and 7 are lost.
        int cut = m2 + 16 + 4 + 2 * 29 + 4 + 10;
        Read r = read(Arrays.copyOf(whole, cut));
        assertThat(bytesOf(r)).isEqualTo(range(1, 5));
        assertThat(r.messages()).singleElement().asString().contains("offset " + m2 + ": message truncated: its length"
                + " field says " + M2.length + " bytes but the file ends after " + (cut - m2) + " (at offset " + cut + ")");
        assertThat(r.rejects().count()).isEqualTo(2);
    }

    @Test
    void truncationInsideARecordKeepsTheWholeRecordsBeforeItInTheSameSet() {
        int cut = M1.length + M2.length + 16 + 4 + 29 + 29 + 7; // inside record 10
        Read r = read(Arrays.copyOf(file(), cut));
        assertThat(bytesOf(r)).isEqualTo(range(1, 9));
        assertThat(r.rejects().count()).isEqualTo(1);
    }

    @Test
    void truncationInsideAMessageHeaderIsReported() {
        int cut = M1.length + M2.length + 9;
        Read r = read(Arrays.copyOf(file(), cut));
        assertThat(bytesOf(r)).isEqualTo(range(1, 7));
        assertThat(r.messages()).singleElement().asString().contains("offset " + (M1.length + M2.length)
                + ": the last 9 bytes of the file are too short for an IPFIX message header");
    }

    @Test
    void messageLengthThatLiesIsCorrectedByTheSets() {
        for (int delta : new int[] {+100, -10, -M2.length}) {
            byte[] b = file();
            putShort(b, M1.length + 2, M2.length + delta);
            Read r = read(b);
            assertThat(bytesOf(r)).as("length %+d", delta).isEqualTo(range(1, 10));
            assertThat(r.messages()).as("length %+d", delta).singleElement().asString().contains("offset "
                    + M1.length + ": message length field says " + (M2.length + delta) + " bytes but its sets end after "
                    + M2.length + " bytes, where the next message starts");
            assertThat(r.rejects().count()).isZero();
        }
    }

    @Test
    void lastMessageLongerThanTheFileIsReportedAsTruncated() {
        byte[] b = file();
        int m3 = M1.length + M2.length;
        putShort(b, m3 + 2, M3.length + 500);
        Read r = read(b);
        assertThat(bytesOf(r)).isEqualTo(range(1, 10));
        assertThat(r.messages()).singleElement().asString().contains("offset " + m3 + ": message truncated");
    }

    @Test
    void setLengthOverflowingTheMessageLosesOnlyThatSet() {
        byte[] b = file();
        int secondSet = M1.length + 16 + 4 + 2 * 29;
        putShort(b, secondSet + 2, 0xfff0);
        Read r = read(b);
        assertThat(bytesOf(r)).containsExactly(1L, 2L, 3L, 4L, 5L, 8L, 9L, 10L);
        assertThat(r.messages()).singleElement().asString().contains("offset " + secondSet
                + ": set 256 of length 65520 overflows its message (message length field says " + M2.length + ")");
        assertThat(r.messages().get(0)).contains("resumed at offset " + (M1.length + M2.length));
        assertThat(r.rejects().count()).isEqualTo(1);
    }

    @Test
    void setLengthShorterThanASetHeaderLosesTheRestOfTheMessage() {
        byte[] b = file();
        int firstSet = M1.length + 16;
        putShort(b, firstSet + 2, 2);
        Read r = read(b);
        assertThat(bytesOf(r)).containsExactly(1L, 2L, 3L, 8L, 9L, 10L);
        assertThat(r.messages()).singleElement().asString().contains("offset " + firstSet
                + ": set 256 has length 2, shorter than a set header");
    }

    @Test
    void unknownTemplateLosesItsSetAndNothingElse() {
        byte[] b = file();
        int firstSet = M1.length + 16;
        putShort(b, firstSet, 999);
        Read r = read(b);
        assertThat(bytesOf(r)).containsExactly(1L, 2L, 3L, 6L, 7L, 8L, 9L, 10L);
        assertThat(r.messages()).singleElement().asString().contains("offset " + firstSet
                + ": data set for unknown template 999 (observation domain 5), 58 bytes; records lost: unknown,"
                + " counted as 1");
        assertThat(r.rejects().count()).isEqualTo(1);
    }

    @Test
    void garbageBetweenMessagesIsSkippedAndBothNeighboursRead() {
        byte[] garbage = new byte[1000];
        new Random(1).nextBytes(garbage);
        // Decoys: version-10 headers with lengths that do not chain.
        for (int i = 5; i < 1000 - 20; i += 97) {
            garbage[i] = 0;
            garbage[i + 1] = 10;
        }
        byte[] b = concat(M1, garbage, M2, M3);
        Read r = read(b);
        assertThat(bytesOf(r)).isEqualTo(range(1, 10));
        assertThat(r.messages()).singleElement().asString().contains("offset " + M1.length
                + ": skipped 1000 bytes that are not an IPFIX message (no version 10 header), resumed at offset "
                + (M1.length + 1000));
        assertThat(r.rejects().count()).isZero();
    }

    @Test
    void damagedHeaderClaimingToRunPastTheEndOfFileDoesNotSwallowTheMessagesAfterIt() {
        // A version-10 header whose length runs past the end of file, followed by junk, then M2 and M3.
        byte[] fake = rec().u16(10).u16(60_000).u32(1).u32(2).u32(5).u16(256).u16(40_000).bytes(new byte[30]).toBytes();
        byte[] b = concat(M1, fake, M2, M3);
        Read r = read(b);
        assertThat(bytesOf(r)).isEqualTo(range(1, 10));
        assertThat(r.messages()).singleElement().asString().contains("offset " + (M1.length + 16)
                + ": set 256 of length 40000 overflows its message (message length field says 60000); skipped "
                + (fake.length - 16) + " bytes, resumed at offset " + (M1.length + fake.length));
    }

    @Test
    void garbageBeforeTheFirstAndAfterTheLastMessage() {
        byte[] b = concat("#!not ipfix\n".getBytes(), file(), "trailing junk".getBytes());
        Read r = read(b);
        assertThat(bytesOf(r)).isEqualTo(range(1, 10));
        assertThat(r.messages()).hasSize(2);
        assertThat(r.messages().get(0)).contains("offset 0: skipped 12 bytes");
        assertThat(r.messages().get(1)).contains("offset " + (12 + file().length)
                + ": the last 13 bytes of the file are not an IPFIX message");
    }

    @Test
    void damagedVersionLosesThatMessageOnly() {
        byte[] b = file();
        putShort(b, M1.length, 9);
        Read r = read(b);
        assertThat(bytesOf(r)).containsExactly(1L, 2L, 3L, 8L, 9L, 10L);
        assertThat(r.messages()).singleElement().asString().contains("offset " + M1.length + ": skipped "
                + M2.length + " bytes");
    }

    @Test
    void dataSetThatDoesNotDivideIntoRecordsIsRejected() {
        // 2 records + 5 non-zero bytes: the data does not match the template.
        byte[] m = message(1_700_000_000L, 0, 5, set(2, template(256, FIELDS)),
                paddedSet(256, 5, 0x55, r(1), r(2)), set(256, r(3)));
        Read r = read(m);
        assertThat(bytesOf(r)).containsExactly(3L);
        assertThat(r.messages()).singleElement().asString().contains("offset " + (16 + 4 + 4 + 4 * FIELDS.length)
                + ": data set for template 256 (observation domain 5) is not a whole number of 29-byte records");
        assertThat(r.rejects().count()).isEqualTo(2);
    }

    @Test
    void brokenVariableLengthRecordRejectsItsSet() {
        Field[] varTemplate = {f(8, 4), f(12, 4), f(82, 0xffff), f(1, 4)};
        byte[] good = rec().ip("10.0.0.1").ip("10.0.0.2").varlen("eth0".getBytes(), false).u32(7).toBytes();
        byte[] bad = rec().ip("10.0.0.3").ip("10.0.0.4").u8(200).bytes("eth1".getBytes()).u32(8).toBytes();
        byte[] m = message(1_700_000_000L, 0, 5, set(2, template(300, varTemplate)), set(300, good, bad),
                set(300, good));
        Read r = read(m);
        assertThat(bytesOf(r)).containsExactly(7L);
        assertThat(r.messages()).singleElement().asString().contains("record 2 overruns the set");
        assertThat(r.rejects().count()).isEqualTo(2);
    }

    // ---------------------------------------------------------------- fuzz

    /** Where each record of a file written by IpfixWriter ends, in reading order. */
    private static List<Integer> recordEnds(byte[] file) {
        List<Integer> ends = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(file);
        for (int m = 0; m < file.length; m += b.getShort(m + 2) & 0xffff) {
            int end = m + (b.getShort(m + 2) & 0xffff);
            for (int s = m + 16; s < end; s += b.getShort(s + 2) & 0xffff) {
                int id = b.getShort(s) & 0xffff;
                if (id < 256) continue;
                int len = id == 256 ? IpfixWriter.RECORD_V4 : IpfixWriter.RECORD_V6;
                for (int q = s + 4 + len; q <= s + (b.getShort(s + 2) & 0xffff); q += len) ends.add(q);
            }
        }
        return ends;
    }

    @Test
    void fuzzedWriterFilesNeverThrowNeverGainRecordsAndKeepEverythingBeforeTheDamage() {
        // Six files of 40 flows each, concatenated (like rotated files cat-ed together): six messages.
        List<byte[]> parts = new ArrayList<>();
        List<FlowRecord> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            List<FlowRecord> flows = IpfixWriterTest.randomFlows(100 + i, 40);
            all.addAll(flows);
            parts.add(write(3, flows));
        }
        byte[] base = concat(parts.toArray(new byte[0][]));
        List<Integer> ends = recordEnds(base);
        assertThat(ends).hasSize(all.size());
        assertThat(read(base).flows()).isEqualTo(all);

        Random rnd = new Random(0x1bf1c5L);
        int iterations = 4000;
        int detected = 0;
        for (int it = 0; it < iterations; it++) {
            byte[] m = base.clone();
            int firstDamage = m.length;
            String what;
            switch (rnd.nextInt(6)) {
                case 0 -> { // random bytes replaced
                    int k = 1 + rnd.nextInt(4);
                    for (int i = 0; i < k; i++) {
                        int at = rnd.nextInt(m.length);
                        byte v = (byte) rnd.nextInt(256);
                        if (m[at] != v) firstDamage = Math.min(firstDamage, at);
                        m[at] = v;
                    }
                    what = "replace x" + k;
                }
                case 1 -> { // bit flips
                    int k = 1 + rnd.nextInt(3);
                    for (int i = 0; i < k; i++) {
                        int at = rnd.nextInt(m.length);
                        m[at] ^= (byte) (1 << rnd.nextInt(8));
                        firstDamage = Math.min(firstDamage, at);
                    }
                    what = "flip x" + k;
                }
                case 2 -> { // truncation
                    int cut = rnd.nextInt(m.length);
                    m = Arrays.copyOf(m, cut);
                    firstDamage = cut;
                    what = "truncate at " + cut;
                }
                case 3 -> { // bytes inserted
                    int at = rnd.nextInt(m.length);
                    byte[] junk = new byte[1 + rnd.nextInt(64)];
                    rnd.nextBytes(junk);
                    m = concat(Arrays.copyOf(base, at), junk, Arrays.copyOfRange(base, at, base.length));
                    firstDamage = at;
                    what = "insert " + junk.length + " at " + at;
                }
                case 4 -> { // bytes deleted
                    int at = rnd.nextInt(m.length);
                    int len = 1 + rnd.nextInt(Math.min(200, m.length - at));
                    m = concat(Arrays.copyOf(base, at), Arrays.copyOfRange(base, at + len, base.length));
                    firstDamage = at;
                    what = "delete " + len + " at " + at;
                }
                default -> { // replaced header-ish bytes (length and set fields are the interesting ones) + cut
                    int at = rnd.nextInt(m.length);
                    m[at] = (byte) rnd.nextInt(256);
                    int cut = at + rnd.nextInt(m.length - at);
                    m = Arrays.copyOf(m, cut);
                    firstDamage = Math.min(at, cut);
                    what = "replace at " + at + " and truncate at " + cut;
                }
            }
            Read r;
            try {
                r = read(m);
            } catch (RuntimeException e) {
                throw new AssertionError("iteration " + it + " (" + what + ") threw", e);
            }
            if (r.rejects().messages().size() > 0) detected++;
            if (r.flows().size() > all.size()) {
                fail("iteration %d (%s): %d records from a file that holds %d", it, what, r.flows().size(), all.size());
            }
            int intact = 0;
            while (intact < ends.size() && ends.get(intact) <= firstDamage) intact++;
            if (r.flows().size() < intact || !r.flows().subList(0, intact).equals(all.subList(0, intact))) {
                fail("iteration %d (%s): the %d records before offset %d were not all kept: got %d records, rejects %s",
                        it, what, intact, firstDamage, r.flows().size(), r.messages());
            }
            assertThat(r.returned()).isEqualTo(r.flows().size());
        }
        assertThat(detected).as("most damage is detected and reported").isGreaterThan(iterations / 2);
    }

    @Test
    void fuzzedRichFilesNeverThrow() {
        Field[] var = {f(82, 0xffff), f(8, 4), ef(100, 0xffff, 35632), f(12, 4), f(1, 4), f(2, 2), f(152, 8)};
        Field[] six = {f(27, 16), f(28, 16), f(7, 2), f(11, 2), f(4, 1), f(6, 1), f(85, 3), f(86, 1), f(22, 4),
            f(21, 4)};
        Field[] bi = {f(8, 4), f(12, 4), f(1, 4), f(2, 4), ef(1, 4, 29305), ef(2, 4, 29305), f(156, 8), f(157, 8)};
        List<byte[]> varRecs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            varRecs.add(rec().varlen(("if" + i).repeat(i * 30).getBytes(), i % 2 == 0).ip("10.0.0." + i)
                    .varlen(new byte[i * 3], i % 3 == 0).ip("10.9.0." + i).u32(i).u16(i).u64(1_700_000_000_000L + i)
                    .toBytes());
        }
        byte[] base = concat(
                message(1_700_000_000L, 0, 9,
                        set(2, template(256, var), template(257, six), template(258, bi)),
                        set(3, optionsTemplate(300, 1, f(143, 4), f(160, 8), f(82, 0xffff))),
                        set(300, rec().u32(1).u64(1_699_000_000_000L).varlen("x".getBytes(), false).toBytes())),
                message(1_700_000_001L, 1, 9, set(256, varRecs.toArray(new byte[0][]))),
                message(1_700_000_002L, 7, 9,
                        paddedSet(257, 3, 0,
                                rec().ip("2001:db8::1").ip("2001:db8::2").u16(1).u16(2).u8(6).u8(2).un(500, 3).u8(5)
                                        .u32(10).u32(20).toBytes(),
                                rec().ip("2001:db8::3").ip("2001:db8::4").u16(3).u16(4).u8(17).u8(0).un(900, 3).u8(9)
                                        .u32(30).u32(40).toBytes()),
                        set(258, rec().ip("10.1.1.1").ip("10.2.2.2").u32(1).u32(2).u32(3).u32(4)
                                .u64(0xe8000000_00000000L).u64(0xe8000001_00000000L).toBytes())),
                message(1_700_000_003L, 10, 9, set(2, withdrawal(257), template(257, FIELDS)),
                        set(257, r(1), r(2), r(3))));
        Read clean = read(base);
        assertThat(clean.messages()).isEmpty();
        int original = clean.flows().size();
        assertThat(original).isEqualTo(6 + 2 + 1 + 3);

        Random rnd = new Random(0x5eedL);
        for (int it = 0; it < 3000; it++) {
            byte[] m = base.clone();
            int k = 1 + rnd.nextInt(3);
            for (int i = 0; i < k; i++) m[rnd.nextInt(m.length)] = (byte) rnd.nextInt(256);
            if (rnd.nextInt(4) == 0) m = Arrays.copyOf(m, rnd.nextInt(m.length));
            Read r;
            try {
                r = read(m);
            } catch (RuntimeException e) {
                throw new AssertionError("iteration " + it + " threw", e);
            }
            // Variable-length records delimit themselves: a corrupted length byte can re-align into extra
            // garbage records that no structural check can tell apart, so this only checks for runaways.
            if (r.flows().size() > 2 * original) {
                StringBuilder diff = new StringBuilder();
                for (int i = 0; i < Math.min(m.length, base.length); i++) {
                    if (m[i] != base[i]) diff.append(i).append(':').append(base[i] & 0xff).append("->").append(m[i] & 0xff).append(' ');
                }
                fail("iteration %d: %d > %d; len %d/%d diff %s%nflows %s%nrejects %s", it, r.flows().size(), original,
                        m.length, base.length, diff, r.flows(), r.messages());
            }
        }
    }
}
