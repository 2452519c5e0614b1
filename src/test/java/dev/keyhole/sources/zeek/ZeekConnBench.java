package dev.keyhole.sources.zeek;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.InputFormat;
import dev.keyhole.sources.Rejects;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Throughput of the conn.log TSV path on one thread (not a unit test; run by hand):
 * {@code java -cp target/classes:target/test-classes:<deps> dev.keyhole.sources.zeek.ZeekConnBench [lines] [rounds] [tsv|json]}.
 * The input is generated in memory (Zeek 6 conn.log columns, 95% IPv4 / 5% IPv6), so the
 * number measures parsing, not the disk or gzip.
 */
public final class ZeekConnBench {
    public static void main(String[] args) throws IOException {
        int lines = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        byte[] data = generate(lines, 42);
        if (args.length > 2 && args[2].equals("json")) {
            data = ZeekFixtures.toJson(new String(data, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        }
        System.out.printf("%d lines, %.1f MB%n", lines, data.length / 1e6);
        ZeekReader reader = new ZeekReader(InputFormat.ZEEK_CONN);
        for (int r = 0; r < rounds; r++) {
            long[] sum = new long[1];
            RecordSink sink = new RecordSink() {
                @Override
                public void flow(FlowRecord f) {
                    sum[0] += f.bytes() + f.srcPort();
                }
            };
            Rejects rejects = new Rejects("bench", null);
            long t0 = System.nanoTime();
            long n = reader.read(new ByteArrayInputStream(data), sink, rejects);
            long dt = System.nanoTime() - t0;
            System.out.printf("round %d: %d records, %d rejects, %.2f M lines/s, %.0f MB/s (checksum %d)%n", r, n,
                    rejects.count(), n / (dt / 1e9) / 1e6, data.length / (dt / 1e9) / 1e6, sum[0]);
        }
    }

    static byte[] generate(int lines, long seed) {
        Random rnd = new Random(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream(lines * 200);
        StringBuilder sb = new StringBuilder(512);
        sb.append("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n")
                .append("#open\t2024-04-12-19-29-12\n")
                .append("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\t")
                .append("orig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\t")
                .append("orig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n")
                .append("#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\t")
                .append("bool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n");
        out.writeBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
        String[] protos = {"tcp", "tcp", "tcp", "udp", "udp", "icmp"};
        String[] services = {"ssl", "http", "dns", "-", "-", "ssh"};
        String[] states = {"SF", "S0", "REJ", "RSTO", "OTH"};
        String alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        long ts = 1_700_000_000_000_000L;
        for (int i = 0; i < lines; i++) {
            sb.setLength(0);
            ts += rnd.nextInt(2000);
            sb.append(ts / 1_000_000).append('.').append(String.format("%06d", ts % 1_000_000)).append('\t');
            sb.append('C');
            for (int k = 0; k < 17; k++) sb.append(alphabet.charAt(rnd.nextInt(62)));
            sb.append('\t');
            boolean v6 = rnd.nextInt(20) == 0;
            appendAddr(sb, rnd, v6).append('\t').append(1024 + rnd.nextInt(64000)).append('\t');
            appendAddr(sb, rnd, v6).append('\t').append(rnd.nextInt(4) == 0 ? 53 : 443).append('\t');
            int p = rnd.nextInt(protos.length);
            sb.append(protos[p]).append('\t').append(services[p]).append('\t');
            if (rnd.nextInt(5) == 0) {
                sb.append("-\t-\t-\t");
            } else {
                sb.append(rnd.nextInt(100)).append('.').append(String.format("%06d", rnd.nextInt(1_000_000))).append('\t')
                        .append(rnd.nextInt(100_000)).append('\t').append(rnd.nextInt(10_000_000)).append('\t');
            }
            sb.append(states[rnd.nextInt(states.length)]).append("\tT\tF\t0\tShADadFf\t")
                    .append(rnd.nextInt(1000)).append('\t').append(rnd.nextInt(1_000_000)).append('\t')
                    .append(rnd.nextInt(1000)).append('\t').append(rnd.nextInt(10_000_000)).append("\t-\n");
            out.writeBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes("#close\t2024-04-12-20-29-12\n".getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static StringBuilder appendAddr(StringBuilder sb, Random rnd, boolean v6) {
        if (v6) {
            sb.append("2001:db8:").append(Integer.toHexString(rnd.nextInt(65536))).append("::")
                    .append(Integer.toHexString(rnd.nextInt(65536)));
        } else {
            sb.append(10 + rnd.nextInt(200)).append('.').append(rnd.nextInt(256)).append('.').append(rnd.nextInt(256))
                    .append('.').append(rnd.nextInt(256));
        }
        return sb;
    }
}
