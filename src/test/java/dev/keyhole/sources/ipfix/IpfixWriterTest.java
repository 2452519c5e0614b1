package dev.keyhole.sources.ipfix;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.keyhole.sources.ipfix.IpfixBytes.Read;
import static dev.keyhole.sources.ipfix.IpfixBytes.read;
import static dev.keyhole.sources.ipfix.IpfixBytes.write;
import static org.assertj.core.api.Assertions.assertThat;

class IpfixWriterTest {

    /**
     * Random flows over the whole value range of every field the writer carries, 30% IPv6; from the 50th on,
     * half carry AS numbers (16- and 32-bit), so the AS templates appear after the first message.
     */
    static List<FlowRecord> randomFlows(long seed, int n) {
        Random r = new Random(seed);
        List<FlowRecord> flows = new ArrayList<>(n);
        long t = 1_700_000_000_000L;
        for (int i = 0; i < n; i++) {
            Ip src, dst;
            if (r.nextInt(10) < 3) {
                src = Ip.ofV6(0x2001_0db8_0000_0000L | r.nextInt(1 << 16), r.nextLong());
                dst = Ip.ofV6(r.nextLong(), r.nextLong());
            } else {
                src = Ip.ofV4(r.nextInt());
                dst = Ip.ofV4(r.nextInt());
            }
            t += r.nextInt(1000);
            long dur = r.nextInt(3) == 0 ? 0 : r.nextInt(600_000);
            int proto = new int[] {6, 17, 1, 58, 47, 255}[r.nextInt(6)];
            // Some above 32 bits (64-bit encoding), all below the 2^48 that readers reject as implausible.
            long packets = r.nextInt(5) == 0 ? (1L << 36) + r.nextInt(1000) : 1 + r.nextInt(1000);
            long srcAs = 0, dstAs = 0;
            if (i >= 50 && r.nextBoolean()) {
                srcAs = r.nextInt(3) == 0 ? 0 : r.nextInt(65_536);
                dstAs = r.nextBoolean() ? r.nextInt() & 0xffff_ffffL : 1 + r.nextInt(65_535);
            }
            flows.add(FlowRecord.uni(t, t + dur, src, dst, r.nextInt(65536), r.nextInt(65536), proto,
                    proto == 6 ? r.nextInt(0x200) : 0, packets, packets * (40 + r.nextInt(1460)), srcAs, dstAs));
        }
        return flows;
    }

    @Test
    void roundTripKeepsEveryField() {
        List<FlowRecord> flows = randomFlows(7, 20_000);
        Read r = read(write(42, flows));
        assertThat(r.messages()).isEmpty();
        assertThat(r.returned()).isEqualTo(flows.size());
        assertThat(r.flows()).containsExactlyElementsOf(flows);
        assertThat(flows).anyMatch(f -> f.dstAs() > 0xffffL).anyMatch(f -> f.srcAs() == 0 && f.dstAs() != 0);
    }

