package dev.keyhole.sources.text;

import dev.keyhole.records.IpText;

import dev.keyhole.records.Ip;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TextParsingTest {
    private static Ip bytes(String s) {
        byte[] b = ("xx" + s + "yy").getBytes(StandardCharsets.ISO_8859_1);
        return IpText.parse(b, 2, 2 + s.length());
    }

    @Test
    void addressesAgreeWithTheJdk() {
        String[] valid = {"0.0.0.0", "255.255.255.255", "10.1.2.3", "::", "::1", "1::", "2001:db8::1",
                "2001:DB8:0:0:8:800:200C:417A", "fe80::217:f2ff:fed7:cf65%eth0", "::ffff:192.0.2.1", "64:ff9b::192.0.2.33",
                "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4"};
        for (String s : valid) {
            Ip expected = Ip.parse(s);
            assertThat(IpText.parse(s)).as(s).isEqualTo(expected);
            assertThat(bytes(s)).as(s).isEqualTo(expected);
        }
        String[] invalid = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", "1.2.3.4 ", ":", ":::", "1:2",
                "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::g", "1:", "gemini.local",
                "::1.2.3", "1.2.3.4::", "-", "1:2:3:4:5:6:7:1.2.3.4"};
        for (String s : invalid) {
            assertThat(IpText.parse(s)).as(s).isNull();
            assertThat(bytes(s)).as(s).isNull();
        }
    }

    @Test
    void seconds() {
        byte[] b = "1521911720.865716".getBytes(StandardCharsets.US_ASCII);
        assertThat(TextParse.secondsToMicros(b, 0, b.length)).isEqualTo(1_521_911_720_865_716L);
        assertThat(TextParse.secondsToMicros("0.0008699893951416016")).isEqualTo(870);
        assertThat(TextParse.secondsToMicros("1.0009999275")).isEqualTo(1_001_000); // same as TSV's 1.001000
        assertThat(TextParse.secondsToMicros("8.106231689453125e-06")).isEqualTo(8);
        assertThat(TextParse.secondsToMicros("12")).isEqualTo(12_000_000);
        assertThat(TextParse.secondsToMicros(".5")).isEqualTo(500_000);
        for (String bad : new String[] {"", ".", "-1", "1.2.3", "1,5", "abc", "1e", "9999999999999.0", "1 "}) {
            assertThat(TextParse.secondsToMicros(bad)).as(bad).isEqualTo(TextParse.BAD);
            byte[] bb = bad.getBytes(StandardCharsets.US_ASCII);
            assertThat(TextParse.secondsToMicros(bb, 0, bb.length)).as(bad).isEqualTo(TextParse.BAD);
        }
    }

    @Test
    void longs() {
        assertThat(TextParse.parseLong("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
        assertThat(TextParse.parseLong("9223372036854775808")).isEqualTo(TextParse.BAD);
        assertThat(TextParse.parseLong("18446744073709551615")).isEqualTo(TextParse.BAD);
        assertThat(TextParse.parseLong("-1")).isEqualTo(TextParse.BAD);
        assertThat(TextParse.parseLong("")).isEqualTo(TextParse.BAD);
        byte[] b = "x0042x".getBytes(StandardCharsets.US_ASCII);
        assertThat(TextParse.parseLong(b, 1, 5)).isEqualTo(42);
    }

    @Test
    void isoTimesAgreeWithTheJdk() {
        String[] forms = {"2018-03-24T17:15:20.865716Z", "2024-02-29T23:59:59+01:00", "1970-01-01T00:00:00Z",
                "2023-11-14T22:13:20.123456789-05:30", "2000-12-31T12:00:00.5+00:00"};
        for (String s : forms) {
            Instant i = java.time.OffsetDateTime.parse(s).toInstant();
            long micros = i.getEpochSecond() * 1_000_000 + (i.getNano() + 500) / 1000;
            assertThat(TextParse.isoToMicros(s)).as(s).isEqualTo(micros);
        }
        assertThat(TextParse.isoToMicros("2023-11-14T22:13:20+0100")).isEqualTo(1_699_996_400_000_000L);
        for (String bad : new String[] {"2023-11-14T22:13:20", "2023-02-29T00:00:00Z", "2023-13-01T00:00:00Z",
                "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20Zx", "2023-11-14X22:13:20Z", "yesterday"}) {
            assertThat(TextParse.isoToMicros(bad)).as(bad).isEqualTo(TextParse.BAD);
        }
    }

    @Test
    void lineReaderSplitsAcrossBufferRefills() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5000; i++) sb.append("line-").append(i).append(i % 7 == 0 ? "\r\n" : "\n");
        sb.append("last-without-newline");
        byte[] data = sb.toString().getBytes(StandardCharsets.US_ASCII);
        // a stream that returns few bytes per read, to exercise compaction and growth
        var slow = new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 37));
            }
        };
        LineReader r = new LineReader(slow, 16, 1 << 20);
        List<String> lines = new ArrayList<>();
        long lastOffset = -1;
        while (r.next()) {
            lines.add(new String(r.buf(), r.start(), r.end() - r.start(), StandardCharsets.US_ASCII));
            assertThat(r.offset()).isGreaterThan(lastOffset);
            lastOffset = r.offset();
        }
        assertThat(lines).hasSize(5001);
        assertThat(lines.get(0)).isEqualTo("line-0");
        assertThat(lines.get(4999)).isEqualTo("line-4999");
        assertThat(lines.get(5000)).isEqualTo("last-without-newline");
        assertThat(r.lineNumber()).isEqualTo(5001);
    }

    @Test
    void lineReaderSkipsOverlongLines() throws IOException {
        String text = "short\n" + "y".repeat(5000) + "\nafter\n" + "z".repeat(3000);
        LineReader r = new LineReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)), 64, 1000);
        List<String> seen = new ArrayList<>();
        while (r.next()) {
            seen.add(r.overlong() ? "<overlong@" + r.offset() + ">"
                    : new String(r.buf(), r.start(), r.end() - r.start(), StandardCharsets.US_ASCII));
        }
        assertThat(seen).containsExactly("short", "<overlong@6>", "after", "<overlong@5013>");
    }
}
