package dev.keyhole.sources.zeek;

import dev.keyhole.sources.InputFormat;

import java.util.HashMap;
import java.util.Map;

/**
 * The Zeek fields Keyhole reads from each log kind, as slot numbers. Slots 0-5 are the common
 * connection fields; the rest depend on the kind. Only the {@code required} ones must appear in
 * {@code #fields} (or in a JSON line); any other missing field reads as unset.
 */
enum ZeekSchema {
    CONN(InputFormat.ZEEK_CONN, "conn",
            new String[] {"proto", "duration", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "ip_proto"},
            new String[] {"conn_state", "orig_pkts", "orig_ip_bytes", "resp_pkts", "history", "duration", "missed_bytes"},
            "proto"),
    HTTP(InputFormat.ZEEK_HTTP, "http",
            new String[] {"method", "host", "uri", "user_agent", "status_code"},
            new String[] {"request_body_len", "response_body_len", "method", "host", "uri", "status_code", "user_agent"}),
    SSL(InputFormat.ZEEK_SSL, "ssl",
            new String[] {"version", "server_name", "established"},
            new String[] {"established", "resumed", "server_name", "cipher", "ssl_history", "curve"}),
    DNS(InputFormat.ZEEK_DNS, "dns",
            new String[] {"query", "qtype_name", "answers"},
            new String[] {"query", "trans_id", "rcode", "qtype", "answers", "rejected", "RD", "AA"},
            "query");

    static final int TS = 0, UID = 1, ORIG_H = 2, ORIG_P = 3, RESP_H = 4, RESP_P = 5;
    // CONN
    static final int PROTO = 6, DURATION = 7, ORIG_PKTS = 8, ORIG_IP_BYTES = 9, RESP_PKTS = 10, RESP_IP_BYTES = 11,
            IP_PROTO = 12;
    // HTTP
    static final int METHOD = 6, HOST = 7, URI = 8, USER_AGENT = 9, STATUS_CODE = 10;
    // SSL
    static final int VERSION = 6, SERVER_NAME = 7, ESTABLISHED = 8;
    // DNS
    static final int QUERY = 6, QTYPE_NAME = 7, ANSWERS = 8;

    // In a holder: enum constructors cannot read the enum's own static fields.
    private static final class Common {
        static final String[] NAMES = {"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"};
        static final String[] REQUIRED = {"ts", "id.orig_h", "id.resp_h"};
    }

    final InputFormat format;
    final String path;
    final String[] names;
    /** Slots that must be in a TSV {@code #fields} line. */
    final int[] required;
    /**
     * Slots every JSON line must carry. Zeek's JSON omits unset fields, so this is only what
     * Zeek always sets (a dns.log query can be unset, for one).
     */
    final int[] jsonRequired;
    /**
     * Fields only this kind of log has, at least one always set: a JSON line (or a #fields line
     * without #path) with none of them is another log, e.g. an http.log given as dns.
     */
    final String[] markers;
    private final Map<String, Integer> slotByName = new HashMap<>();

    ZeekSchema(InputFormat format, String path, String[] specific, String[] markers, String... extraRequired) {
        this.markers = markers;
        this.format = format;
        this.path = path;
        String[] common = Common.NAMES;
        this.names = new String[common.length + specific.length];
        System.arraycopy(common, 0, names, 0, common.length);
        System.arraycopy(specific, 0, names, common.length, specific.length);
        for (int i = 0; i < names.length; i++) {
            slotByName.put(names[i], i);
            // Log::default_scope_sep = "_" writes id_orig_h instead of id.orig_h.
            if (names[i].indexOf('.') >= 0) slotByName.put(names[i].replace('.', '_'), i);
        }
        this.required = new int[Common.REQUIRED.length + extraRequired.length];
        int k = 0;
        for (String r : Common.REQUIRED) required[k++] = slotByName.get(r);
        for (String r : extraRequired) required[k++] = slotByName.get(r);
        // Of the extra TSV requirements only conn's proto is always set in JSON too.
        this.jsonRequired = path.equals("conn") ? required : java.util.Arrays.copyOf(required, Common.REQUIRED.length);
        this.markerSlot = new boolean[names.length];
        for (String m : markers) {
            Integer slot = slotByName.putIfAbsent(m, MARKER_ONLY);
            if (slot != null) markerSlot[slot] = true;
        }
    }

    /** True for read slots that are also markers. */
    final boolean[] markerSlot;

    /** {@link #slot} result for a marker field that is not read. */
    static final int MARKER_ONLY = -2;

    boolean isMarker(String fieldName) {
        for (String m : markers) {
            if (m.equals(fieldName)) return true;
        }
        return false;
    }

    int slots() {
        return names.length;
    }

    /** The slot of a Zeek field name; {@link #MARKER_ONLY} for an unread marker, -1 for anything else. */
    int slot(String fieldName) {
        Integer s = slotByName.get(fieldName);
        return s == null ? -1 : s;
    }

    static ZeekSchema of(InputFormat f) {
        for (ZeekSchema s : values()) {
            if (s.format == f) return s;
        }
        throw new IllegalArgumentException("not a Zeek log format: " + f);
    }

    /**
     * True if a {@code #path} (or JSON {@code _path}) value names this kind. Besides the exact
     * name, {@code conn_internal} or {@code dns-local} style paths of custom Log::Filters count.
     */
    boolean pathMatches(String p) {
        if (p.equals(path)) return true;
        return p.length() > path.length() && p.startsWith(path)
                && (p.charAt(path.length()) == '_' || p.charAt(path.length()) == '-');
    }

    /** The kind a path names, or null. */
    static ZeekSchema forPath(String p) {
        for (ZeekSchema s : values()) {
            if (s.pathMatches(p)) return s;
        }
        return null;
    }
}
