package dev.keyhole.simulate;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The hand-written formatting of the hot path against what Java's own formatting gives. */
class FormattingTest {
    private static String tsv(TsvOutBody body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TsvOut t = new TsvOut(bytes)) {
            body.write(t);
        }
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }

    interface TsvOutBody {
        void write(TsvOut t) throws IOException;
    }

    @Test
    void numbersTimesAndAddresses() throws IOException {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 2000; i++) {
            long v = i < 40 ? i - 20 : r.nextLong(Long.MAX_VALUE >> r.nextInt(60));
            long us = r.nextLong(2_000_000_000_000_000L);
            int ip = r.nextInt();
            String expected = v + "\t" + String.format("%d.%06d", us / 1_000_000, us % 1_000_000) + "\t"
                    + AddressBook.format(ip);
            assertThat(tsv(t -> t.num(v).tab().micros(us).tab().ip(ip))).isEqualTo(expected);
        }
        assertThat(tsv(t -> t.micros(1_496_275_356_000_001L))).isEqualTo("1496275356.000001");
        assertThat(tsv(t -> t.micros(0))).isEqualTo("0.000000");
    }

    @Test
    void stringsAreEscapedTheZeekWay() throws IOException {
        assertThat(tsv(t -> t.s("a\tb\\c\u00e9\n"))).isEqualTo("a\\x09b\\x5cc\\xc3\\xa9\\x0a");
        assertThat(tsv(t -> t.s("").tab().s(null))).isEqualTo("(empty)\t-");
        assertThat(tsv(t -> t.uid('C', 1, 2))).matches("C[0-9A-Za-z]{17}");
    }

    @Test
    void longOutputIsFlushedInOrder() throws IOException {
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 100_000; i++) expected.append(i).append('\n');
        assertThat(tsv(t -> {
            for (int i = 0; i < 100_000; i++) t.num(i).nl();
        })).isEqualTo(expected.toString());
    }

    @Test
    void uriTemplates() {
        SplittableRandom r = new SplittableRandom(3);
        String s = UriTemplate.compile("/p/{d5}/{h8}-{H4}/{a6}.{cc}").render(r);
        assertThat(s).matches("/p/[1-9]\\d{4}/[0-9a-f]{8}-[0-9A-F]{4}/[a-z0-9]{6}\\.[a-z]{2}");
        assertThat(UriTemplate.compile("/").render(r)).isEqualTo("/");
        assertThatThrownBy(() -> UriTemplate.compile("/{x3}")).hasMessageContaining("{x3}");
    }

    @Test
    void cidrAndAddresses() {
        long[] r = AddressBook.cidr("175.45.176.0/22");
        assertThat(AddressBook.format((int) r[0])).isEqualTo("175.45.176.0");
        assertThat(AddressBook.format((int) r[1])).isEqualTo("175.45.179.255");
        assertThat(AddressBook.parse("77.94.35.19")).isEqualTo((77 << 24) | (94 << 16) | (35 << 8) | 19);
        assertThatThrownBy(() -> AddressBook.parse("1.2.3")).isInstanceOf(IllegalArgumentException.class);
    }
}
