package dev.keyhole.sources.ipfix;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes an RFC 5655 IPFIX file: a sequence of RFC 7011 messages of up to 64 KiB. The first message
 * carries a template set with one IPv4 template (id 256) and one IPv6 template (id 257). Flows with AS
 * numbers use 258 / 259, the same plus bgpSource/DestinationAsNumber, defined in the message where the
 * first such flow is written: files without AS numbers stay as they were. Times are
 * dateTimeMilliseconds, counters 8 bytes. Biflow records (Zeek conn, IPFIX biflows: src is the
 * originator) use 260 / 261, the AS template plus RFC 5103 reverseOctetDeltaCount and
 * reversePacketDeltaCount (enterprise 29305), defined where the first biflow is written, so the reverse
 * counters and the originator survive a round trip. Not thread-safe.
 */
public final class IpfixWriter implements Closeable, Flushable {
    static final int TEMPLATE_V4 = 256;
    static final int TEMPLATE_V6 = 257;
    static final int TEMPLATE_V4_AS = 258;
    static final int TEMPLATE_V6_AS = 259;
    static final int TEMPLATE_V4_BI = 260;
    static final int TEMPLATE_V6_BI = 261;
    /** Marks an enterprise-specific IE in the field lists below: RFC 5103's reverse PEN. */
    private static final int REVERSE = 0x8000;

    /** {ie, length} pairs in record order; the v6 template swaps the address IEs. */
    private static final int[] FIELDS_V4 = {
        152, 8, // flowStartMilliseconds
        153, 8, // flowEndMilliseconds
        8, 4,   // sourceIPv4Address
        12, 4,  // destinationIPv4Address
        7, 2,   // sourceTransportPort
        11, 2,  // destinationTransportPort
        4, 1,   // protocolIdentifier
        6, 2,   // tcpControlBits (unsigned16 since RFC 7125)
        1, 8,   // octetDeltaCount
        2, 8,   // packetDeltaCount
    };
    private static final int[] FIELDS_V6 = {
        152, 8, 153, 8, 27, 16, 28, 16, 7, 2, 11, 2, 4, 1, 6, 2, 1, 8, 2, 8,
    };
    /** bgpSourceAsNumber, bgpDestinationAsNumber (unsigned32), appended for flows that carry them. */
    private static final int[] AS_FIELDS = {16, 4, 17, 4};
    private static final int[] FIELDS_V4_AS = concat(FIELDS_V4, AS_FIELDS);
    private static final int[] FIELDS_V6_AS = concat(FIELDS_V6, AS_FIELDS);
    /** reverseOctetDeltaCount, reversePacketDeltaCount, appended to the AS templates for biflows. */
    private static final int[] REVERSE_FIELDS = {REVERSE | 1, 8, REVERSE | 2, 8};
    private static final int[] FIELDS_V4_BI = concat(FIELDS_V4_AS, REVERSE_FIELDS);
    private static final int[] FIELDS_V6_BI = concat(FIELDS_V6_AS, REVERSE_FIELDS);
    static final int RECORD_V4 = recordLength(FIELDS_V4);
    static final int RECORD_V6 = recordLength(FIELDS_V6);
    private static final int AS_LENGTH = recordLength(AS_FIELDS);
    private static final int REVERSE_LENGTH = recordLength(REVERSE_FIELDS);

    private static final int REVERSE_PEN = Template.REVERSE_PEN;
    private static final int MAX_MESSAGE = 65_535;
    private static final int HEADER = 16;
    private static final int SET_HEADER = 4;

    private final OutputStream out;
    private final long domain;
    private final byte[] buf = new byte[MAX_MESSAGE];
    private int pos;            // write position in buf; 0 = no message open
    private int setStart = -1;  // offset of the open data set's header, -1 = none
    private int setTemplate;
    private long records;       // data records written so far (also the next message's sequence base)
    private long sequence;      // records before the open message
    private long maxEndMillis;  // export time of the open message is derived from its newest flow
    private boolean templatesSent, asTemplatesSent, biTemplatesSent;
    private boolean closed;

