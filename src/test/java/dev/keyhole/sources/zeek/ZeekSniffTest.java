package dev.keyhole.sources.zeek;

import dev.keyhole.sources.InputFormat;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ZeekSniffTest {
    private static Optional<InputFormat> sniff(String head) {
        return ZeekReader.sniff(head.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void tsvByPath() {
        String h = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t";
        assertThat(sniff(h + "conn\n#open\t2024\n")).contains(InputFormat.ZEEK_CONN);
        assertThat(sniff(h + "http\n")).contains(InputFormat.ZEEK_HTTP);
        assertThat(sniff(h + "ssl\n")).contains(InputFormat.ZEEK_SSL);
        assertThat(sniff(h + "dns\n")).contains(InputFormat.ZEEK_DNS);
        assertThat(sniff(h + "conn_internal\n")).contains(InputFormat.ZEEK_CONN);
        for (String other : new String[] {"x509", "software", "files", "notice", "quic", "weird", "connections"}) {
            assertThat(sniff(h + other + "\n")).as(other).isEmpty();
        }
    }

    @Test
    void tsvWithoutPathByFields() {
        assertThat(sniff("#separator \\x09\n#fields\tts\tuid\tid.orig_h\tquery\tqtype_name\tanswers\n"))
                .contains(InputFormat.ZEEK_DNS);
        assertThat(sniff("#separator \\x09\n#fields\tts\tuid\tproto\tduration\torig_bytes\n"))
                .contains(InputFormat.ZEEK_CONN);
    }

    @Test
    void jsonByKeys() {
        String id = "\"ts\":1.0,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2,";
        assertThat(sniff("{" + id + "\"proto\":\"tcp\",\"duration\":1.0,\"conn_state\":\"SF\"}\n"))
                .contains(InputFormat.ZEEK_CONN);
        assertThat(sniff("{" + id + "\"trans_depth\":1,\"method\":\"GET\",\"host\":\"a\",\"uri\":\"/\"}\n"))
                .contains(InputFormat.ZEEK_HTTP);
        assertThat(sniff("{" + id + "\"version\":\"TLSv13\",\"cipher\":\"TLS_AES_128_GCM_SHA256\"}\n"))
                .contains(InputFormat.ZEEK_SSL);
        assertThat(sniff("{" + id + "\"proto\":\"udp\",\"query\":\"a.example\",\"qtype\":1}\n"))
                .contains(InputFormat.ZEEK_DNS);
        assertThat(sniff("{\"_path\":\"dns\"," + id + "\"rejected\":false}\n")).contains(InputFormat.ZEEK_DNS);
        // cut in the middle of the line: the keys before the cut decide
        assertThat(sniff("{" + id + "\"server_name\":\"www.exa")).contains(InputFormat.ZEEK_SSL);
    }

    @Test
    void otherLogsAreNotSniffed() {
        String id = "\"ts\":1.0,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2,";
        assertThat(sniff("{\"ts\":1.0,\"fingerprint\":\"ab\",\"certificate.version\":3,\"certificate.serial\":\"01\"}"))
                .isEmpty(); // x509
        assertThat(sniff("{\"ts\":1.0,\"host\":\"10.0.0.1\",\"software_type\":\"HTTP::BROWSER\",\"name\":\"Firefox\","
                + "\"version.major\":3,\"unparsed_version\":\"Mozilla\"}")).isEmpty(); // software
        assertThat(sniff("{\"ts\":1.0,\"fuid\":\"F1\",\"source\":\"HTTP\",\"duration\":0.1,\"seen_bytes\":5}")).isEmpty();
        assertThat(sniff("{" + id + "\"note\":\"Scan::Port_Scan\",\"msg\":\"x\",\"proto\":\"tcp\"}")).isEmpty();
        assertThat(sniff("{" + id + "\"version\":\"1\",\"server_name\":\"a\",\"client_initial_dcid\":\"00\"}"))
                .isEmpty(); // quic
        assertThat(sniff("start,end,src,dst\n")).isEmpty();
        assertThat(sniff("")).isEmpty();
        assertThat(ZeekReader.sniff(new byte[] {(byte) 0x1f, (byte) 0x8b, 8, 0})).isEmpty(); // still gzip
    }
}
