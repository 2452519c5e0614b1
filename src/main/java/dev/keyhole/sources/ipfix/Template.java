package dev.keyhole.sources.ipfix;

import java.util.Arrays;

/**
 * A parsed (options) template and its decode plan: for every Information Element Keyhole maps, what
 * it is ({@code kinds}), where it sits in the record and how long it is. Data records are decoded by
 * walking only the plan, so unknown and enterprise fields cost nothing on fixed-length templates.
 */
final class Template {
    static final int VARIABLE = 0xffff;
    static final int REVERSE_PEN = 29305; // RFC 5103 reverse Information Elements
    /** CERT (YAF): TCP flags of the first packet and of the rest; bit 14 of the id marks the reverse direction. */
    static final int YAF_PEN = 6871, YAF_INITIAL_TCP_FLAGS = 14, YAF_UNION_TCP_FLAGS = 15, YAF_REVERSE = 0x4000;

    // What a planned field fills in.
    static final int SRC4 = 1, DST4 = 2, SRC6 = 3, DST6 = 4, SPORT = 5, DPORT = 6, PROTO = 7, FLAGS = 8,
            OCTETS = 9, PACKETS = 10, R_OCTETS = 11, R_PACKETS = 12, R_FLAGS = 13, START = 14, END = 15,
            INIT = 16, SAMPLER = 17, S_INTERVAL = 18, S_PKT_INTERVAL = 19, S_PKT_SPACE = 20, S_SIZE = 21,
            S_POPULATION = 22, OUT_OCTETS = 23, OUT_PACKETS = 24, DIRECTION = 25, SRC_AS = 26, DST_AS = 27,
            IN_IF = 28, OUT_IF = 29, ICMP_TC = 30, ICMP_T = 31, ICMP_C = 32, SECTION_L2 = 33, SECTION_IP = 34;
    private static final int KINDS = SECTION_IP + 1;

    // How START / END are encoded.
    static final int T_NONE = 0, T_SEC = 1, T_MILLI = 2, T_MICRO_NTP = 3, T_NANO_NTP = 4, T_DELTA_MICRO = 5,
            T_UPTIME = 6;

    // Information Element ids.
    static final int IE_OCTET_DELTA = 1, IE_PACKET_DELTA = 2, IE_PROTOCOL = 4, IE_TCP_FLAGS = 6,
            IE_SRC_PORT = 7, IE_SRC_V4 = 8, IE_DST_PORT = 11, IE_DST_V4 = 12, IE_END_UPTIME = 21,
            IE_START_UPTIME = 22, IE_SRC_V6 = 27, IE_DST_V6 = 28, IE_OCTET_TOTAL = 85, IE_PACKET_TOTAL = 86,
            IE_START_SEC = 150, IE_END_SEC = 151, IE_START_MILLI = 152, IE_END_MILLI = 153,
            IE_START_MICRO = 154, IE_END_MICRO = 155, IE_START_NANO = 156, IE_END_NANO = 157,
            IE_START_DELTA_MICRO = 158, IE_END_DELTA_MICRO = 159, IE_SYS_INIT_MILLI = 160,
            IE_OBS_SEC = 322, IE_OBS_MILLI = 323, IE_OBS_MICRO = 324, IE_OBS_NANO = 325,
            IE_OUT_OCTETS = 23, IE_OUT_PACKETS = 24, IE_SAMPLING_INTERVAL = 34, IE_SAMPLER_ID = 48,
            IE_SAMPLER_RANDOM_INTERVAL = 50, IE_SELECTOR_ID = 302, IE_SAMPLING_PACKET_INTERVAL = 305,
            IE_SAMPLING_PACKET_SPACE = 306, IE_SAMPLING_SIZE = 309, IE_SAMPLING_POPULATION = 310,
            IE_DIRECTION = 61, IE_SRC_AS = 16, IE_DST_AS = 17, IE_INGRESS_INTERFACE = 10,
            IE_EGRESS_INTERFACE = 14, IE_L2_PACKET_SECTION = 104, IE_IP_HEADER_SECTION = 313,
            IE_DATA_LINK_FRAME_SECTION = 315;
    /** RFC 3954 §6.1 options scope type "Interface". */
    static final int V9_SCOPE_INTERFACE = 2;

