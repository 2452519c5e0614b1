package dev.keyhole.sources.ipfix;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.stream.Stream;

import static dev.keyhole.sources.ipfix.IpfixBytes.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Hand-built messages with known answers: every time encoding, field layout and template rule. */
class IpfixReaderTest {
    private static final long EXPORT = 1_700_000_100L;
    private static final long NTP_OFFSET = 2_208_988_800L;

    /** 10.0.0.1:1234 -> 10.0.0.2:80 TCP, 1000 bytes, 10 packets, in that field order. */
    private static final Field[] BASE = {f(8, 4), f(12, 4), f(7, 2), f(11, 2), f(4, 1), f(1, 8), f(2, 8)};

    private static Out baseRecord() {
        return rec().ip("10.0.0.1").ip("10.0.0.2").u16(1234).u16(80).u8(6).u64(1000).u64(10);
    }

    private static Field[] baseWith(Field... extra) {
        return Stream.concat(Stream.of(BASE), Stream.of(extra)).toArray(Field[]::new);
    }

    private static FlowRecord single(byte[] file) {
        Read r = read(file);
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows()).hasSize(1);
        FlowRecord f = r.flows().get(0);
        assertThat(f.src()).isEqualTo(Ip.parse("10.0.0.1"));
        assertThat(f.dst()).isEqualTo(Ip.parse("10.0.0.2"));
        assertThat(f.srcPort()).isEqualTo(1234);
        assertThat(f.dstPort()).isEqualTo(80);
        assertThat(f.protocol()).isEqualTo(6);
        assertThat(f.bytes()).isEqualTo(1000);
        assertThat(f.packets()).isEqualTo(10);
        return f;
    }

    private static long ms(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    private static long ntp(String iso, long fraction) {
        return ((Instant.parse(iso).getEpochSecond() + NTP_OFFSET) << 32) | fraction;
    }

    // ---------------------------------------------------------------- time encodings

    /**
     * ICMP type and code (icmpTypeCodeIPv4 32, icmpTypeCodeIPv6 139, or the separate type and code
     * IEs 176-179) are the flow's destination port, source port 0, as nfdump keeps them: softflowd's
     * ICMP flows once all read as port 0.
     */
    @Test
    void icmpTypeAndCodeBecomeTheDestinationPort() {
        Field[] icmpTc = {f(8, 4), f(12, 4), f(7, 2), f(11, 2), f(4, 1), f(1, 8), f(2, 8), f(32, 2)};
        Read r = read(message(EXPORT, 0, 1, set(2, template(256, icmpTc)),
                set(256, rec().ip("10.0.0.1").ip("10.0.0.2").u16(0).u16(0).u8(1).u64(84).u64(1).u16(3 << 8 | 3).toBytes(),
                        // a TCP flow with the same IE keeps its ports
                        rec().ip("10.0.0.1").ip("10.0.0.2").u16(1234).u16(80).u8(6).u64(84).u64(1).u16(0x0800).toBytes())));
        assertThat(r.flows()).extracting(FlowRecord::srcPort, FlowRecord::dstPort)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0, 771), org.assertj.core.groups.Tuple.tuple(1234, 80));
        Field[] icmp6 = {f(27, 16), f(28, 16), f(4, 1), f(1, 8), f(2, 8), f(178, 1), f(179, 1)};
        Read r6 = read(message(EXPORT, 0, 1, set(2, template(257, icmp6)),
                set(257, rec().ip("2001:db8::1").ip("2001:db8::2").u8(58).u64(72).u64(1).u8(135).u8(0).toBytes())));
        assertThat(r6.flows()).singleElement().satisfies(f -> {
            assertThat(f.dstPort()).isEqualTo(135 << 8);
            assertThat(f.srcPort()).isZero();
        });
    }

    @Test
    void flowStartSecondsAndEndSeconds() {
        FlowRecord f = single(message(EXPORT, 0, 1,
                set(2, template(256, baseWith(f(150, 4), f(151, 4)))),
                set(256, baseRecord().u32(1_700_000_000L).u32(1_700_000_005L).toBytes())));
        assertThat(f.startMillis()).isEqualTo(1_700_000_000_000L);
        assertThat(f.endMillis()).isEqualTo(1_700_000_005_000L);
    }

    @Test
    void flowStartMillisecondsAndEndMilliseconds() {
        FlowRecord f = single(message(EXPORT, 0, 1,
                set(2, template(256, baseWith(f(152, 8), f(153, 8)))),
                set(256, baseRecord().u64(1_700_000_000_123L).u64(1_700_000_004_999L).toBytes())));
        assertThat(f.startMillis()).isEqualTo(1_700_000_000_123L);
        assertThat(f.endMillis()).isEqualTo(1_700_000_004_999L);
    }

    @Test
    void flowStartMicrosecondsAreNtpTimestamps() {
        // 0.25 s and 0.005 s as NTP fractions, the latter truncated the way exporters convert µs.
        long quarter = 1L << 30;
        long fiveMs = (5_000L << 32) / 1_000_000L;
        FlowRecord f = single(message(EXPORT, 0, 1,
                set(2, template(256, baseWith(f(154, 8), f(155, 8)))),
                set(256, baseRecord().u64(ntp("2023-11-14T22:13:20Z", quarter))
                        .u64(ntp("2023-11-14T22:13:25Z", fiveMs & ~0x7ffL)).toBytes())));
        assertThat(f.startMillis()).isEqualTo(ms("2023-11-14T22:13:20.250Z"));
        assertThat(f.endMillis()).isEqualTo(ms("2023-11-14T22:13:25.005Z"));
    }

    @Test
    void flowStartNanosecondsAreNtpTimestamps() {
        long frac = Math.round(0.123456789 * 4294967296.0);
        long oneMs = (1_000_000L << 32) / 1_000_000_000L; // truncated: 0.000999999 s unless rounded
        FlowRecord f = single(message(EXPORT, 0, 1,
                set(2, template(256, baseWith(f(156, 8), f(157, 8)))),
                set(256, baseRecord().u64(ntp("2023-11-14T22:13:20Z", frac))
                        .u64(ntp("2023-11-14T22:13:21Z", oneMs)).toBytes())));
        assertThat(f.startMillis()).isEqualTo(ms("2023-11-14T22:13:20.123Z"));
        assertThat(f.endMillis()).isEqualTo(ms("2023-11-14T22:13:21.001Z"));
    }

    @Test
    void ntpSecondsBelowTwoToThe31AreEraOne() {
        // RFC 5905: NTP seconds wrap on 2036-02-07T06:28:16Z; small values are after that date.
        FlowRecord f = single(message(EXPORT, 0, 1,
                set(2, template(256, baseWith(f(154, 8), f(155, 8)))),
                set(256, baseRecord().u64(16L << 32).u64(17L << 32).toBytes())));
        assertThat(f.startMillis()).isEqualTo(ms("2036-02-07T06:28:32Z"));
        assertThat(f.endMillis()).isEqualTo(ms("2036-02-07T06:28:33Z"));
    }

    @Test
    void deltaMicrosecondsCountBackFromExportTime() {
        FlowRecord f = single(message(EXPORT, 0, 1,
                set(2, template(256, baseWith(f(158, 4), f(159, 4)))),
                set(256, baseRecord().u32(2_500_000).u32(1_000).toBytes())));
        assertThat(f.startMillis()).isEqualTo(EXPORT * 1000 - 2_500);
        assertThat(f.endMillis()).isEqualTo(EXPORT * 1000 - 1);
    }

    @Test
    void sysUpTimeUsesSystemInitTimeFromOptionsData() {
        long init = 1_699_990_000_000L;
        byte[] options = set(3, optionsTemplate(300, 1, f(143, 4), f(160, 8)));
        byte[] optionsData = set(300, rec().u32(7).u64(init).toBytes());
        byte[] file = message(EXPORT, 0, 1,
                set(2, template(256, baseWith(f(22, 4), f(21, 4)))),
                options, optionsData,
                set(256, baseRecord().u32(1_000).u32(61_000).toBytes()));
        FlowRecord f = single(file);
        assertThat(f.startMillis()).isEqualTo(init + 1_000);
        assertThat(f.endMillis()).isEqualTo(init + 61_000);
    }

    @Test
    void sysUpTimeUsesSystemInitTimeInTheSameRecord() {
        long init = 1_699_990_000_000L;
        FlowRecord f = single(message(EXPORT, 0, 1,
                set(2, template(256, baseWith(f(160, 8), f(22, 3), f(21, 3)))),
                set(256, baseRecord().u64(init).un(2_000, 3).un(9_000, 3).toBytes())));
        assertThat(f.startMillis()).isEqualTo(init + 2_000);
        assertThat(f.endMillis()).isEqualTo(init + 9_000);
    }

    @Test
    void sysUpTimeWithoutSystemInitTimeAssumesTheFlowEndedAtExport() {
        FlowRecord f = single(message(EXPORT, 0, 1,
                set(2, template(256, baseWith(f(22, 4), f(21, 4)))),
                set(256, baseRecord().u32(5_000).u32(65_000).toBytes())));
        assertThat(f.endMillis()).isEqualTo(EXPORT * 1000);
        assertThat(f.startMillis()).isEqualTo(EXPORT * 1000 - 60_000);
    }

    @Test
    void systemInitTimeIsPerObservationDomain() {
        long init = 1_699_990_000_000L;
        byte[] file = concat(
                message(EXPORT, 0, 1, set(3, optionsTemplate(300, 1, f(143, 4), f(160, 8))),
                        set(300, rec().u32(7).u64(init).toBytes())),
                message(EXPORT, 0, 2, set(2, template(256, baseWith(f(22, 4), f(21, 4)))),
                        set(256, baseRecord().u32(5_000).u32(65_000).toBytes())));
        FlowRecord f = single(file);
        assertThat(f.endMillis()).as("domain 2 has no init time").isEqualTo(EXPORT * 1000);
    }

    @Test
    void finestAbsoluteTimeWinsWhenSeveralAreSent() {
        FlowRecord f = single(message(EXPORT, 0, 1,
                set(2, template(256, baseWith(f(150, 4), f(22, 4), f(152, 8), f(151, 4), f(153, 8)))),
                set(256, baseRecord().u32(1_700_000_000L).u32(77).u64(1_700_000_000_500L)
                        .u32(1_700_000_001L).u64(1_700_000_001_250L).toBytes())));
        assertThat(f.startMillis()).isEqualTo(1_700_000_000_500L);
        assertThat(f.endMillis()).isEqualTo(1_700_000_001_250L);
    }

    @Test
    void missingTimesFallBackToTheOtherEndOrTheExportTime() {
        Read r = read(message(EXPORT, 0, 1,
                set(2, template(256, baseWith(f(152, 8))), template(257, BASE)),
                set(256, baseRecord().u64(1_700_000_000_500L).toBytes()),
                set(257, baseRecord().toBytes())));
        assertThat(r.flows()).extracting(FlowRecord::startMillis, FlowRecord::endMillis).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1_700_000_000_500L, 1_700_000_000_500L),
                org.assertj.core.groups.Tuple.tuple(EXPORT * 1000, EXPORT * 1000));
    }

    // ---------------------------------------------------------------- field layouts

    @Test
    void reducedSizeIntegersAndTotalCounts() {
        // ports in 1 byte, octetTotalCount in 3, packetTotalCount in 1, tcpControlBits in 1.
        Read r = read(message(EXPORT, 0, 1,
                set(2, template(400, f(8, 4), f(12, 4), f(7, 1), f(11, 1), f(4, 1), f(6, 1), f(85, 3), f(86, 1))),
                set(400, rec().ip("192.0.2.1").ip("198.51.100.7").u8(53).u8(99).u8(17).u8(0x12)
                        .un(0xabcdef, 3).u8(250).toBytes())));
        assertThat(r.messages()).isEmpty();
        FlowRecord f = r.flows().get(0);
        assertThat(f.srcPort()).isEqualTo(53);
        assertThat(f.dstPort()).isEqualTo(99);
        assertThat(f.protocol()).isEqualTo(17);
        assertThat(f.tcpFlags()).isEqualTo(0x12);
        assertThat(f.bytes()).isEqualTo(0xabcdef);
        assertThat(f.packets()).isEqualTo(250);
    }

    @Test
    void deltaCountsWinOverTotalCounts() {
        Read r = read(message(EXPORT, 0, 1,
                set(2, template(400, f(8, 4), f(12, 4), f(85, 8), f(86, 8), f(1, 4), f(2, 4))),
                set(400, rec().ip("192.0.2.1").ip("198.51.100.7").u64(999_999).u64(9_999).u32(1500).u32(3)
                        .toBytes())));
        assertThat(r.flows()).singleElement().satisfies(f -> {
            assertThat(f.bytes()).isEqualTo(1500);
            assertThat(f.packets()).isEqualTo(3);
        });
    }

    @Test
    void ipv6AddressesAndDualStackTemplates() {
        // One template carrying both families, as some routers send: the zero family is ignored.
        Field[] dual = {f(8, 4), f(12, 4), f(27, 16), f(28, 16), f(7, 2), f(11, 2), f(4, 1), f(1, 8), f(2, 8)};
        Read r = read(message(EXPORT, 0, 1,
                set(2, template(500, dual)),
                set(500,
                        rec().ip("0.0.0.0").ip("0.0.0.0").ip("2001:db8::1").ip("2001:db8:ffff::2").u16(5353)
                                .u16(443).u8(17).u64(300).u64(2).toBytes(),
                        rec().ip("10.1.1.1").ip("10.2.2.2").ip("::").ip("::").u16(1).u16(2).u8(6).u64(40).u64(1)
                                .toBytes())));
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows()).hasSize(2);
        assertThat(r.flows().get(0).src()).isEqualTo(Ip.parse("2001:db8::1"));
        assertThat(r.flows().get(0).dst()).isEqualTo(Ip.parse("2001:db8:ffff::2"));
        assertThat(r.flows().get(0).bytes()).isEqualTo(300);
        assertThat(r.flows().get(1).src()).isEqualTo(Ip.parse("10.1.1.1"));
        assertThat(r.flows().get(1).dst()).isEqualTo(Ip.parse("10.2.2.2"));
    }

    @Test
    void variableLengthFieldsInBothLengthForms() {
        byte[] shortName = "eth0".getBytes(StandardCharsets.US_ASCII);
        byte[] longName = "x".repeat(300).getBytes(StandardCharsets.US_ASCII);
        // interfaceName (82) and a variable-length application name before and between mapped fields.
        Field[] fields = {f(82, 0xffff), f(8, 4), f(96, 0xffff), f(12, 4), f(1, 4), f(2, 4)};
        Read r = read(message(EXPORT, 0, 1,
                set(2, template(600, fields)),
                set(600,
                        rec().varlen(shortName, false).ip("10.0.0.1").varlen(longName, false).ip("10.0.0.2")
                                .u32(111).u32(1).toBytes(),
                        rec().varlen(new byte[0], false).ip("10.0.0.3").varlen(shortName, true).ip("10.0.0.4")
                                .u32(222).u32(2).toBytes(),
                        rec().varlen(longName, true).ip("10.0.0.5").varlen(new byte[0], true).ip("10.0.0.6")
                                .u32(333).u32(3).toBytes())));
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows()).extracting(f -> f.src() + ">" + f.dst() + " " + f.bytes() + "/" + f.packets())
                .containsExactly("10.0.0.1>10.0.0.2 111/1", "10.0.0.3>10.0.0.4 222/2", "10.0.0.5>10.0.0.6 333/3");
    }

    @Test
    void enterpriseFieldsAreSkippedWhateverTheirLength() {
        Field[] fields = {ef(1, 6, 9), f(8, 4), ef(100, 0xffff, 35632), f(12, 4), ef(12, 4, 2636), f(1, 4),
            f(2, 4), ef(7, 2, 1234)};
        Read r = read(message(EXPORT, 0, 1,
                set(2, template(700, fields)),
                set(700, rec().un(0xffff_ffff_ffffL, 6).ip("10.9.9.9")
                        .varlen("enterprise".getBytes(StandardCharsets.US_ASCII), false).ip("10.8.8.8")
                        .ip("1.2.3.4").u32(4242).u32(42).u16(0xffff).toBytes())));
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows()).singleElement().satisfies(f -> {
            assertThat(f.src()).isEqualTo(Ip.parse("10.9.9.9"));
            assertThat(f.dst()).isEqualTo(Ip.parse("10.8.8.8"));
            assertThat(f.bytes()).isEqualTo(4242);
            assertThat(f.packets()).isEqualTo(42);
        });
    }

    @Test
    void rfc5103ReverseCountersMakeABiflow() {
        Field[] fields = baseWith(f(6, 1), ef(1, 4, 29305), ef(2, 2, 29305), ef(6, 1, 29305));
        Read r = read(message(EXPORT, 0, 1,
                set(2, template(800, fields)),
                set(800, baseRecord().u8(0x02).u32(54_321).u16(77).u8(0x12).toBytes())));
        assertThat(r.flows()).singleElement().satisfies(f -> {
            assertThat(f.biflow()).isTrue();
            assertThat(f.bytes()).isEqualTo(1000);
            assertThat(f.packets()).isEqualTo(10);
            assertThat(f.reverseBytes()).isEqualTo(54_321);
            assertThat(f.reversePackets()).isEqualTo(77);
            assertThat(f.tcpFlags()).as("flags of both directions").isEqualTo(0x12);
        });
    }

    @Test
    void zeroPaddingAtTheEndOfSetsIsSkipped() {
        Read r = read(message(EXPORT, 0, 1,
                paddedSet(2, 3, 0, template(256, baseWith(f(152, 8), f(153, 8)))),
                paddedSet(256, 7, 0, baseRecord().u64(1).u64(2).toBytes(), baseRecord().u64(3).u64(4).toBytes())));
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows()).extracting(FlowRecord::startMillis).containsExactly(1L, 3L);
    }

    // ---------------------------------------------------------------- template rules

    @Test
    void optionsDataIsNeverAFlow() {
        // An options template that even carries addresses (scope: exporter) must not produce flows.
        byte[] file = message(EXPORT, 0, 1,
                set(3, optionsTemplate(900, 1, f(130, 4), f(8, 4), f(12, 4), f(34, 4), f(160, 8))),
                set(900, rec().ip("192.0.2.200").ip("10.0.0.1").ip("10.0.0.2").u32(100).u64(1).toBytes(),
                        rec().ip("192.0.2.201").ip("10.0.0.3").ip("10.0.0.4").u32(100).u64(2).toBytes()),
                set(2, template(256, BASE)),
                set(256, baseRecord().toBytes()));
        Read r = read(file);
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows()).hasSize(1);
        assertThat(r.returned()).isEqualTo(1);
    }

    @Test
    void templateWithdrawalForgetsTheTemplateAndRedefinitionReplacesIt() {
        byte[] first = message(EXPORT, 0, 1, set(2, template(256, BASE)), set(256, baseRecord().toBytes()));
        byte[] withdraw = message(EXPORT, 1, 1, set(2, withdrawal(256)));
        byte[] file = concat(first, withdraw,
                message(EXPORT, 1, 1, set(256, baseRecord().toBytes())),
                message(EXPORT, 1, 1,
                        set(2, template(256, f(12, 4), f(8, 4), f(2, 1), f(1, 2))),
                        set(256, rec().ip("10.7.7.7").ip("10.6.6.6").u8(9).u16(999).toBytes())));
        Read r = read(file);
        assertThat(r.flows()).extracting(f -> f.src() + ">" + f.dst() + " " + f.packets())
                .containsExactly("10.0.0.1>10.0.0.2 10", "10.6.6.6>10.7.7.7 9");
        int orphanSet = first.length + withdraw.length + 16;
        assertThat(r.messages()).singleElement().asString()
                .contains("offset " + orphanSet + ": data set for unknown template 256");
        assertThat(r.rejects().count()).isEqualTo(1);
    }

    @Test
    void withdrawAllTemplatesOfADomain() {
        byte[] file = concat(
                message(EXPORT, 0, 1, set(2, template(256, BASE), template(257, BASE))),
                message(EXPORT, 0, 2, set(2, template(256, BASE))),
                message(EXPORT, 0, 1, set(2, withdrawal(2))),
                message(EXPORT, 0, 1, set(256, baseRecord().toBytes()), set(257, baseRecord().toBytes())),
                message(EXPORT, 0, 2, set(256, baseRecord().toBytes())));
        Read r = read(file);
        assertThat(r.flows()).hasSize(1);
        assertThat(r.rejects().count()).isEqualTo(2);
    }

    @Test
    void templatesArePerObservationDomain() {
        byte[] file = concat(
                message(EXPORT, 0, 1, set(2, template(256, f(8, 4), f(12, 4), f(1, 4)))),
                message(EXPORT, 0, 2, set(2, template(256, f(12, 4), f(8, 4), f(2, 4)))),
                message(EXPORT, 0, 2, set(256, rec().ip("10.0.0.2").ip("10.0.0.1").u32(5).toBytes())),
                message(EXPORT, 0, 1, set(256, rec().ip("10.0.0.1").ip("10.0.0.2").u32(500).toBytes())));
        Read r = read(file);
        assertThat(r.flows()).extracting(f -> f.src() + ">" + f.dst() + " " + f.bytes() + "/" + f.packets())
                .containsExactly("10.0.0.1>10.0.0.2 0/5", "10.0.0.1>10.0.0.2 500/0");
    }

    @Test
    void zeroLengthFieldOfAnUnknownElementIsReportedOnceAndIgnored() {
        byte[] tpl = set(2, template(256, baseWith(f(210, 0))));
        byte[] file = concat(message(EXPORT, 0, 1, tpl, set(256, baseRecord().toBytes())),
                message(EXPORT, 1, 1, tpl, set(256, baseRecord().toBytes())));
        Read r = read(file);
        assertThat(r.flows()).hasSize(2);
        assertThat(r.messages()).singleElement().asString()
                .contains("offset 20: template 256 (observation domain 1): field IE 210 has length 0 and is ignored");
        assertThat(r.rejects().count()).isZero();
    }

    @Test
    void zeroLengthMappedFieldRejectsTheTemplateAndItsData() {
        Read r = read(message(EXPORT, 0, 1,
                set(2, template(256, f(8, 4), f(12, 0), f(1, 4))),
                set(256, rec().ip("10.0.0.1").u32(5).toBytes(), rec().ip("10.0.0.1").u32(6).toBytes())));
        assertThat(r.flows()).isEmpty();
        assertThat(r.messages()).hasSize(2);
        assertThat(r.messages().get(0)).contains("offset 20: template 256 (observation domain 1) rejected:"
                + " field IE 12 has length 0, expected 4");
        assertThat(r.messages().get(1)).contains("offset 36: data set for rejected template 256");
        assertThat(r.rejects().count()).isEqualTo(2);
    }

    @Test
    void zeroLengthTemplateIsRejected() {
        Read r = read(message(EXPORT, 0, 1,
                set(2, template(256, f(210, 0), f(211, 0))),
                set(256, rec().u32(0).toBytes())));
        assertThat(r.flows()).isEmpty();
        assertThat(r.messages().get(0)).contains("template 256 (observation domain 1) rejected: records would be"
                + " zero bytes long");
        assertThat(r.rejects().count()).isEqualTo(1);
    }

    @Test
    void addressOfTheWrongSizeRejectsTheTemplate() {
        Read r = read(message(EXPORT, 0, 1,
                set(2, template(256, f(8, 6), f(12, 4))),
                set(256, rec().u16(0).ip("10.0.0.1").ip("10.0.0.2").toBytes())));
        assertThat(r.flows()).isEmpty();
        assertThat(r.messages().get(0)).contains("field IE 8 has length 6, expected 4");
    }

    @Test
    void malformedTemplateSetIsRejectedAsAWhole() {
        // The second template claims 5 fields but the set holds 2: nothing in this set is trusted.
        byte[] bad = concat(template(256, BASE), rec().u16(257).u16(5).u16(8).u16(4).u16(12).u16(4).toBytes());
        Read r = read(message(EXPORT, 0, 1, set(2, bad), set(256, baseRecord().toBytes())));
        assertThat(r.flows()).isEmpty();
        assertThat(r.messages().get(0)).contains("template set at offset 16 (observation domain 1) is malformed:"
                + " template 257 declares 5 fields but the set ends after 2");
        assertThat(r.messages().get(1)).contains("data set for unknown template 256");
    }
}
