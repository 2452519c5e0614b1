package dev.keyhole.simulate;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.zip.GZIPOutputStream;

/**
 * Zeek 6 ASCII logs (conn, http, ssl, dns) of one UTC day, with the exact headers and the default
 * field lists of base Zeek 6.0 (no optional policy scripts): DIR/zeek/conn.YYYY-MM-DD.log and so on,
 * optionally gzipped like Zeek's archived logs.
 */
final class ZeekLogs implements Closeable {
    static final String[] NAMES = {"conn", "http", "ssl", "dns"};
    static final int CONN = 0, HTTP = 1, SSL = 2, DNS = 3;

    static final String CONN_FIELDS = "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration"
            + "\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts"
            + "\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents";
    static final String CONN_TYPES = "time\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount"
            + "\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]";
    static final String HTTP_FIELDS = "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost"
            + "\turi\treferrer\tversion\tuser_agent\torigin\trequest_body_len\tresponse_body_len\tstatus_code"
            + "\tstatus_msg\tinfo_code\tinfo_msg\ttags\tusername\tpassword\tproxied\torig_fuids\torig_filenames"
            + "\torig_mime_types\tresp_fuids\tresp_filenames\tresp_mime_types";
    static final String HTTP_TYPES = "time\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring"
            + "\tstring\tstring\tstring\tcount\tcount\tcount\tstring\tcount\tstring\tset[enum]\tstring\tstring"
            + "\tset[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]"
            + "\tvector[string]";
    static final String SSL_FIELDS = "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tcurve"
            + "\tserver_name\tresumed\tlast_alert\tnext_protocol\testablished\tssl_history\tcert_chain_fps"
            + "\tclient_cert_chain_fps\tsni_matches_cert";
    static final String SSL_TYPES = "time\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tbool"
            + "\tstring\tstring\tbool\tstring\tvector[string]\tvector[string]\tbool";
    static final String DNS_FIELDS = "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt"
            + "\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers"
            + "\tTTLs\trejected";
    static final String DNS_TYPES = "time\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount"
            + "\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]"
            + "\tvector[interval]\tbool";
    static final String[] FIELDS = {CONN_FIELDS, HTTP_FIELDS, SSL_FIELDS, DNS_FIELDS};
    static final String[] TYPES = {CONN_TYPES, HTTP_TYPES, SSL_TYPES, DNS_TYPES};

    private static final DateTimeFormatter ZEEK_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss");

    final TsvOut[] out = new TsvOut[4];
    final Path[] paths = new Path[4];
    private final String close;

    /**
     * @param openMillis  when the files were opened (UTC day start): Zeek's #open
     * @param closeMillis when they are closed (next day start or end of window): Zeek's #close
     */
    ZeekLogs(Path dir, LocalDate utcDay, long openMillis, long closeMillis, boolean gzip) throws IOException {
        Files.createDirectories(dir);
        String open = stamp(openMillis);
        close = stamp(closeMillis);
        for (int i = 0; i < 4; i++) {
            paths[i] = dir.resolve(NAMES[i] + "." + utcDay + ".log" + (gzip ? ".gz" : ""));
            OutputStream os = Files.newOutputStream(paths[i]);
            if (gzip) os = new FastGzip(os);
            out[i] = new TsvOut(os);
            out[i].raw("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t")
                    .raw(NAMES[i]).raw("\n#open\t").raw(open).raw("\n#fields\t").raw(FIELDS[i]).raw("\n#types\t")
                    .raw(TYPES[i]).raw("\n");
        }
    }

    /** Gzip at the fastest level: the text compresses almost as well and several times faster. */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(java.util.zip.Deflater.BEST_SPEED);
        }
    }

    static String stamp(long millis) {
        return ZEEK_TIME.format(java.time.Instant.ofEpochMilli(millis).atOffset(ZoneOffset.UTC));
    }

    long lines(int log) {
        return out[log].lines();
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (TsvOut o : out) {
            try {
                o.raw("#close\t").raw(close).raw("\n");
                o.close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }
}