    final int id;
    final boolean options;
    /** The template record as it came, to recognise re-sent identical templates cheaply. */
    final byte[] raw;
    /** Declared length of every field in record order ({@link #VARIABLE} for variable-length). */
    final int[] lengths;
    /** Record length, or -1 when a field is variable-length. */
    final int fixedLength;
    /** Shortest possible record: anything shorter at the end of a set is padding. */
    final int minLength;
    /** The plan: kind, field index, offset (fixed-length templates) and length of each mapped field. */
    final int[] kinds, fieldIndex, offsets, planLengths;
    final int startEncoding, endEncoding;
    final boolean flow, biflow, hasV4, hasV6, hasInit;
    /** Records are packet samples: their addresses and ports are in a packet section (no address fields). */
    final boolean packetSample;
    /** The record carries a sampler id, or a sampling rate of its own (options: announces one). */
    final boolean hasSampler, hasRate;
    /**
     * Flows: the record carries its input interface (INPUT_SNMP / ingressInterface), only to find that
     * interface's announced rate. Options: the scope is an interface, so a rate is that interface's.
     */
    final boolean hasInterface;
    /**
     * Flows: the record carries its output interface (OUTPUT_SNMP / egressInterface), to find the rate
     * of an interface sampled on egress. Options: the scope is an egress interface (IPFIX).
     */
    final boolean hasOutInterface;
    /** v9: OUT_BYTES / OUT_PKTS are the counters of records whose DIRECTION is 1 (egress). */
    final boolean outByDirection;
    /** Why this template cannot be used, or null. */
    final String error;
    /** Fields we ignore for a reason worth telling the user (e.g. zero length), or null. */
    final String note;
    /** When it was last received (or re-sent unchanged), in the collector's clock; for its lifetime over UDP. */
    long receivedAt;
    /** Not re-sent within its lifetime: not used until it is. */
    boolean expired;

    private Template(Builder b) {
        this.id = b.id;
        this.options = b.options;
        this.raw = b.raw;
        this.lengths = b.lengths;
        this.fixedLength = b.fixedLength;
        this.minLength = b.minLength;
        this.kinds = Arrays.copyOf(b.kinds, b.n);
        this.fieldIndex = Arrays.copyOf(b.fieldIndex, b.n);
        this.offsets = Arrays.copyOf(b.offsets, b.n);
        this.planLengths = Arrays.copyOf(b.planLengths, b.n);
        this.startEncoding = b.startEncoding;
        this.endEncoding = b.endEncoding;
        this.hasV4 = b.hasV4;
        this.hasV6 = b.hasV6;
        this.packetSample = !b.options && !hasV4 && !hasV6 && (b.seen[SECTION_L2] || b.seen[SECTION_IP]);
        this.flow = !b.options && (hasV4 || hasV6 || packetSample);
        this.biflow = b.biflow;
        this.hasInit = b.seen[INIT];
        this.hasSampler = b.seen[SAMPLER];
        this.hasInterface = b.seen[IN_IF];
        this.hasOutInterface = b.seen[OUT_IF];
        this.outByDirection = b.seen[DIRECTION] && (b.seen[OUT_OCTETS] || b.seen[OUT_PACKETS]);
        this.hasRate = b.seen[S_INTERVAL] || (b.seen[S_PKT_INTERVAL] && b.seen[S_PKT_SPACE])
                || (b.seen[S_SIZE] && b.seen[S_POPULATION]);
        this.error = b.error;
        this.note = b.note;
    }

    boolean isVariable() {
        return fixedLength < 0;
    }