    @Test
    void messagesAreAtMost64KiBWithTemplatesFirstAndRecordCountingSequenceNumbers() {
        List<FlowRecord> flows = randomFlows(8, 10_000);
        byte[] file = write(0xfeed_beefL, flows);
        ByteBuffer b = ByteBuffer.wrap(file);
        long expectedSequence = 0;
        int messages = 0, asTemplateSets = 0;
        while (b.hasRemaining()) {
            int start = b.position();
            assertThat(b.getShort(start) & 0xffff).isEqualTo(10);
            int len = b.getShort(start + 2) & 0xffff;
            long exportSeconds = b.getInt(start + 4) & 0xffff_ffffL;
            long sequence = b.getInt(start + 8) & 0xffff_ffffL;
            assertThat(b.getInt(start + 12) & 0xffff_ffffL).isEqualTo(0xfeed_beefL);
            assertThat(sequence).as("sequence = data records before this message").isEqualTo(expectedSequence);
            assertThat(len).isLessThanOrEqualTo(65_535);
            if (b.remaining() > len) assertThat(len).as("messages are filled").isGreaterThan(65_535 - 80);
            long newestEnd = 0;
            for (int p = start + 16; p < start + len; ) {
                int id = b.getShort(p) & 0xffff;
                int sl = b.getShort(p + 2) & 0xffff;
                if (messages == 0 && p == start + 16) {
                    assertThat(id).as("templates come first").isEqualTo(2);
                    // Template 256 (IPv4) then 257 (IPv6), 10 fields each.
                    assertThat(b.getShort(p + 4)).isEqualTo((short) 256);
                    assertThat(b.getShort(p + 6)).isEqualTo((short) 10);
                    assertThat(b.getShort(p + 48)).isEqualTo((short) 257);
                } else if (id == 2) {
                    // Templates 258 / 259 (the same plus AS numbers), once, where the first flow with AS numbers is.
                    assertThat(b.getShort(p + 4)).isEqualTo((short) 258);
                    assertThat(b.getShort(p + 6)).isEqualTo((short) 12);
                    assertThat(b.getShort(p + 56)).isEqualTo((short) 259);
                    asTemplateSets++;
                } else {
                    assertThat(id).isIn(256, 257, 258, 259);
                    int recLen = (id % 2 == 0 ? IpfixWriter.RECORD_V4 : IpfixWriter.RECORD_V6) + (id >= 258 ? 8 : 0);
                    assertThat((sl - 4) % recLen).isZero();
                    for (int q = p + 4; q < p + sl; q += recLen) newestEnd = Math.max(newestEnd, b.getLong(q + 8));
                    expectedSequence += (sl - 4) / recLen;
                }
                p += sl;
            }
            assertThat(exportSeconds).as("export time covers the newest flow").isEqualTo((newestEnd + 999) / 1000);
            b.position(start + len);
            messages++;
        }
        assertThat(messages).isGreaterThan(5);
        assertThat(asTemplateSets).isEqualTo(1);
        assertThat(expectedSequence).isEqualTo(flows.size());
        assertThat(IpfixWriter.RECORD_V4).isEqualTo(47);
        assertThat(IpfixWriter.RECORD_V6).isEqualTo(71);
    }

    @Test
    void recordsCountsAndCloseClosesTheStream() throws IOException {
        boolean[] closed = {false};
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
                bytes.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                bytes.write(b, off, len);
            }

            @Override
            public void close() {
                closed[0] = true;
            }
        };
        IpfixWriter w = new IpfixWriter(out, 1);
        List<FlowRecord> flows = randomFlows(9, 3);
        for (FlowRecord f : flows) w.write(f);
        assertThat(w.records()).isEqualTo(3);
        w.close();
        w.close();
        assertThat(closed[0]).isTrue();
        assertThat(read(bytes.toByteArray()).flows()).containsExactlyElementsOf(flows);
    }

    @Test
    void emptyFileStillCarriesTheTemplates() {
        byte[] file = write(1, List.of());
        assertThat(file.length).isEqualTo(16 + 4 + 2 * 4 + 2 * 10 * 4);
        Read r = read(file);
        assertThat(r.flows()).isEmpty();
        assertThat(r.messages()).isEmpty();
    }

    @Test
    void biflowsKeepTheirReverseCountersAndOriginatorBesideUniFlows() {
        FlowRecord bi = new FlowRecord(1_000, 2_000, Ip.parse("10.0.0.1"), Ip.parse("10.0.0.2"), 1, 2, 6, 2, 3, 300,
                4, 400, true, 0, 0, null, null, dev.keyhole.records.NameSource.NONE);
        FlowRecord bi6 = new FlowRecord(1_500, 2_500, Ip.parse("2001:db8::1"), Ip.parse("2001:db8::2"), 5, 443, 17, 0,
                (1L << 40) + 1, 1L << 42, 7, 700, true, 64_500, 4_200_000_000L, null, null,
                dev.keyhole.records.NameSource.NONE);
        // A biflow with no reverse traffic stays a biflow: src is still the originator.
        FlowRecord oneSided = new FlowRecord(3_000, 3_000, Ip.parse("10.0.0.3"), Ip.parse("10.0.0.4"), 9, 53, 17, 0, 1,
                60, 0, 0, true, 0, 0, null, null, dev.keyhole.records.NameSource.NONE);
        List<FlowRecord> flows = new ArrayList<>(randomFlows(9, 3_000));
        flows.add(10, bi);
        flows.add(2_000, bi6);
        flows.add(oneSided);
        Read r = read(write(1, flows));
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows()).containsExactlyElementsOf(flows);
        assertThat(r.flows().get(2_000).reverseBytes()).isEqualTo(700);
    }
}
