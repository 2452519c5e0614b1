package dev.keyhole.sources.netflow;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.Rejects;
import dev.keyhole.sources.ipfix.IpfixReader;
import dev.keyhole.testing.Mutations;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.keyhole.sources.netflow.Export.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** Hand-built NetFlow v5, v9 and IPFIX datagrams with known answers. */
class ExportDecoderTest {
    private static final long SECS = 1_700_000_000L; // 2023-11-14T22:13:20Z
    private static final long MS = SECS * 1000;
    private static final long UPTIME = 3_600_000L;

    /** v9 data template 256: addresses, ports, protocol, flags, IN_BYTES, IN_PKTS, FIRST/LAST_SWITCHED. */
    private static final int[] V9_BASIC = {8, 4, 12, 4, 7, 2, 11, 2, 4, 1, 6, 1, 1, 4, 2, 4, 22, 4, 21, 4};

    private static byte[] v9Basic(String src, String dst, int sp, int dp, long bytes, long packets, long first, long last) {
        return rec().ip(src).ip(dst).u16(sp).u16(dp).u8(6).u8(0x1b).u32(bytes).u32(packets).u32(first).u32(last).toBytes();
    }

    // ---------------------------------------------------------------- NetFlow v5

    @Test
    void v5TimesAreUptimeRelativeToTheHeaderClockIncludingNanosAndAWrap() {
        Run r = new Run().send(v5(UPTIME, SECS, 250_000_000L, 0, 0, 0,
                v5Record("10.0.0.1", "10.0.0.2", 1000, 80, 6, 0x1b, 10, 5000, UPTIME - 10_000, UPTIME - 1_000)));
        // Uptime 1 s: the flow started 4,096 ms before the counter last wrapped to 0.
        r.send(v5(1_000, SECS, 250_000_000L, 1, 0, 0,
                v5Record("10.0.0.3", "10.0.0.4", 53, 53, 17, 0, 1, 80, 0xffff_f000L, 500)));
        assertThat(r.messages()).isEmpty();
        FlowRecord f = r.flows.get(0);
        assertThat(tuple(f)).isEqualTo("10.0.0.1:1000>10.0.0.2:80/6");
        assertThat(f.startMillis()).isEqualTo(MS + 250 - 10_000);
        assertThat(f.endMillis()).isEqualTo(MS + 250 - 1_000);
        assertThat(f.packets()).isEqualTo(10);
        assertThat(f.bytes()).isEqualTo(5000);
        assertThat(f.tcpFlags()).isEqualTo(0x1b);
        FlowRecord w = r.flows.get(1);
        assertThat(w.startMillis()).isEqualTo(MS + 250 - 5_096);
        assertThat(w.endMillis()).isEqualTo(MS + 250 - 500);
    }

    @Test
    void v5SamplingIntervalScalesPacketsAndBytes() {
        // 2 bits of mode (01: deterministic), 14 bits of interval (100).
        Run r = new Run().send(v5(UPTIME, SECS, 0, 0, 0, 0x4000 | 100,
                v5Record("10.0.0.1", "10.0.0.2", 1000, 80, 6, 0, 3, 300, UPTIME, UPTIME)));
        assertThat(r.flows).singleElement().satisfies(f -> {
            assertThat(f.packets()).isEqualTo(300);
            assertThat(f.bytes()).isEqualTo(30_000);
        });
    }

