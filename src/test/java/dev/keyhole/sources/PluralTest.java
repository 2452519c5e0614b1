package dev.keyhole.sources;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PluralTest {
    @Test
    void oneLosesTheHeadNounsSAndMoreKeepIt() {
        assertThat(Plural.of(1, "sFlow samples without an IP header")).isEqualTo("1 sFlow sample without an IP header");
        assertThat(Plural.of(2, "sFlow samples without an IP header")).isEqualTo("2 sFlow samples without an IP header");
        assertThat(Plural.of(1, "sFlow counter samples (not flows)")).isEqualTo("1 sFlow counter sample (not flows)");
        assertThat(Plural.of(1, "sFlow samples of discarded packets")).isEqualTo("1 sFlow sample of discarded packets");
        assertThat(Plural.of(1, "sFlow datagrams with trailing bytes")).isEqualTo("1 sFlow datagram with trailing bytes");
        assertThat(Plural.of(1, "nfcapd records without addresses")).isEqualTo("1 nfcapd record without addresses");
        assertThat(Plural.of(1, "UDP datagrams that are not NetFlow v5/v9, IPFIX or sFlow v5"))
                .isEqualTo("1 UDP datagram that is not NetFlow v5/v9, IPFIX or sFlow v5");
        assertThat(Plural.of(3, "UDP datagrams that are not NetFlow v5/v9, IPFIX or sFlow v5"))
                .isEqualTo("3 UDP datagrams that are not NetFlow v5/v9, IPFIX or sFlow v5");
        assertThat(Plural.of(1, "packets of unsupported link type(s) [113]")).isEqualTo("1 packet of unsupported link type(s) [113]");
        assertThat(Plural.of(1, "IP fragments (not reassembled)")).isEqualTo("1 IP fragment (not reassembled)");
        assertThat(Plural.of(1, "datagrams")).isEqualTo("1 datagram");
        assertThat(Plural.of(12_345, "datagrams")).isEqualTo("12,345 datagrams");
        assertThat(Plural.of(0, "flows")).isEqualTo("0 flows");
    }

    @Test
    void aLabelWithoutAPluralHeadNounStaysAsItIs() {
        assertThat(Plural.of(1, "data line without a #fields header before it")).isEqualTo("1 data line without a #fields header before it");
        assertThat(Plural.of(1, "suricata")).isEqualTo("1 suricata");
        assertThat(Plural.of(1, "class")).isEqualTo("1 class");
    }
}