    /**
     * Builds a template from a structurally checked template record.
     *
     * @param fieldsAt offset of the first field specifier in {@code buf}
     * @param v9       NetFlow v9 (RFC 3954): no enterprise bit (types above 32767 are vendor types), scope
     *                 fields are v9 scope types (system, interface...), an options template may have no scope
     */
    static Template parse(byte[] buf, int recordStart, int recordEnd, int id, int fieldCount, int scopeCount,
                          boolean options, int fieldsAt, boolean v9) {
        Builder b = new Builder(id, options, Arrays.copyOfRange(buf, recordStart, recordEnd), fieldCount);
        if (options && !v9 && (scopeCount == 0 || scopeCount > fieldCount)) {
            b.fail("options template scope field count " + scopeCount + " is not between 1 and the field count "
                    + fieldCount);
        }
        // Candidate positions of each time encoding; the best one present is planned.
        int[] startAt = new int[T_UPTIME + 1];
        int[] endAt = new int[T_UPTIME + 1];
        // observationTime* (322-325): one instant, a packet sample's time when there is no flow start or end.
        int[] obsAt = new int[T_UPTIME + 1];
        Arrays.fill(startAt, -1);
        Arrays.fill(endAt, -1);
        Arrays.fill(obsAt, -1);
        int octetTotalAt = -1, packetTotalAt = -1, rOctetTotalAt = -1, rPacketTotalAt = -1;
        int outOctetsAt = -1, outPacketsAt = -1;
        boolean octetDelta = false, packetDelta = false, rOctetDelta = false, rPacketDelta = false;
        int p = fieldsAt;
        int offset = 0;
        boolean variable = false;
        int minLength = 0;
        for (int i = 0; i < fieldCount; i++) {
            int ie = u16(buf, p);
            int len = u16(buf, p + 2);
            p += 4;
            long pen = 0;
            if (!v9 && (ie & 0x8000) != 0) {
                ie &= 0x7fff;
                pen = u32(buf, p);
                p += 4;
            }
            b.lengths[i] = len;
            int fieldOffset = variable ? -1 : offset;
            if (len == VARIABLE) {
                variable = true;
                minLength += 1;
            } else {
                offset += len;
                minLength += len;
            }
            int kind = 0, min = 1, max = 8, enc = T_NONE;
            boolean start = false, observed = false;
            if (options && i < scopeCount) {
                // Scope fields only say what the options describe; an IPFIX sampler id scope names the sampler,
                // an interface scope (v9 type 2, IPFIX ingressInterface) makes a rate that interface's, an
                // IPFIX egressInterface scope that of the interface sampled on egress.
                boolean usable = len != VARIABLE && len >= 1 && len <= 8;
                if (v9 ? ie == V9_SCOPE_INTERFACE : pen == 0 && ie == IE_INGRESS_INTERFACE) {
                    if (usable) b.plan(IN_IF, i, fieldOffset, len);
                } else if (!v9 && pen == 0 && ie == IE_EGRESS_INTERFACE) {
                    if (usable) b.plan(OUT_IF, i, fieldOffset, len);
                } else if (!v9 && pen == 0 && (ie == IE_SELECTOR_ID || ie == IE_SAMPLER_ID) && usable) {
                    b.plan(SAMPLER, i, fieldOffset, len);
                }
                continue;
            }
            if (pen == 0) {
                switch (ie) {
                    case IE_SRC_V4 -> { kind = SRC4; min = max = 4; }
                    case IE_DST_V4 -> { kind = DST4; min = max = 4; }
                    case IE_SRC_V6 -> { kind = SRC6; min = max = 16; }
                    case IE_DST_V6 -> { kind = DST6; min = max = 16; }
                    case IE_SRC_PORT -> { kind = SPORT; max = 2; }
                    case IE_DST_PORT -> { kind = DPORT; max = 2; }
                    // icmpTypeCodeIPv4/IPv6 (v9 ICMP_TYPE: type * 256 + code) and the separate type and
                    // code IEs: an ICMP flow's "destination port", as nfdump keeps it (3.3 = 771).
                    case 32, 139 -> { kind = ICMP_TC; max = 2; }
                    case 176, 178 -> { kind = ICMP_T; max = 1; }
                    case 177, 179 -> { kind = ICMP_C; max = 1; }
                    case IE_PROTOCOL -> { kind = PROTO; max = 1; }
                    case IE_TCP_FLAGS -> { kind = FLAGS; max = 2; }
                    case IE_OCTET_DELTA -> { kind = OCTETS; octetDelta = true; }
                    case IE_PACKET_DELTA -> { kind = PACKETS; packetDelta = true; }
                    case IE_OCTET_TOTAL, IE_PACKET_TOTAL -> kind = -1; // planned below if no delta count
                    case IE_START_SEC, IE_END_SEC -> { kind = START; min = max = 4; enc = T_SEC; start = ie == IE_START_SEC; }
                    case IE_START_MILLI, IE_END_MILLI -> { kind = START; min = max = 8; enc = T_MILLI; start = ie == IE_START_MILLI; }
                    case IE_START_MICRO, IE_END_MICRO -> { kind = START; min = max = 8; enc = T_MICRO_NTP; start = ie == IE_START_MICRO; }
                    case IE_START_NANO, IE_END_NANO -> { kind = START; min = max = 8; enc = T_NANO_NTP; start = ie == IE_START_NANO; }
                    case IE_START_DELTA_MICRO, IE_END_DELTA_MICRO -> { kind = START; max = 4; enc = T_DELTA_MICRO; start = ie == IE_START_DELTA_MICRO; }
                    case IE_START_UPTIME, IE_END_UPTIME -> { kind = START; max = 4; enc = T_UPTIME; start = ie == IE_START_UPTIME; }
                    case IE_SYS_INIT_MILLI -> { kind = INIT; min = max = 8; }
                    case IE_OBS_SEC -> { kind = START; min = max = 4; enc = T_SEC; observed = true; }
                    case IE_OBS_MILLI -> { kind = START; min = max = 8; enc = T_MILLI; observed = true; }
                    case IE_OBS_MICRO -> { kind = START; min = max = 8; enc = T_MICRO_NTP; observed = true; }
                    case IE_OBS_NANO -> { kind = START; min = max = 8; enc = T_NANO_NTP; observed = true; }
                    case IE_OUT_OCTETS, IE_OUT_PACKETS -> kind = -3; // planned below
                    // v9 DIRECTION and IPFIX flowDirection: 0 ingress, 1 egress (IPFIX: only to pick an
                    // interface's sampling rate, so an odd length is ignored rather than failing the template)
                    case IE_DIRECTION -> { kind = options || !v9 && len != 1 ? 0 : DIRECTION; max = 1; }
                    // bgpSource/DestinationAsNumber (v9 SRC_AS / DST_AS): unsigned32, 2 bytes from 16-bit-AS exporters
                    case IE_SRC_AS -> { kind = SRC_AS; max = 4; }
                    case IE_DST_AS -> { kind = DST_AS; max = 4; }
                    case IE_SAMPLER_ID, IE_SELECTOR_ID -> kind = SAMPLER;
                    case IE_SAMPLING_INTERVAL, IE_SAMPLER_RANDOM_INTERVAL -> kind = S_INTERVAL;
                    case IE_SAMPLING_PACKET_INTERVAL -> kind = S_PKT_INTERVAL;
                    case IE_SAMPLING_PACKET_SPACE -> kind = S_PKT_SPACE;
                    case IE_SAMPLING_SIZE -> kind = S_SIZE;
                    case IE_SAMPLING_POPULATION -> kind = S_POPULATION;
                    // Flows only, for the interface's rate; a length we cannot read just loses that (no reject).
                    case IE_INGRESS_INTERFACE -> kind = !options && len != VARIABLE && len >= 1 && len <= 8 ? IN_IF : 0;
                    case IE_EGRESS_INTERFACE -> kind = !options && len != VARIABLE && len >= 1 && len <= 8 ? OUT_IF : 0;
                    // A sampled packet's first bytes, from its Ethernet or IP header (variable length allowed).
                    case IE_DATA_LINK_FRAME_SECTION, IE_L2_PACKET_SECTION -> { kind = options ? 0 : SECTION_L2; max = VARIABLE; }
                    case IE_IP_HEADER_SECTION -> { kind = options ? 0 : SECTION_IP; max = VARIABLE; }
                    default -> kind = 0;
                }
            } else if (pen == YAF_PEN) {
                switch (ie) {
                    case YAF_INITIAL_TCP_FLAGS, YAF_UNION_TCP_FLAGS -> { kind = FLAGS; max = 1; }
                    case YAF_REVERSE | YAF_INITIAL_TCP_FLAGS, YAF_REVERSE | YAF_UNION_TCP_FLAGS -> { kind = R_FLAGS; max = 1; }
                    default -> kind = 0;
                }
            } else if (pen == REVERSE_PEN) {
                switch (ie) {
                    case IE_OCTET_DELTA -> { kind = R_OCTETS; rOctetDelta = true; }
                    case IE_PACKET_DELTA -> { kind = R_PACKETS; rPacketDelta = true; }
                    case IE_OCTET_TOTAL, IE_PACKET_TOTAL -> kind = -2;
                    case IE_TCP_FLAGS -> { kind = R_FLAGS; max = 2; }
                    default -> kind = 0;
                }
            }
            if (kind == 0) {
                if (len == 0) b.note("field " + ieName(ie, pen) + " has length 0 and is ignored");
                continue;
            }
            if ((len == VARIABLE && max != VARIABLE) || len < min || len > max) {
                b.fail("field " + ieName(ie, pen) + " has length " + (len == VARIABLE ? "variable" : len)
                        + ", expected " + (min == max ? String.valueOf(min) : min + ".." + max));
                continue;
            }
            if (kind == -1) {
                if (ie == IE_OCTET_TOTAL && octetTotalAt < 0) octetTotalAt = i;
                if (ie == IE_PACKET_TOTAL && packetTotalAt < 0) packetTotalAt = i;
                continue;
            }
            if (kind == -2) {
                if (ie == IE_OCTET_TOTAL && rOctetTotalAt < 0) rOctetTotalAt = i;
                if (ie == IE_PACKET_TOTAL && rPacketTotalAt < 0) rPacketTotalAt = i;
                continue;
            }
            if (kind == -3) {
                if (ie == IE_OUT_OCTETS && outOctetsAt < 0) outOctetsAt = i;
                if (ie == IE_OUT_PACKETS && outPacketsAt < 0) outPacketsAt = i;
                continue;
            }
            if (kind == START) {
                int[] at = observed ? obsAt : start ? startAt : endAt;
                if (at[enc] < 0) at[enc] = i;
                continue;
            }
            b.plan(kind, i, fieldOffset, len);
        }
        // Totals stand in for delta counts only when the exporter sends no delta count.
        if (!octetDelta && octetTotalAt >= 0) b.planField(OCTETS, octetTotalAt);
        if (!packetDelta && packetTotalAt >= 0) b.planField(PACKETS, packetTotalAt);
        if (!rOctetDelta && rOctetTotalAt >= 0) b.planField(R_OCTETS, rOctetTotalAt);
        if (!rPacketDelta && rPacketTotalAt >= 0) b.planField(R_PACKETS, rPacketTotalAt);
        // OUT_BYTES / OUT_PKTS (IPFIX post*DeltaCount) are the counters when nothing else counts the flow. In
        // v9 next to IN_BYTES / IN_PKTS they mean one of two things: with a DIRECTION field, the counters of
        // egress records (direction 1; their IN_ counters are 0); without, the other direction of the
        // conversation (nProbe, nfdump's "out" counters), decoded as reverse counters.
        boolean hasIn = b.seen[OCTETS] || b.seen[PACKETS];
        if (!hasIn) {
            if (outOctetsAt >= 0) b.planField(OCTETS, outOctetsAt);
            if (outPacketsAt >= 0) b.planField(PACKETS, outPacketsAt);
        } else if (v9 && !options && b.seen[DIRECTION]) {
            if (outOctetsAt >= 0) b.planField(OUT_OCTETS, outOctetsAt);
            if (outPacketsAt >= 0) b.planField(OUT_PACKETS, outPacketsAt);
        } else if (v9 && !options && !b.seen[R_OCTETS] && !b.seen[R_PACKETS]) {
            if (outOctetsAt >= 0) b.planField(R_OCTETS, outOctetsAt);
            if (outPacketsAt >= 0) b.planField(R_PACKETS, outPacketsAt);
        }
        b.startEncoding = b.planTime(START, startAt);
        b.endEncoding = b.planTime(END, endAt);
        if (b.startEncoding == T_NONE && b.endEncoding == T_NONE) b.startEncoding = b.planTime(START, obsAt); // end = start
        b.fixedLength = variable ? -1 : offset;
        b.minLength = minLength;
        if (!variable && offset == 0) b.fail("records would be zero bytes long");
        return new Template(b);
    }