    @Test
    void v5FlowSequenceCountsLostFlowsAndLateDatagramsGiveThemBack() {
        byte[] rec = v5Record("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 1, 100, UPTIME, UPTIME);
        Run r = new Run()
                .send(v5(UPTIME, SECS, 0, 0, 0, 0, rec, rec))        // flows 0-1
                .send(v5(UPTIME, SECS, 0, 2, 0, 0, rec, rec, rec))   // 2-4
                .send(v5(UPTIME, SECS, 0, 10, 0, 0, rec));           // 5-9 missing
        assertThat(r.source(5, 0).lost()).isEqualTo(5);
        r.send(v5(UPTIME, SECS, 0, 5, 0, 0, rec, rec, rec));         // 5-7 arrive late
        assertThat(r.source(5, 0).lost()).isEqualTo(2);
        assertThat(r.source(5, 0).late()).isEqualTo(1);
        r.send(v5(UPTIME, SECS, 0, 11, 0, 0, rec));                  // back in order
        assertThat(r.source(5, 0).lost()).isEqualTo(2);
        assertThat(r.source(5, 0).lossUnit()).isEqualTo("flows");
        assertThat(r.flows).hasSize(10);
    }

    @Test
    void v5EnginesAreSeparateSequences() {
        byte[] rec = v5Record("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 1, 100, UPTIME, UPTIME);
        Run r = new Run()
                .send(v5(UPTIME, SECS, 0, 100, 0x0102, 0, rec))
                .send(v5(UPTIME, SECS, 0, 5000, 0x0103, 0, rec))
                .send(v5(UPTIME, SECS, 0, 101, 0x0102, 0, rec))
                .send(v5(UPTIME, SECS, 0, 5001, 0x0103, 0, rec));
        assertThat(r.decoder.stats(false)).extracting(ExportDecoder.SourceStats::lost).containsExactly(0L, 0L);
        assertThat(r.decoder.stats(false)).hasSize(2);
    }

    @Test
    void v5DatagramShorterThanItsCountKeepsTheWholeRecordsAndSaysWhere() {
        byte[] rec = v5Record("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 1, 100, UPTIME, UPTIME);
        byte[] d = v5(UPTIME, SECS, 0, 0, 0, 0, rec, rec, rec);
        Run r = new Run().send("198.51.100.7", Arrays.copyOf(d, d.length - 30));
        assertThat(r.flows).hasSize(2);
        assertThat(r.messages()).singleElement().asString()
                .startsWith("udp datagram: offset 120: exporter 198.51.100.7:2055 (NetFlow v5 engine 0/0): ")
                .contains("holds 2 whole records but its header counts 3; records lost: 1");
        assertThat(r.rejects.count()).isEqualTo(1);
    }

    @Test
    void v5AsNumbersAreTheTwoByteSrcAsAndDstAs() {
        byte[] rec = v5Record("10.0.0.1", "10.0.0.2", 1000, 80, 6, 0x1b, 10, 5000, UPTIME, UPTIME);
        rec[40] = (byte) 0xff; // src_as 65535
        rec[41] = (byte) 0xff;
        rec[42] = 0x34;        // dst_as 13335 (0x3417)
        rec[43] = 0x17;
        byte[] none = v5Record("10.0.0.3", "10.0.0.4", 1000, 80, 6, 0x1b, 10, 5000, UPTIME, UPTIME);
        Run r = new Run().send(v5(UPTIME, SECS, 0, 0, 0, 0, rec, none));
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows).extracting(FlowRecord::srcAs).containsExactly(65_535L, 0L);
        assertThat(r.flows).extracting(FlowRecord::dstAs).containsExactly(13_335L, 0L);
    }

    // ---------------------------------------------------------------- NetFlow v9

    @Test
    void v9TemplatesAreKeptPerExporterAndSourceId() {
        byte[] tplA = flowset(0, template(256, V9_BASIC));
        // Exporter B uses the same template id for another layout: 8-byte counters, destination first.
        byte[] tplB = flowset(0, template(256, 12, 4, 8, 4, 7, 2, 11, 2, 4, 1, 6, 1, 1, 8, 2, 8, 22, 4, 21, 4));
        byte[] dataA = flowset(256, v9Basic("10.0.0.1", "10.0.0.2", 1000, 80, 5000, 10, UPTIME - 10_000, UPTIME - 1_000));
        byte[] dataB = flowset(256, rec().ip("10.9.9.2").ip("10.9.9.1").u16(2000).u16(443).u8(6).u8(0x02)
                .u64(1_000_000).u64(700).u32(UPTIME - 500).u32(UPTIME - 100).toBytes());
        Run r = new Run()
                .send("192.0.2.1", v9(UPTIME, SECS, 0, 0, tplA))
                .send("192.0.2.2", v9(UPTIME, SECS, 0, 0, tplB))
                .send("192.0.2.1", v9(UPTIME, SECS, 1, 0, dataA))
                .send("192.0.2.2", v9(UPTIME, SECS, 1, 0, dataB))
                .send("192.0.2.1", v9(UPTIME, SECS, 0, 7, dataA)); // source id 7 never sent a template
        assertThat(r.flows).hasSize(2);
        FlowRecord a = r.flows.get(0);
        assertThat(tuple(a)).isEqualTo("10.0.0.1:1000>10.0.0.2:80/6");
        assertThat(a.bytes()).isEqualTo(5000);
        assertThat(a.packets()).isEqualTo(10);
        assertThat(a.tcpFlags()).isEqualTo(0x1b);
        assertThat(a.startMillis()).isEqualTo(MS - 10_000);
        assertThat(a.endMillis()).isEqualTo(MS - 1_000);
        FlowRecord b = r.flows.get(1);
        assertThat(tuple(b)).isEqualTo("10.9.9.1:2000>10.9.9.2:443/6");
        assertThat(b.bytes()).isEqualTo(1_000_000);
        assertThat(b.packets()).isEqualTo(700);
        assertThat(r.messages()).singleElement().asString()
                .isEqualTo("udp datagram: offset 20: exporter 192.0.2.1:2055 (NetFlow v9 source id 7): data set for"
                        + " unknown template 256 (source id 7), 32 bytes; records lost: unknown, counted as 1");
    }

    @Test
    void v9IPv6AndAbsoluteTimesWhenTheTemplateHasThem() {
        byte[] tpl = flowset(0, template(260, 27, 16, 28, 16, 7, 2, 11, 2, 4, 1, 1, 8, 2, 8, 152, 8, 153, 8));
        byte[] data = flowset(260, rec().ip("2001:db8::1").ip("2001:db8::2").u16(5353).u16(5353).u8(17)
                .u64(900).u64(3).u64(MS - 2_500).u64(MS - 250).toBytes());
        Run r = new Run().send(v9(UPTIME, SECS, 0, 0, tpl, data));
        assertThat(r.flows).singleElement().satisfies(f -> {
            assertThat(tuple(f)).isEqualTo("2001:db8::1:5353>2001:db8::2:5353/17");
            assertThat(f.startMillis()).isEqualTo(MS - 2_500);
            assertThat(f.endMillis()).isEqualTo(MS - 250);
            assertThat(f.bytes()).isEqualTo(900);
        });
    }

    @Test
    void v9SamplingFromOptionsDataPerSamplerAndByDefault() {
        // Options 300: scope System; SAMPLING_INTERVAL 50, SAMPLING_ALGORITHM: the exporter's default rate.
        byte[] opt300 = v9OptionsTemplate(300, new int[] {1, 4}, 34, 4, 35, 1);
        // Options 301: scope System; FLOW_SAMPLER_ID, FLOW_SAMPLER_MODE, FLOW_SAMPLER_RANDOM_INTERVAL per sampler.
        byte[] opt301 = v9OptionsTemplate(301, new int[] {1, 4}, 48, 2, 49, 1, 50, 4);
        int[] withSampler = Arrays.copyOf(V9_BASIC, V9_BASIC.length + 2);
        withSampler[V9_BASIC.length] = 48;
        withSampler[V9_BASIC.length + 1] = 2;
        byte[] templates = flowset(0, template(256, V9_BASIC), template(257, withSampler));
        byte[] options = Export.v9(UPTIME, SECS, 1, 0, flowset(1, opt300, opt301),
                flowset(300, rec().u32(0).u32(50).u8(1).toBytes()),
                flowset(301, rec().u32(0).u16(1).u8(2).u32(10).toBytes(), rec().u32(0).u16(2).u8(2).u32(1000).toBytes()));
        byte[] plain = v9Basic("10.0.0.1", "10.0.0.2", 1, 2, 100, 2, UPTIME, UPTIME);
        Run r = new Run().send(v9(UPTIME, SECS, 0, 0, templates)).send(options)
                .send(v9(UPTIME, SECS, 2, 0, flowset(256, plain),
                        flowset(257, sampled(plain, 1), sampled(plain, 2), sampled(plain, 3), sampled(plain, 0))));
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(100L, 20L, 2000L, 100L, 100L);
        assertThat(r.flows).extracting(FlowRecord::bytes).containsExactly(5000L, 1000L, 100_000L, 5000L, 5000L);
        // Sampler 3 was never announced: told once, the default rate applies.
        assertThat(r.messages()).singleElement().asString()
                .contains("exporter 192.0.2.1:2055 (NetFlow v9 source id 0): flows of sampler 3");
    }

    private static byte[] sampled(byte[] record, int sampler) {
        return rec().bytes(record).u16(sampler).toBytes();
    }

    /**
     * Options scoped to interface 1 (1 in 100) and 2 (1 in 10), sampler 5 (1 in 1000), then optionally a
     * system-scoped default of 1 in 4 announced last; flows of interfaces 1, 2 and 3, and of sampler 5 on
     * interface 1. Returns the packets of each flow (each sent with 2 packets, 100 bytes).
     */
    private static Run v9InterfaceSampling(boolean withDefault) {
        byte[] optIf = v9OptionsTemplate(300, new int[] {2, 4}, 34, 4);          // scope Interface
        byte[] optSampler = v9OptionsTemplate(301, new int[] {1, 4}, 48, 2, 50, 4); // scope System, per sampler
        byte[] optSystem = v9OptionsTemplate(302, new int[] {1, 4}, 34, 4);      // scope System: the default
        byte[] templates = flowset(0, template(256, plus(V9_BASIC, 10, 2)), template(257, plus(V9_BASIC, 10, 4, 48, 2)));
        List<byte[]> sets = new ArrayList<>(List.of(flowset(1, optIf, optSampler, optSystem),
                flowset(300, rec().u32(1).u32(100).toBytes(), rec().u32(2).u32(10).toBytes()),
                flowset(301, rec().u32(0).u16(5).u32(1000).toBytes())));
        if (withDefault) sets.add(flowset(302, rec().u32(0).u32(4).toBytes()));
        byte[] plain = v9Basic("10.0.0.1", "10.0.0.2", 1, 2, 100, 2, UPTIME, UPTIME);
        return new Run().send(v9(UPTIME, SECS, 0, 0, templates))
                .send(v9(UPTIME, SECS, 1, 0, sets.toArray(byte[][]::new)))
                .send(v9(UPTIME, SECS, 2, 0,
                        flowset(256, rec().bytes(plain).u16(1).toBytes(), rec().bytes(plain).u16(2).toBytes(),
                                rec().bytes(plain).u16(3).toBytes()),
                        flowset(257, rec().bytes(plain).u32(1).u16(5).toBytes(), rec().bytes(plain).u32(2).u16(0).toBytes())));
    }

    @Test
    void v9InterfaceScopedRatesApplyToFlowsOfThatInputInterface() {
        // Interface 1, 2, 3 (the default announced last must not override the interfaces' rates), sampler 5
        // on interface 1 (the sampler wins), sampler 0 ("none") on interface 2.
        Run r = v9InterfaceSampling(true);
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(200L, 20L, 8L, 2000L, 20L);
        assertThat(r.flows).extracting(FlowRecord::bytes).containsExactly(10_000L, 1_000L, 400L, 100_000L, 1_000L);
        // No default announced: interface 3 is unsampled, and interface 2's rate (announced last) is not a default.
        Run n = v9InterfaceSampling(false);
        assertThat(n.messages()).isEmpty();
        assertThat(n.flows).extracting(FlowRecord::packets).containsExactly(200L, 20L, 2L, 2000L, 20L);
        assertThat(n.flows).extracting(FlowRecord::bytes).containsExactly(10_000L, 1_000L, 100L, 100_000L, 1_000L);
    }

    @Test
    void v9InterfaceRatesAreKeptPerSourceAndAnUnknownSamplerFallsBackToTheInterface() {
        byte[] opt = flowset(1, v9OptionsTemplate(300, new int[] {2, 4}, 50, 4));
        byte[] optData = flowset(300, rec().u32(7).u32(64).toBytes());
        byte[] tpl = flowset(0, template(257, plus(V9_BASIC, 10, 2, 48, 2)));
        byte[] data = flowset(257, rec().bytes(v9Basic("10.0.0.1", "10.0.0.2", 1, 2, 100, 2, UPTIME, UPTIME))
                .u16(7).u16(9).toBytes());
        Run r = new Run().send("192.0.2.1", v9(UPTIME, SECS, 0, 0, opt, optData, tpl, data))
                .send("192.0.2.1", v9(UPTIME, SECS, 1, 1, tpl, data))   // same exporter, another source id
                .send("192.0.2.2", v9(UPTIME, SECS, 0, 0, tpl, data));  // another exporter
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(128L, 2L, 2L);
        assertThat(r.messages()).hasSize(3).first().asString().contains("flows of sampler 9 (source id 0) arrive with no"
                + " rate kept for it (no options record announced one yet, or it was refused); until one is kept, its input"
                + " interface's rate");
    }

    /**
     * Options scoped to an interface that also name a sampler: sampler 0 ("none") makes the rate the
     * interface's; a real sampler id makes it that sampler's (the interface is then not used).
     */
    @Test
    void v9InterfaceScopedOptionsNamingSamplerZeroAreTheInterfacesRate() {
        byte[] opt = flowset(1, v9OptionsTemplate(300, new int[] {2, 4}, 48, 2, 34, 4));
        byte[] optData = flowset(300, rec().u32(3).u16(0).u32(50).toBytes(), rec().u32(4).u16(6).u32(1000).toBytes());
        byte[] tpl = flowset(0, template(257, plus(V9_BASIC, 10, 4, 48, 2)));
        byte[] plain = v9Basic("10.0.0.1", "10.0.0.2", 1, 2, 100, 2, UPTIME, UPTIME);
        Run r = new Run().send(v9(UPTIME, SECS, 0, 0, opt, optData, tpl,
                flowset(257, rec().bytes(plain).u32(2).u16(0).toBytes(), rec().bytes(plain).u32(3).u16(0).toBytes(),
                        rec().bytes(plain).u32(4).u16(0).toBytes(), rec().bytes(plain).u32(9).u16(6).toBytes())));
        // Interface 2: nothing announced; 3: 1 in 50; 4: its record named sampler 6, so the rate is sampler 6's.
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(2L, 100L, 2L, 2000L);
        assertThat(r.messages()).isEmpty();
    }

    @Test
    void v9SamplingRatesDoNotLeakToOtherExporters() {
        byte[] opt = flowset(1, v9OptionsTemplate(300, new int[] {1, 4}, 34, 4));
        byte[] optData = flowset(300, rec().u32(0).u32(64).toBytes());
        byte[] tpl = flowset(0, template(256, V9_BASIC));
        byte[] data = flowset(256, v9Basic("10.0.0.1", "10.0.0.2", 1, 2, 100, 2, UPTIME, UPTIME));
        Run r = new Run().send("192.0.2.1", v9(UPTIME, SECS, 0, 0, opt, optData, tpl, data))
                .send("192.0.2.2", v9(UPTIME, SECS, 0, 0, tpl, data));
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(128L, 2L);
    }

    @Test
    void v9PackageSequenceCountsLostPacketsAndRestarts() {
        byte[] tpl = flowset(0, template(256, V9_BASIC));
        Run r = new Run();
        for (long seq : new long[] {0, 1, 2, 6, 7}) r.send(v9(UPTIME, SECS, seq, 0, tpl));
        assertThat(r.source(9, 0).lost()).isEqualTo(3);
        assertThat(r.source(9, 0).lossUnit()).isEqualTo("packets");
        // The exporter restarts (sequence back to 0): a restart, not loss or a late datagram.
        r.send(v9(1_000, SECS, 0, 0, tpl)).send(v9(2_000, SECS, 1, 0, tpl));
        assertThat(r.source(9, 0).lost()).isEqualTo(3);
        assertThat(r.source(9, 0).resets()).isEqualTo(1);
        // Wrapping from 2^32 - 1 to 0 is in order.
        r.send(v9(3_000, SECS, 0xffff_ffffL, 0, tpl)).send(v9(4_000, SECS, 0, 0, tpl));
        assertThat(r.source(9, 0).resets()).isEqualTo(2); // the jump to 2^32 - 1 itself
        assertThat(r.source(9, 0).lost()).isEqualTo(3);
    }

    @Test
    void v9OutCountersAreForwardAloneReverseNextToInAndByDirectionWithDirection() {
        byte[] tpl = flowset(0,
                template(256, 8, 4, 12, 4, 4, 1, 23, 4, 24, 4),
                template(257, 8, 4, 12, 4, 4, 1, 1, 4, 2, 4, 23, 4, 24, 4),
                template(258, 8, 4, 12, 4, 4, 1, 1, 4, 2, 4, 23, 4, 24, 4, 61, 1));
        Run r = new Run().send(v9(UPTIME, SECS, 0, 0, tpl,
                flowset(256, rec().ip("10.0.0.1").ip("10.0.0.2").u8(17).u32(500).u32(5).toBytes()),
                flowset(257, rec().ip("10.0.0.1").ip("10.0.0.2").u8(17).u32(100).u32(1).u32(900).u32(3).toBytes()),
                flowset(258, rec().ip("10.0.0.1").ip("10.0.0.2").u8(17).u32(0).u32(0).u32(32).u32(1).u8(1).toBytes(),
                        rec().ip("10.0.0.2").ip("10.0.0.1").u8(17).u32(64).u32(2).u32(0).u32(0).u8(0).toBytes())));
        assertThat(r.flows).extracting(f -> f.packets() + "/" + f.bytes() + " rev " + f.reversePackets() + "/" + f.reverseBytes())
                .containsExactly("5/500 rev 0/0", "1/100 rev 3/900", "1/32 rev 0/0", "2/64 rev 0/0");
        assertThat(r.flows.get(1).biflow()).isTrue();
    }

    @Test
    void v9DamagedFlowsetKeepsEverythingBeforeItAndNamesExporterAndOffset() {
        byte[] tpl = flowset(0, template(256, V9_BASIC));
        byte[] data = flowset(256, v9Basic("10.0.0.1", "10.0.0.2", 1, 2, 100, 2, UPTIME, UPTIME),
                v9Basic("10.0.0.3", "10.0.0.4", 1, 2, 100, 2, UPTIME, UPTIME));
        byte[] bad = rec().u16(256).u16(2).u32(0xdeadbeefL).toBytes(); // a flowset 2 bytes long
        Run r = new Run().send("203.0.113.5", v9(UPTIME, SECS, 0, 0, tpl, data, bad));
        assertThat(r.flows).hasSize(2);
        int at = 20 + tpl.length + data.length;
        assertThat(r.messages()).singleElement().asString()
                .isEqualTo("udp datagram: offset " + at + ": exporter 203.0.113.5:2055 (NetFlow v9 source id 0): flowset"
                        + " 256 has length 2, shorter than its header; the rest of the datagram (8 bytes) is skipped;"
                        + " records lost: unknown, counted as 1");
    }

    @Test
    void v9ZeroPaddingAfterTheLastFlowsetIsNotDamage() {
        byte[] tpl = flowset(0, template(256, V9_BASIC));
        byte[] data = flowset(256, v9Basic("10.0.0.1", "10.0.0.2", 1, 2, 100, 2, UPTIME, UPTIME));
        byte[] d = v9(UPTIME, SECS, 0, 0, tpl, data);
        Run r = new Run().send(Arrays.copyOf(d, 1400));
        assertThat(r.flows).hasSize(1);
        assertThat(r.messages()).isEmpty();
    }

    @Test
    void v9OptionsTemplateWithoutScopeIsAccepted() {
        // Juniper SRX sends options templates with scope length 0.
        byte[] opt = flowset(1, v9OptionsTemplate(300, new int[0], 34, 4));
        byte[] tpl = flowset(0, template(256, V9_BASIC));
        Run r = new Run().send(v9(UPTIME, SECS, 0, 0, opt, flowset(300, rec().u32(8).toBytes()), tpl,
                flowset(256, v9Basic("10.0.0.1", "10.0.0.2", 1, 2, 100, 2, UPTIME, UPTIME))));
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows).singleElement().extracting(FlowRecord::packets).isEqualTo(16L);
    }

    @Test
    void v9SrcAsAndDstAsIn2Or4Bytes() {
        // Template 256: 16-bit AS numbers (SRC_AS 16, DST_AS 17 of length 2); 257: 32-bit (RFC 6793 exporters).
        byte[] tpl = flowset(0, template(256, 8, 4, 12, 4, 1, 4, 2, 4, 16, 2, 17, 2),
                template(257, 8, 4, 12, 4, 1, 4, 2, 4, 16, 4, 17, 4));
        byte[] two = flowset(256, rec().ip("10.0.0.1").ip("10.0.0.2").u32(100).u32(1).u16(64_512).u16(3356).toBytes());
        byte[] four = flowset(257, rec().ip("10.0.0.3").ip("10.0.0.4").u32(100).u32(1).u32(4_200_000_000L)
                .u32(0xffff_ffffL).toBytes());
        Run r = new Run().send(v9(UPTIME, SECS, 0, 0, tpl, two, four));
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows).extracting(FlowRecord::srcAs).containsExactly(64_512L, 4_200_000_000L);
        assertThat(r.flows).extracting(FlowRecord::dstAs).containsExactly(3_356L, 4_294_967_295L);
    }