    public IpfixWriter(OutputStream out, long observationDomainId) {
        if (out == null) throw new NullPointerException("out");
        if (observationDomainId < 0 || observationDomainId > 0xffff_ffffL) {
            throw new IllegalArgumentException("observation domain id must be an unsigned 32-bit value");
        }
        this.out = out;
        this.domain = observationDomainId;
    }

    /** Number of data records written. */
    public long records() {
        return records;
    }

    public void write(FlowRecord f) throws IOException {
        if (closed) throw new IOException("writer closed");
        boolean v4 = f.src().isV4() && f.dst().isV4();
        boolean bi = f.biflow();
        boolean as = bi || (f.srcAs() | f.dstAs()) != 0;
        int template = bi ? (v4 ? TEMPLATE_V4_BI : TEMPLATE_V6_BI)
                : as ? (v4 ? TEMPLATE_V4_AS : TEMPLATE_V6_AS) : v4 ? TEMPLATE_V4 : TEMPLATE_V6;
        int len = (v4 ? RECORD_V4 : RECORD_V6) + (as ? AS_LENGTH : 0) + (bi ? REVERSE_LENGTH : 0);
        if (pos == 0) openMessage();
        if (bi && !biTemplatesSent) {
            sendTemplates(TEMPLATE_V4_BI, FIELDS_V4_BI, TEMPLATE_V6_BI, FIELDS_V6_BI, len);
            biTemplatesSent = true;
        } else if (as && !bi && !asTemplatesSent) {
            sendTemplates(TEMPLATE_V4_AS, FIELDS_V4_AS, TEMPLATE_V6_AS, FIELDS_V6_AS, len);
            asTemplatesSent = true;
        }
        if (setStart < 0 || setTemplate != template) {
            if (pos + SET_HEADER + len > MAX_MESSAGE) {
                flushMessage();
                openMessage();
            }
            openSet(template);
        } else if (pos + len > MAX_MESSAGE) {
            flushMessage();
            openMessage();
            openSet(template);
        }
        byte[] b = buf;
        int p = pos;
        p = putLong(b, p, f.startMillis());
        p = putLong(b, p, f.endMillis());
        if (v4) {
            p = putInt(b, p, f.src().v4());
            p = putInt(b, p, f.dst().v4());
        } else {
            p = putAddr16(b, p, f.src());
            p = putAddr16(b, p, f.dst());
        }
        b[p] = (byte) (f.srcPort() >>> 8);
        b[p + 1] = (byte) f.srcPort();
        b[p + 2] = (byte) (f.dstPort() >>> 8);
        b[p + 3] = (byte) f.dstPort();
        b[p + 4] = (byte) f.protocol();
        b[p + 5] = (byte) (f.tcpFlags() >>> 8);
        b[p + 6] = (byte) f.tcpFlags();
        p += 7;
        p = putLong(b, p, f.bytes());
        p = putLong(b, p, f.packets());
        if (as) {
            p = putInt(b, p, (int) f.srcAs());
            p = putInt(b, p, (int) f.dstAs());
        }
        if (bi) {
            p = putLong(b, p, f.reverseBytes());
            p = putLong(b, p, f.reversePackets());
        }
        pos = p;
        if (f.endMillis() > maxEndMillis) maxEndMillis = f.endMillis();
        records++;
    }

    /** Writes the open message (if any) and flushes the stream. */
    @Override
    public void flush() throws IOException {
        if (closed) return;
        if (pos > 0) flushMessage();
        out.flush();
    }

    /** Writes what is pending (templates too, for an empty file) and closes the stream. */
    @Override
    public void close() throws IOException {
        if (closed) return;
        try {
            if (pos == 0 && !templatesSent) openMessage();
            if (pos > 0) flushMessage();
            out.flush();
        } finally {
            closed = true;
            out.close();
        }
    }