    private static String ieName(int ie, long pen) {
        return pen == 0 ? "IE " + ie : "IE " + pen + "/" + ie;
    }

    static int u16(byte[] b, int p) {
        return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
    }

    static long u32(byte[] b, int p) {
        return ((long) (b[p] & 0xff) << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
    }

    private static final class Builder {
        final int id;
        final boolean options;
        final byte[] raw;
        final int[] lengths;
        // Planned fields are keyed by field index so planField can find offsets after the loop.
        int[] kinds = new int[8], fieldIndex = new int[8], offsets = new int[8], planLengths = new int[8];
        int n;
        int fixedLength, minLength, startEncoding, endEncoding;
        boolean hasV4, hasV6, biflow;
        private boolean src4, dst4, src6, dst6;
        final boolean[] seen = new boolean[KINDS];
        String error, note;

        Builder(int id, boolean options, byte[] raw, int fieldCount) {
            this.id = id;
            this.options = options;
            this.raw = raw;
            this.lengths = new int[fieldCount];
        }

        void fail(String why) {
            if (error == null) error = why;
        }

        void note(String what) {
            if (note == null) note = what;
        }

        void plan(int kind, int field, int offset, int len) {
            // The first occurrence of an element wins, except flags, which are OR-ed.
            if (seen[kind] && kind != FLAGS && kind != R_FLAGS) return;
            seen[kind] = true;
            if (n == kinds.length) {
                kinds = Arrays.copyOf(kinds, n * 2);
                fieldIndex = Arrays.copyOf(fieldIndex, n * 2);
                offsets = Arrays.copyOf(offsets, n * 2);
                planLengths = Arrays.copyOf(planLengths, n * 2);
            }
            kinds[n] = kind;
            fieldIndex[n] = field;
            offsets[n] = offset;
            planLengths[n] = len;
            n++;
            switch (kind) {
                case SRC4 -> src4 = true;
                case DST4 -> dst4 = true;
                case SRC6 -> src6 = true;
                case DST6 -> dst6 = true;
                case R_OCTETS, R_PACKETS -> biflow = true;
                default -> { }
            }
            hasV4 = src4 && dst4;
            hasV6 = src6 && dst6;
        }

        /** Plans a field chosen after the loop; recomputes its offset from the declared lengths. */
        void planField(int kind, int field) {
            plan(kind, field, offsetOf(field), lengths[field]);
        }

        int planTime(int kind, int[] at) {
            // Finest absolute encoding first, then relative ones.
            int[] order = {T_MILLI, T_MICRO_NTP, T_NANO_NTP, T_SEC, T_DELTA_MICRO, T_UPTIME};
            for (int enc : order) {
                if (at[enc] >= 0) {
                    planField(kind, at[enc]);
                    return enc;
                }
            }
            return T_NONE;
        }

        private int offsetOf(int field) {
            int o = 0;
            for (int i = 0; i < field; i++) {
                if (lengths[i] == VARIABLE) return -1;
                o += lengths[i];
            }
            return o;
        }
    }
}