    @Test
    void ipfixBgpAsNumbersInReducedSizeAndTooLongOnesRejectTheTemplate() {
        // bgpSourceAsNumber / bgpDestinationAsNumber are unsigned32; 2 and 3 bytes are reduced-size encodings.
        byte[] tpl = set(2, template(256, 8, 4, 12, 4, 1, 8, 2, 8, 16, 2, 17, 3),
                template(257, 8, 4, 12, 4, 1, 8, 2, 8, 16, 4, 17, 4),
                template(258, 8, 4, 12, 4, 1, 8, 2, 8, 16, 8));
        byte[] data = set(256, rec().ip("10.0.0.1").ip("10.0.0.2").u64(100).u64(1).u16(65_535).u8(1).u16(0).toBytes());
        byte[] data4 = set(257, rec().ip("10.0.0.3").ip("10.0.0.4").u64(100).u64(1).u32(131_279).u32(0).toBytes());
        byte[] data8 = set(258, rec().ip("10.0.0.5").ip("10.0.0.6").u64(100).u64(1).u64(7).toBytes());
        Run r = new Run().send(ipfix(SECS, 0, 1, tpl, data, data4, data8));
        assertThat(r.flows).extracting(FlowRecord::srcAs).containsExactly(65_535L, 131_279L);
        assertThat(r.flows).extracting(FlowRecord::dstAs).containsExactly(65_536L, 0L);
        assertThat(r.messages()).hasSize(2);
        assertThat(r.messages().get(0)).contains("template 258 (observation domain 1) rejected: field IE 16 has length 8,"
                + " expected 1..4");
    }