    private void openMessage() {
        pos = HEADER;
        setStart = -1;
        sequence = records;
        maxEndMillis = 0;
        if (!templatesSent) {
            writeTemplateSet(TEMPLATE_V4, FIELDS_V4, TEMPLATE_V6, FIELDS_V6);
            templatesSent = true;
        }
    }

    /** Defines a pair of templates in the open message, or in a new one when it would not fit with the record. */
    private void sendTemplates(int idV4, int[] v4, int idV6, int[] v6, int recordLength) throws IOException {
        if (pos + templateSetLength(v4, v6) + SET_HEADER + recordLength > MAX_MESSAGE) {
            flushMessage();
            openMessage();
        }
        closeSet();
        writeTemplateSet(idV4, v4, idV6, v6);
    }

    private void writeTemplateSet(int idV4, int[] v4, int idV6, int[] v6) {
        int start = pos;
        pos += SET_HEADER;
        pos = putTemplate(buf, pos, idV4, v4);
        pos = putTemplate(buf, pos, idV6, v6);
        putShort(buf, start, 2);
        putShort(buf, start + 2, pos - start);
    }

    private static int templateSetLength(int[] v4, int[] v6) {
        return SET_HEADER + templateLength(v4) + templateLength(v6);
    }

    /** Template header, 4 bytes a field, 4 more for each enterprise number. */
    private static int templateLength(int[] fields) {
        int n = 4 + 2 * fields.length;
        for (int i = 0; i < fields.length; i += 2) if ((fields[i] & REVERSE) != 0) n += 4;
        return n;
    }

    private static int putTemplate(byte[] b, int p, int id, int[] fields) {
        p = putShort(b, p, id);
        p = putShort(b, p, fields.length / 2);
        for (int i = 0; i < fields.length; i += 2) {
            p = putShort(b, p, fields[i]);
            p = putShort(b, p, fields[i + 1]);
            if ((fields[i] & REVERSE) != 0) p = putInt(b, p, REVERSE_PEN);
        }
        return p;
    }

    private void openSet(int template) {
        closeSet();
        setStart = pos;
        setTemplate = template;
        putShort(buf, pos, template);
        pos += SET_HEADER;
    }

    private void closeSet() {
        if (setStart >= 0) putShort(buf, setStart + 2, pos - setStart);
        setStart = -1;
    }

    private void flushMessage() throws IOException {
        closeSet();
        byte[] b = buf;
        putShort(b, 0, 10);
        putShort(b, 2, pos);
        long exportSeconds = Math.max(0, Math.min(0xffff_ffffL, Math.floorDiv(maxEndMillis + 999, 1000)));
        putInt(b, 4, (int) exportSeconds);
        putInt(b, 8, (int) sequence);
        putInt(b, 12, (int) domain);
        out.write(b, 0, pos);
        pos = 0;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static int recordLength(int[] fields) {
        int n = 0;
        for (int i = 1; i < fields.length; i += 2) n += fields[i];
        return n;
    }

    private static int putShort(byte[] b, int p, int v) {
        b[p] = (byte) (v >>> 8);
        b[p + 1] = (byte) v;
        return p + 2;
    }

    private static int putInt(byte[] b, int p, int v) {
        b[p] = (byte) (v >>> 24);
        b[p + 1] = (byte) (v >>> 16);
        b[p + 2] = (byte) (v >>> 8);
        b[p + 3] = (byte) v;
        return p + 4;
    }

    private static int putLong(byte[] b, int p, long v) {
        putInt(b, p, (int) (v >>> 32));
        putInt(b, p + 4, (int) v);
        return p + 8;
    }

    /** IPv4 in a v6 record (mixed-family flow) comes out IPv4-mapped, which Ip stores anyway. */
    private static int putAddr16(byte[] b, int p, Ip ip) {
        putLong(b, p, ip.hi());
        putLong(b, p + 8, ip.lo());
        return p + 16;
    }
}