    // ---------------------------------------------------------------- IPFIX

    private static final int[] IPFIX_BASIC = {8, 4, 12, 4, 7, 2, 11, 2, 4, 1, 6, 1, 2, 8, 1, 8, 152, 8, 153, 8};

    private static byte[] ipfixBasic(String src, String dst, long packets, long bytes) {
        return rec().ip(src).ip(dst).u16(1000).u16(80).u8(6).u8(0x10).u64(packets).u64(bytes).u64(MS - 1000).u64(MS).toBytes();
    }

    /** (type, length) pairs of {@code n} one-byte fields of unknown types: harmless, but they cost memory. */
    private static int[] unknownFields(int n) {
        int[] f = new int[2 * n];
        for (int i = 0; i < f.length; i += 2) {
            f[i] = 1000 + i / 2;
            f[i + 1] = 1;
        }
        return f;
    }

    private static int[] plus(int[] base, int... more) {
        int[] r = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, r, base.length, more.length);
        return r;
    }

    @Test
    void ipfixSamplingFromSelectorOptionsRecordRatesAndSizePopulation() {
        // Options 400: scope selectorId; samplingPacketInterval 1 / samplingPacketSpace 99 -> 1 in 100.
        byte[] opt400 = ipfixOptionsTemplate(400, 1, 302, 4, 305, 4, 306, 4);
        // Options 401: scope selectorId; samplingSize 3 of samplingPopulation 30 -> 1 in 10.
        byte[] opt401 = ipfixOptionsTemplate(401, 1, 302, 4, 309, 4, 310, 4);
        byte[] tpl = set(2, template(256, plus(IPFIX_BASIC, 302, 4)), template(258, plus(IPFIX_BASIC, 34, 4)));
        byte[] options = ipfix(SECS, 0, 1, set(3, opt400, opt401),
                set(400, rec().u32(5).u32(1).u32(99).toBytes(), rec().u32(7).u32(2).u32(3).toBytes()),
                set(401, rec().u32(6).u32(3).u32(30).toBytes()));
        byte[] rec = ipfixBasic("10.0.0.1", "10.0.0.2", 10, 1000);
        Run r = new Run().send(options).send(ipfix(SECS, 3, 1, tpl,
                set(256, rec().bytes(rec).u32(5).toBytes(), rec().bytes(rec).u32(6).toBytes(), rec().bytes(rec).u32(7).toBytes()),
                set(258, rec().bytes(rec).u32(7).toBytes())));
        assertThat(r.messages()).isEmpty();
        // 1 in 100; 1 in 10; 2 sampled of 5 (x 2.5); the record's own samplingInterval 7.
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(1000L, 100L, 25L, 70L);
        assertThat(r.flows).extracting(FlowRecord::bytes).containsExactly(100_000L, 10_000L, 2_500L, 7_000L);
    }

    @Test
    void ipfixIngressInterfaceScopedRatesFromDatagramsAndFromAFile() throws Exception {
        // Options 400: scope ingressInterface; samplingPacketInterval 1 / samplingPacketSpace 99 -> 1 in 100.
        byte[] opt400 = ipfixOptionsTemplate(400, 1, 10, 4, 305, 4, 306, 4);
        // Options 401: scope ingressInterface; samplerRandomInterval 10.
        byte[] opt401 = ipfixOptionsTemplate(401, 1, 10, 4, 50, 4);
        // Options 402: scope selectorId; samplingInterval 1000. Options 403: scope meteringProcessId, the default 1 in 4.
        byte[] opt402 = ipfixOptionsTemplate(402, 1, 302, 4, 34, 4);
        byte[] opt403 = ipfixOptionsTemplate(403, 1, 143, 4, 34, 4);
        byte[] tpl = set(2, template(256, plus(IPFIX_BASIC, 10, 4)), template(257, plus(IPFIX_BASIC, 10, 2, 302, 4)));
        byte[] rec = ipfixBasic("10.0.0.1", "10.0.0.2", 3, 300);
        byte[] message = ipfix(SECS, 0, 1, set(3, opt400, opt401, opt402, opt403), tpl,
                set(400, rec().u32(1).u32(1).u32(99).toBytes()),
                set(401, rec().u32(2).u32(10).toBytes()),
                set(402, rec().u32(7).u32(1000).toBytes()),
                set(403, rec().u32(0).u32(4).toBytes()),
                set(256, rec().bytes(rec).u32(1).toBytes(), rec().bytes(rec).u32(2).toBytes(), rec().bytes(rec).u32(3).toBytes()),
                set(257, rec().bytes(rec).u16(2).u32(7).toBytes()));
        long[] packets = {300, 30, 12, 3000};
        long[] bytes = {30_000, 3_000, 1_200, 300_000};

        Run r = new Run().send(message);
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(box(packets));
        assertThat(r.flows).extracting(FlowRecord::bytes).containsExactly(box(bytes));

        // The same message as an IPFIX file ('analyze' of a file that carries sampling options).
        List<FlowRecord> read = new ArrayList<>();
        Rejects rejects = new Rejects("test.ipfix", null);
        new IpfixReader().read(new ByteArrayInputStream(message), new RecordSink() {
            @Override
            public void flow(FlowRecord f) {
                read.add(f);
            }
        }, rejects);
        assertThat(rejects.messages()).isEmpty();
        assertThat(read).extracting(FlowRecord::packets).containsExactly(box(packets));
        assertThat(read).extracting(FlowRecord::bytes).containsExactly(box(bytes));
    }

    private static Long[] box(long[] v) {
        return Arrays.stream(v).boxed().toArray(Long[]::new);
    }

    @Test
    void ipfixInterfaceRatesWithoutADefaultLeaveOtherInterfacesUnscaled() {
        byte[] opt = set(3, ipfixOptionsTemplate(400, 1, 10, 4, 34, 4));
        byte[] tpl = set(2, template(256, plus(IPFIX_BASIC, 10, 4)));
        byte[] rec = ipfixBasic("10.0.0.1", "10.0.0.2", 3, 300);
        Run r = new Run().send(ipfix(SECS, 0, 1, opt, tpl,
                set(400, rec().u32(1).u32(100).toBytes(), rec().u32(2).u32(10).toBytes()),
                set(256, rec().bytes(rec).u32(1).toBytes(), rec().bytes(rec).u32(2).toBytes(), rec().bytes(rec).u32(3).toBytes())));
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(300L, 30L, 3L);
        assertThat(r.flows).extracting(FlowRecord::bytes).containsExactly(30_000L, 3_000L, 300L);
    }

    /**
     * An exporter that samples on egress: options scoped to egressInterface 14 (interface 5: 1 in
     * 100; interface 6: 1 in 10) next to an ingress-scoped rate (interface 1: 1 in 1000). Flows name
     * their ingressInterface 10, egressInterface 14 and, in the second template, flowDirection 61.
     */
    @Test
    void ipfixEgressInterfaceScopedRatesApplyToFlowsLeavingThroughThatInterface() {
        byte[] optEgress = ipfixOptionsTemplate(400, 1, 14, 4, 34, 4);
        byte[] optIngress = ipfixOptionsTemplate(401, 1, 10, 4, 34, 4);
        byte[] tpl = set(2, template(256, plus(IPFIX_BASIC, 10, 4, 14, 4)),
                template(257, plus(IPFIX_BASIC, 10, 4, 14, 4, 61, 1)));
        byte[] rec = ipfixBasic("10.0.0.1", "10.0.0.2", 3, 300);
        Run r = new Run().send(ipfix(SECS, 0, 1, set(3, optEgress, optIngress), tpl,
                set(400, rec().u32(5).u32(100).toBytes(), rec().u32(6).u32(10).toBytes()),
                set(401, rec().u32(1).u32(1000).toBytes()),
                // no direction: in 2 -> out 5 (egress rate of 5); in 1 -> out 6 (ingress rate of 1 first);
                // in 2 -> out 7 (neither: no default was announced, so the last egress rate, 1 in 10)
                set(256, rec().bytes(rec).u32(2).u32(5).toBytes(), rec().bytes(rec).u32(1).u32(6).toBytes(),
                        rec().bytes(rec).u32(2).u32(7).toBytes()),
                // egress records (direction 1) take their output interface's rate even when the input
                // interface has one; an ingress record (direction 0) its input interface's; an egress
                // record leaving through an interface without a rate its input interface's
                set(257, rec().bytes(rec).u32(1).u32(6).u8(1).toBytes(), rec().bytes(rec).u32(1).u32(6).u8(0).toBytes(),
                        rec().bytes(rec).u32(1).u32(7).u8(1).toBytes())));
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(300L, 3000L, 30L, 30L, 3000L, 3000L);
        assertThat(r.flows).extracting(FlowRecord::bytes).containsExactly(30_000L, 300_000L, 3_000L, 3_000L, 300_000L, 300_000L);

        // Records without egressInterface cannot be matched: with no default announced, the last
        // egress-scoped rate (1 in 10) stands in for it, as when egress scopes counted as the default;
        // an input interface's rate still comes first
        byte[] plainTpl = set(2, template(258, plus(IPFIX_BASIC, 10, 4)));
        r.send(ipfix(SECS, 1, 1, plainTpl, set(258, rec().bytes(rec).u32(2).toBytes(), rec().bytes(rec).u32(1).toBytes())));
        assertThat(r.flows.subList(6, 8)).extracting(FlowRecord::packets).containsExactly(30L, 3000L);
    }

    /** v9 interface scopes have no direction: an egress record (DIRECTION 1) takes its OUTPUT_SNMP's rate. */
    @Test
    void v9EgressRecordsTakeTheirOutputInterfacesRate() {
        byte[] opt = flowset(1, v9OptionsTemplate(300, new int[] {2, 4}, 34, 4));
        byte[] optData = flowset(300, rec().u32(4).u32(100).toBytes(), rec().u32(9).u32(10).toBytes());
        byte[] tpl = flowset(0, template(257, plus(V9_BASIC, 10, 2, 14, 2, 61, 1)));
        byte[] plain = v9Basic("10.0.0.1", "10.0.0.2", 1, 2, 100, 2, UPTIME, UPTIME);
        Run r = new Run().send(v9(UPTIME, SECS, 0, 0, opt, optData, tpl,
                flowset(257, rec().bytes(plain).u16(4).u16(9).u8(1).toBytes(), rec().bytes(plain).u16(4).u16(9).u8(0).toBytes(),
                        rec().bytes(plain).u16(3).u16(4).u8(0).toBytes())));
        // Egress through 9: 1 in 10. Ingress on 4: 1 in 100. Ingress on 3 (no rate), out through 4: v9's
        // interface rates are only taken for the output interface of records marked egress, so unscaled.
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(20L, 200L, 2L);
        assertThat(r.messages()).isEmpty();
    }

    @Test
    void ipfixEgressRecordWithoutEgressInterfaceGetsTheLastEgressRate() {
        byte[] opt = set(3, ipfixOptionsTemplate(400, 1, 14, 4, 34, 4));
        byte[] tpl = set(2, template(256, plus(IPFIX_BASIC, 10, 4, 61, 1)));
        byte[] rec = ipfixBasic("10.0.0.1", "10.0.0.2", 3, 300);
        Run r = new Run().send(ipfix(SECS, 0, 1, opt, tpl, set(400, rec().u32(5).u32(100).toBytes()),
                set(256, rec().bytes(rec).u32(2).u8(1).toBytes(), rec().bytes(rec).u32(2).u8(0).toBytes())));
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(300L, 300L);
    }

    @Test
    void ipfixEgressRecordFallsBackToItsIngressInterfacesRate() {
        byte[] opt = set(3, ipfixOptionsTemplate(400, 1, 10, 4, 34, 4));
        byte[] tpl = set(2, template(256, plus(IPFIX_BASIC, 10, 4, 14, 4, 61, 1)));
        byte[] rec = ipfixBasic("10.0.0.1", "10.0.0.2", 3, 300);
        Run r = new Run().send(ipfix(SECS, 0, 1, opt, tpl, set(400, rec().u32(1).u32(1000).toBytes()),
                set(256, rec().bytes(rec).u32(1).u32(6).u8(1).toBytes())));
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(3000L);
    }

    @Test
    void v9EgressRecordWithoutOutputSnmpKeepsItsInputInterfacesRate() {
        byte[] opt = flowset(1, v9OptionsTemplate(300, new int[] {2, 4}, 34, 4));
        byte[] optData = flowset(300, rec().u32(4).u32(100).toBytes());
        byte[] tpl = flowset(0, template(257, plus(V9_BASIC, 10, 2, 61, 1)));
        byte[] plain = v9Basic("10.0.0.1", "10.0.0.2", 1, 2, 100, 2, UPTIME, UPTIME);
        Run r = new Run().send(v9(UPTIME, SECS, 0, 0, opt, optData, tpl,
                flowset(257, rec().bytes(plain).u16(4).u8(1).toBytes())));
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(200L);
    }

    @Test
    void v9EgressRecordWhoseOutputHasNoRateTakesItsInputInterfacesRate() {
        byte[] opt = flowset(1, v9OptionsTemplate(300, new int[] {2, 4}, 34, 4));
        byte[] optData = flowset(300, rec().u32(4).u32(100).toBytes());
        byte[] tpl = flowset(0, template(257, plus(V9_BASIC, 10, 2, 14, 2, 61, 1)));
        byte[] plain = v9Basic("10.0.0.1", "10.0.0.2", 1, 2, 100, 2, UPTIME, UPTIME);
        Run r = new Run().send(v9(UPTIME, SECS, 0, 0, opt, optData, tpl,
                flowset(257, rec().bytes(plain).u16(4).u16(9).u8(1).toBytes())));
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(200L);
    }

    @Test
    void ipfixOddLengthsOfDirectionAndEgressInterfaceDoNotFailTheTemplate() {
        byte[] opt = set(3, ipfixOptionsTemplate(400, 1, 143, 4, 34, 4, 14, 4));
        byte[] tpl = set(2, template(256, plus(IPFIX_BASIC, 14, 2, 61, 2)), template(257, plus(IPFIX_BASIC, 14, 16, 61, 4)));
        byte[] rec = ipfixBasic("10.0.0.1", "10.0.0.2", 3, 300);
        Run r = new Run().send(ipfix(SECS, 0, 1, opt, tpl, set(400, rec().u32(0).u32(10).u32(5).toBytes()),
                set(256, rec().bytes(rec).u16(5).u16(1).toBytes()),
                set(257, rec().bytes(rec).bytes(new byte[16]).u32(1).toBytes())));
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(30L, 30L);
    }

    @Test
    void ipfixEgressRatesDoNotLeakAcrossDomains() {
        byte[] opt = set(3, ipfixOptionsTemplate(400, 1, 14, 4, 34, 4));
        byte[] tpl = set(2, template(256, plus(IPFIX_BASIC, 10, 4, 14, 4, 61, 1)));
        byte[] rec = ipfixBasic("10.0.0.1", "10.0.0.2", 3, 300);
        Run r = new Run().send(ipfix(SECS, 0, 1, opt, tpl, set(400, rec().u32(5).u32(100).toBytes())));
        r.send(ipfix(SECS, 0, 2, tpl, set(256, rec().bytes(rec).u32(1).u32(5).u8(1).toBytes(),
                rec().bytes(rec).u32(1).u32(5).u8(0).toBytes())));
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(3L, 3L);
    }

    @Test
    void ipfixUnmatchedEgressInterfaceOfAnEgressOnlySourceGetsTheLastEgressRate() {
        byte[] opt = set(3, ipfixOptionsTemplate(400, 1, 14, 4, 34, 4));
        byte[] tpl = set(2, template(256, plus(IPFIX_BASIC, 14, 4, 61, 1)));
        byte[] rec = ipfixBasic("10.0.0.1", "10.0.0.2", 3, 300);
        Run r = new Run().send(ipfix(SECS, 0, 1, opt, tpl, set(400, rec().u32(0).u32(100).toBytes()),
                set(256, rec().bytes(rec).u32(5).u8(1).toBytes(), rec().bytes(rec).u32(5).u8(0).toBytes())));
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(300L, 300L);
    }

    @Test
    void ipfixTemplateWithdrawalAndRefresh() {
        byte[] tpl = set(2, template(256, IPFIX_BASIC));
        byte[] data = set(256, ipfixBasic("10.0.0.1", "10.0.0.2", 1, 100));
        Run r = new Run()
                .send(ipfix(SECS, 0, 1, tpl, data))
                .send(ipfix(SECS, 1, 1, tpl, data))                                  // refresh: same template
                .send(ipfix(SECS, 2, 1, set(2, rec().u16(256).u16(0).toBytes())))  // withdrawal
                .send(ipfix(SECS, 2, 1, data))                                     // now unknown
                .send(ipfix(SECS, 3, 1, set(2, template(256, 12, 4, 8, 4, 2, 4)),  // a new definition
                        set(256, rec().ip("10.7.7.7").ip("10.6.6.6").u32(9).toBytes())));
        assertThat(r.flows).extracting(f -> f.src() + ">" + f.dst() + " " + f.packets())
                .containsExactly("10.0.0.1>10.0.0.2 1", "10.0.0.1>10.0.0.2 1", "10.6.6.6>10.7.7.7 9");
        assertThat(r.messages()).singleElement().asString().contains("offset 16: exporter 192.0.2.1:2055 (IPFIX"
                + " observation domain 1): data set for unknown template 256");
        // Withdrawing all templates of the domain (id 2, count 0).
        r.send(ipfix(SECS, 4, 1, set(2, rec().u16(2).u16(0).toBytes()))).send(ipfix(SECS, 4, 1, data));
        assertThat(r.flows).hasSize(3);
    }

    /**
     * Over UDP a template lives as long as the exporter keeps re-sending it (RFC 7011 §8.4): data
     * for a template not received within the lifetime is rejected, with how long it has been, until
     * the template comes again; a re-send, even unchanged, starts the lifetime again. Each exporter
     * domain's templates age on their own, and datagrams without a time (files, captures) never
     * expire anything.
     */
    @Test
    void templatesReceivedOverUdpExpireUnlessReSentWithinTheirLifetime() {
        byte[] tpl = set(2, template(256, IPFIX_BASIC));
        byte[] data = set(256, ipfixBasic("10.0.0.1", "10.0.0.2", 1, 100));
        byte[] two = set(256, ipfixBasic("10.0.0.1", "10.0.0.2", 2, 100), ipfixBasic("10.0.0.1", "10.0.0.2", 3, 100));
        long t0 = 1_700_000_000_000L, life = 60_000;
        Run r = new Run(life)
                .sendAt(t0, "192.0.2.1", ipfix(SECS, 0, 1, tpl, data))
                .sendAt(t0, "192.0.2.9", ipfix(SECS, 0, 1, tpl))                 // another exporter, same ids
                .sendAt(t0 + life, "192.0.2.1", ipfix(SECS, 1, 1, data))          // at the lifetime: still good
                .sendAt(t0 + 50_000, "192.0.2.9", ipfix(SECS, 1, 1, tpl))         // re-sent unchanged
                .sendAt(t0 + life + 1, "192.0.2.1", ipfix(SECS, 2, 1, two))      // past it: expired
                .sendAt(t0 + life + 2, "192.0.2.1", ipfix(SECS, 4, 1, data))     // still expired
                .sendAt(t0 + 100_000, "192.0.2.9", ipfix(SECS, 2, 1, data));     // 50 s after its re-send
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(1L, 1L, 1L);
        assertThat(r.decoder.expiredTemplates()).isEqualTo(1);
        assertThat(r.messages()).hasSize(2);
        assertThat(r.messages().get(0)).contains("exporter 192.0.2.1:2055 (IPFIX observation domain 1): data set for"
                + " template 256 (observation domain 1), which expired: not re-sent for 61 s, more than the template"
                + " lifetime of 60 s; records lost: 2");
        assertThat(r.messages().get(1)).contains("which expired: not re-sent for 61 s").contains("records lost: 1");
        // Sent again, the template is used again.
        r.sendAt(t0 + 200_000, "192.0.2.1", ipfix(SECS, 5, 1, tpl, data));
        assertThat(r.flows).hasSize(4);
        // Without a time (a file or a capture), nothing expires.
        Run files = new Run(life).send(ipfix(SECS, 0, 1, tpl)).send(ipfix(SECS, 1, 1, data))
                .sendAt(t0 + 10 * life, "192.0.2.1", ipfix(SECS, 2, 1, data));
        assertThat(files.flows).hasSize(2);
        assertThat(files.messages()).isEmpty();
        // Lifetime 0: templates never expire.
        Run never = new Run(0).sendAt(t0, "192.0.2.1", ipfix(SECS, 0, 1, tpl))
                .sendAt(t0 + 365L * 86_400_000, "192.0.2.1", ipfix(SECS, 1, 1, data));
        assertThat(never.flows).hasSize(1);
        assertThat(never.messages()).isEmpty();
    }

    /** A message cut short is read up to the cut, but not through an expired template. */
    @Test
    void aCutMessageIsNotReadThroughAnExpiredTemplate() {
        byte[] tpl = set(2, template(256, IPFIX_BASIC));
        byte[] two = set(256, ipfixBasic("10.0.0.1", "10.0.0.2", 2, 100), ipfixBasic("10.0.0.1", "10.0.0.2", 3, 100));
        byte[] msg = ipfix(SECS, 1, 1, two);
        byte[] cut = Arrays.copyOf(msg, msg.length - 20);
        Run fresh = new Run(60_000).sendAt(0, "192.0.2.1", ipfix(SECS, 0, 1, tpl)).sendAt(1_000, "192.0.2.1", cut);
        assertThat(fresh.flows).hasSize(1);
        Run late = new Run(60_000).sendAt(0, "192.0.2.1", ipfix(SECS, 0, 1, tpl)).sendAt(120_000, "192.0.2.1", cut);
        assertThat(late.flows).isEmpty();
        assertThat(late.decoder.expiredTemplates()).isEqualTo(1);
        assertThat(late.messages()).anySatisfy(m -> assertThat(m).contains("which expired: not re-sent for 120 s"));
        assertThat(late.rejects.count()).isEqualTo(2);
    }

    /**
     * The templates kept are capped in bytes; when full, templates past their lifetime (of exporters
     * gone quiet) make room before a new one is refused.
     */
    @Test
    void whenTheTemplateCapIsReachedExpiredTemplatesMakeRoom() {
        int[] wide = unknownFields(16_000);
        // 524 templates of 64,004 bytes fit in the 32 MiB kept, one per observation domain.
        Run r = new Run(60_000);
        for (int d = 0; d < 524; d++) r.sendAt(0, "192.0.2.1", ipfix(SECS, 0, d, set(2, template(256, wide))));
        assertThat(r.messages()).isEmpty();
        r.sendAt(1_000, "192.0.2.1", ipfix(SECS, 0, 99_999, set(2, template(256, wide))));
        assertThat(r.messages()).singleElement().asString().contains("templates kept already take 32 MiB");
        // Past the lifetime of the first 524, the next one makes room for itself, and decodes.
        r.sendAt(61_001, "192.0.2.1", ipfix(SECS, 0, 99_998, set(2, template(256, IPFIX_BASIC)),
                set(256, ipfixBasic("10.0.0.1", "10.0.0.2", 1, 100))));
        assertThat(r.messages()).hasSize(1);
        assertThat(r.flows).hasSize(1);
        // A big one fits again too.
        r.sendAt(61_002, "192.0.2.1", ipfix(SECS, 1, 99_999, set(2, template(256, wide))));
        assertThat(r.messages()).hasSize(1);
    }

    /** NetFlow v9 templates expire the same way (RFC 3954 §9: the collector's template timeout). */
    @Test
    void v9TemplatesExpireToo() {
        byte[] tpl = flowset(0, template(256, 8, 4, 12, 4, 7, 2, 11, 2, 4, 1, 1, 4, 2, 4));
        byte[] data = flowset(256, rec().ip("10.0.0.1").ip("10.0.0.2").u16(1000).u16(53).u8(17).u32(100).u32(1).toBytes());
        Run r = new Run(30_000)
                .sendAt(0, "192.0.2.1", v9(1000, SECS, 0, 7, tpl, data))
                .sendAt(40_000, "192.0.2.1", v9(41_000, SECS, 1, 7, data))
                .sendAt(41_000, "192.0.2.1", v9(42_000, SECS, 2, 7, tpl, data));
        assertThat(r.flows).hasSize(2);
        assertThat(r.messages()).singleElement().asString().contains("NetFlow v9 source id 7")
                .contains("template 256 (source id 7), which expired: not re-sent for 40 s");
    }

    @Test
    void ipfixSequenceCountsLostDataRecords() {
        byte[] tpl = set(2, template(256, IPFIX_BASIC));
        byte[] one = ipfixBasic("10.0.0.1", "10.0.0.2", 1, 100);
        Run r = new Run()
                .send(ipfix(SECS, 0, 1, tpl, set(256, one, one, one)))  // records 0-2
                .send(ipfix(SECS, 3, 1, set(256, one, one)))            // 3-4
                .send(ipfix(SECS, 10, 1, set(256, one)));               // 5-9 lost
        assertThat(r.source(10, 1).lost()).isEqualTo(5);
        assertThat(r.source(10, 1).lossUnit()).isEqualTo("records");
        // A message with records of an unknown template cannot be counted: the next one starts afresh.
        r.send(ipfix(SECS, 11, 1, set(999, one))).send(ipfix(SECS, 50, 1, set(256, one))).send(ipfix(SECS, 51, 1, set(256, one)));
        assertThat(r.source(10, 1).lost()).isEqualTo(5);
        // Template-only messages carry the current number and add nothing.
        r.send(ipfix(SECS, 52, 1, tpl)).send(ipfix(SECS, 52, 1, set(256, one)));
        assertThat(r.source(10, 1).lost()).isEqualTo(5);
        assertThat(r.source(10, 1).resets()).isZero();
    }

    @Test
    void ipfixDatagramCutShortKeepsItsWholeRecords() {
        byte[] tpl = set(2, template(256, IPFIX_BASIC));
        byte[] d = ipfix(SECS, 0, 1, tpl, set(256, ipfixBasic("10.0.0.1", "10.0.0.2", 1, 100),
                ipfixBasic("10.0.0.3", "10.0.0.4", 1, 100), ipfixBasic("10.0.0.5", "10.0.0.6", 1, 100)));
        Run r = new Run().send(Arrays.copyOf(d, d.length - 20));
        assertThat(r.flows).extracting(f -> f.src().toString()).containsExactly("10.0.0.1", "10.0.0.3");
        assertThat(r.messages()).singleElement().asString()
                .startsWith("udp datagram: offset " + (16 + tpl.length) + ": exporter 192.0.2.1:2055 (IPFIX observation"
                        + " domain 1): message truncated: its length field says " + d.length)
                .contains("records lost: 1");
    }

    @Test
    void ipfixDamagedSetKeepsTheSetsBeforeIt() {
        byte[] tpl = set(2, template(256, IPFIX_BASIC));
        byte[] data = set(256, ipfixBasic("10.0.0.1", "10.0.0.2", 1, 100));
        byte[] bad = rec().u16(17).u16(8).u32(0).toBytes(); // set id 17 is reserved
        Run r = new Run().send("192.0.2.44", ipfix(SECS, 0, 1, tpl, data, bad));
        assertThat(r.flows).hasSize(1);
        assertThat(r.messages()).singleElement().asString()
                .startsWith("udp datagram: offset " + (16 + tpl.length + data.length) + ": exporter 192.0.2.44:2055")
                .contains("invalid set id 17");
    }

    // ---------------------------------------------------------------- not export, garbage

    @Test
    void datagramsThatAreNotFlowExportAreReportedWithTheExporter() {
        Run r = new Run().send("192.0.2.9", new byte[0]).send("192.0.2.9", new byte[] {1})
                .send("192.0.2.9", "GET / HTTP/1.1\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .send("192.0.2.9", new byte[] {0, 5, 0, 1}).send("192.0.2.9", new byte[] {0, 9, 0}).send("192.0.2.9", new byte[] {0, 10});
        assertThat(r.flows).isEmpty();
        assertThat(r.decoder.notExport()).isEqualTo(3);
        assertThat(r.messages()).hasSize(6).allSatisfy(m -> assertThat(m).contains("exporter 192.0.2.9:2055"));
        assertThat(r.messages().get(2)).contains("version field 18245");
        assertThat(r.messages().get(3)).contains("shorter than its 24-byte header");
    }

    @Test
    void mutatedDatagramsNeverThrowAndCannotDisturbAnotherExporter() {
        byte[] v9tpl = flowset(0, template(256, V9_BASIC), template(257, 27, 16, 28, 16, 2, 4, 1, 4));
        byte[] v9data = flowset(256, v9Basic("10.0.0.1", "10.0.0.2", 1, 2, 100, 2, UPTIME, UPTIME),
                v9Basic("10.0.0.3", "10.0.0.4", 1, 2, 100, 2, UPTIME, UPTIME));
        List<byte[]> valid = List.of(
                v5(UPTIME, SECS, 0, 0, 0, 0, v5Record("10.0.0.1", "10.0.0.2", 1, 2, 6, 0, 1, 100, UPTIME, UPTIME)),
                v9(UPTIME, SECS, 0, 0, v9tpl, v9data),
                v9(UPTIME, SECS, 1, 0, flowset(1, v9OptionsTemplate(300, new int[] {1, 4}, 48, 1, 50, 4)),
                        flowset(300, rec().u32(0).u8(1).u32(10).toBytes())),
                ipfix(SECS, 0, 1, set(2, template(256, IPFIX_BASIC)), set(256, ipfixBasic("10.0.0.1", "10.0.0.2", 1, 100))),
                ipfix(SECS, 1, 1, set(3, ipfixOptionsTemplate(400, 1, 302, 4, 305, 4, 306, 4)),
                        set(400, rec().u32(5).u32(1).u32(99).toBytes())));
        Random rnd = new Random(42);
        Run r = new Run();
        for (int i = 0; i < 20_000; i++) {
            byte[] d = Mutations.mutate(valid.get(rnd.nextInt(valid.size())), rnd);
            assertThatCode(() -> r.send("198.18.0." + (1 + rnd.nextInt(50)), d)).doesNotThrowAnyException();
        }
        // An exporter that sent nothing broken decodes exactly.
        int before = r.flows.size();
        r.send("192.0.2.200", v9(UPTIME, SECS, 0, 0, v9tpl, v9data));
        assertThat(r.flows.subList(before, r.flows.size())).extracting(f -> tuple(f) + " " + f.packets())
                .containsExactly("10.0.0.1:1>10.0.0.2:2/6 2", "10.0.0.3:1>10.0.0.4:2/6 2");
    }

    @Test
    void garbageWithRandomDomainsCannotFillMemory() {
        Random rnd = new Random(7);
        Run r = new Run();
        byte[] tpl = flowset(0, template(256, V9_BASIC));
        byte[] data = flowset(256, v9Basic("10.0.0.1", "10.0.0.2", 1, 2, 100, 2, UPTIME, UPTIME));
        r.send("192.0.2.1", v9(UPTIME, SECS, 0, 0, tpl, data));
        for (int i = 0; i < ExportDecoder.MAX_SOURCES + 5_000; i++) {
            byte[] g = new byte[24 + rnd.nextInt(100)];
            rnd.nextBytes(g);
            g[0] = 0;
            g[1] = (byte) (i % 2 == 0 ? 9 : 10);
            r.send("192.0.2.66", g);
        }
        assertThat(r.decoder.stats(false).size()).isLessThanOrEqualTo(ExportDecoder.MAX_SOURCES);
        // A new domain after the flood still gets a place, and the proven exporter kept its templates.
        int before = r.flows.size();
        r.send("192.0.2.1", v9(UPTIME, SECS, 1, 0, data)).send("192.0.2.3", v9(UPTIME, SECS, 0, 0, tpl, data));
        assertThat(r.flows.size() - before).isEqualTo(2);
    }

    /**
     * The rates kept are one budget over all sources: interfaces announced by one source id and
     * samplers by another exporter fill it; later new ids are refused and told, known ones still
     * change, and the flows of a refused sampler are left unscaled.
     */
    @Test
    void samplerAndInterfaceRatesOfAllSourcesCannotFillTheHeap() {
        int max = dev.keyhole.sources.ipfix.TemplateDecoder.MAX_RATES, half = max / 2;
        byte[] optIf = flowset(1, v9OptionsTemplate(300, new int[] {2, 4}, 34, 4));
        byte[] optSampler = flowset(1, v9OptionsTemplate(301, new int[] {1, 4}, 48, 4, 34, 4));
        byte[] tpl = flowset(0, template(256, plus(V9_BASIC, 10, 4)), template(257, plus(V9_BASIC, 48, 4)));
        Run r = new Run().send("192.0.2.1", v9(UPTIME, SECS, 0, 0, optIf, tpl))
                .send("192.0.2.2", v9(UPTIME, SECS, 0, 7, optSampler, tpl));
        int seq = 1;
        // Interfaces 1..half from 192.0.2.1, then samplers 1..half + 100 from 192.0.2.2 (source id 7).
        for (int from = 1; from <= half; from += 7_000, seq++) {
            dev.keyhole.testing.Bytes b = rec();
            for (int i = from; i < Math.min(half + 1, from + 7_000); i++) b.u32(i).u32(10);
            r.send("192.0.2.1", v9(UPTIME, SECS, seq, 0, flowset(300, b.toBytes())));
        }
        for (int from = 1; from <= half + 100; from += 5_000, seq++) { // 12-byte records: a flowset stays under 64 KiB
            dev.keyhole.testing.Bytes b = rec();
            for (int i = from; i < Math.min(half + 101, from + 5_000); i++) b.u32(0).u32(i).u32(20);
            r.send("192.0.2.2", v9(UPTIME, SECS, seq, 7, flowset(301, b.toBytes())));
        }
        // A known interface may still change its rate: 1 in 40.
        r.send("192.0.2.1", v9(UPTIME, SECS, seq++, 0, flowset(300, rec().u32(1).u32(40).toBytes())));
        byte[] plain = v9Basic("10.0.0.1", "10.0.0.2", 1, 2, 100, 2, UPTIME, UPTIME);
        r.send("192.0.2.1", v9(UPTIME, SECS, seq++, 0, flowset(256, rec().bytes(plain).u32(1).toBytes(),
                rec().bytes(plain).u32(half).toBytes())));
        r.send("192.0.2.2", v9(UPTIME, SECS, seq, 7, flowset(257, rec().bytes(plain).u32(half).toBytes(),
                rec().bytes(plain).u32(half + 1).toBytes())));
        // Interface 1 at its new rate, interface `half` and sampler `half` kept; sampler half + 1 refused.
        assertThat(r.flows).extracting(FlowRecord::packets).containsExactly(80L, 20L, 40L, 2L);
        assertThat(r.messages()).hasSize(50).first().asString()
                .contains("offset 20: exporter 192.0.2.2:2055 (NetFlow v9 source id 7): sampling rate for sampler "
                        + (half + 1) + " (source id 7) ignored: " + max
                        + " sampler and interface rates are kept already");
        assertThat(r.rejects.count()).isZero();
    }

    @Test
    void templatesCannotFillTheHeap() {
        // 600 templates of 16,000 fields (64 KiB each) from one exporter: 37.5 MiB, over the 32 MiB kept.
        int[] fields = unknownFields(16_000);
        Run r = new Run();
        for (int id = 256; id < 256 + 600; id++) r.send("192.0.2.66", v9(UPTIME, SECS, id, 0, flowset(0, template(id, fields))));
        assertThat(r.rejects.count()).isZero();
        // 524 fit (64,004 bytes each); the first 50 of the 76 refusals are kept.
        assertThat(r.messages()).hasSize(50).allSatisfy(m -> assertThat(m).contains("ignored: the templates kept"
                + " already take 32 MiB"));
        assertThat(r.messages().get(0)).contains("template 780 (source id 0)");
        // Another exporter's small template still fits in what is left, and decodes.
        r.send("192.0.2.1", v9(UPTIME, SECS, 0, 0, flowset(0, template(256, V9_BASIC)),
                flowset(256, v9Basic("10.0.0.1", "10.0.0.2", 1, 2, 100, 2, UPTIME, UPTIME))));
        assertThat(r.flows).hasSize(1);
    }

    @Test
    void exporterAddressesMayBeIPv6() {
        Run r = new Run().send("2001:db8::9", v5(UPTIME, SECS, 0, 0, 0, 0,
                v5Record("10.0.0.1", "10.0.0.2", 1, 2, 6, 0, 1, 100, UPTIME, UPTIME)));
        assertThat(r.decoder.stats(false)).singleElement().extracting(ExportDecoder.SourceStats::exporter)
                .isEqualTo("[2001:db8::9]:2055");
        assertThat(new ArrayList<>(r.flows)).hasSize(1);
        assertThat(Ip.parse("2001:db8::9").isV4()).isFalse();
    }
}
