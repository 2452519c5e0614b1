package dev.keyhole.sources.nfcapd;

import dev.keyhole.records.Ip;
import dev.keyhole.sources.Rejects;
import dev.keyhole.testing.Tools;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading nfcapd files in tests, nfdump's view of the same files, and rewriting a file's blocks. */
final class NfcapdFiles {
    private NfcapdFiles() {}

    /** The fields both sides print, one row per record: Keyhole and nfdump must give identical rows. */
    static final String NFDUMP_FORMAT = "fmt:%ts|%te|%sa|%da|%sp|%dp|%pr|%pkt|%byt|%flg|%opkt|%obyt|%sas|%das|%fl";

    record Read(List<NfcapdFlow> flows, Rejects rejects, long returned) {
        List<String> messages() {
            return rejects.messages();
        }

        List<String> rows() {
            return flows.stream().map(NfcapdFiles::row).toList();
        }
    }

    static Read read(byte[] file) {
        return read(file, null);
    }

    /** @param prefetch force decompression ahead on or off; null: as the reader decides (idle cores) */
    static Read read(byte[] file, Boolean prefetch) {
        List<NfcapdFlow> flows = new ArrayList<>();
        Rejects rejects = new Rejects("test.nfcapd", null);
        try {
            ByteArrayInputStream in = new ByteArrayInputStream(file);
            long n = prefetch == null ? NfcapdReader.visit(in, f -> flows.add(f.copy()), rejects)
                    : NfcapdReader.visit(in, f -> flows.add(f.copy()), rejects, prefetch);
            return new Read(flows, rejects, n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Read read(Path file) throws IOException {
        return read(Files.readAllBytes(file));
    }

    /** nfdump prints TCP flags only for TCP ("........" otherwise), so the row does too. */
    static String row(NfcapdFlow f) {
        return f.startMillis + "|" + f.endMillis + "|" + f.src() + "|" + f.dst() + "|" + f.srcPort + "|" + f.dstPort
                + "|" + f.protocol + "|" + f.packets + "|" + f.bytes + "|" + (f.protocol == 6 ? f.tcpFlags : 0) + "|" + f.outPackets + "|"
                + f.outBytes + "|" + f.srcAs + "|" + f.dstAs + "|" + f.aggregatedFlows;
    }

    private static final DateTimeFormatter NFDUMP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    /** nfdump's records of {@code file}, in file order, normalised like {@link #row}. */
    static List<String> nfdumpRows(Path nfdump, Path file, Path log) throws Exception {
        return parseNfdumpRows(Tools.run(log, 60, nfdump.toString(), "-r", file.toString(), "-q", "-N", "-6", "-o", NFDUMP_FORMAT));
    }

    /** {@link #NFDUMP_FORMAT} lines as nfdump printed them (TZ=UTC), normalised like {@link #row}. */
    static List<String> parseNfdumpRows(String out) {
        List<String> rows = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.split("\\|");
            assertThat(f).as("nfdump line: %s", line).hasSize(15);
            for (int i = 0; i < f.length; i++) f[i] = f[i].trim();
            rows.add(millis(f[0]) + "|" + millis(f[1]) + "|" + Ip.parse(f[2]) + "|" + Ip.parse(f[3]) + "|" + f[4] + "|"
                    + port(f[5]) + "|" + f[6] + "|" + f[7] + "|" + f[8] + "|" + flags(f[9]) + "|" + f[10] + "|" + f[11] + "|"
                    + f[12] + "|" + f[13] + "|" + f[14]);
        }
        return rows;
    }

    /** nfdump prints an ICMP record's destination port as "type.code"; the record holds type × 256 + code. */
    private static String port(String s) {
        int dot = s.indexOf('.');
        return dot < 0 ? s : String.valueOf(Integer.parseInt(s.substring(0, dot)) * 256 + Integer.parseInt(s.substring(dot + 1)));
    }

    /** nfdump 1.7.8 prints a record without times as "0000-00-00 00:00:00.000". */
    private static long millis(String s) {
        if (s.startsWith("0000-00-00")) return 0;
        return LocalDateTime.parse(s, NFDUMP_TIME).toInstant(ZoneOffset.UTC).toEpochMilli();
    }

    /** nfdump's "CEUAPRSF" string (a dot for each unset flag) back to the bits; later nfdumps print the number. */
    static int flags(String s) {
        if (s.chars().allMatch(Character::isDigit)) return Integer.parseInt(s);
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != '.') v |= 1 << (s.length() - 1 - i);
        }
        return v;
    }

    /**
     * Rewrites an uncompressed nfcapd file with every block compressed by {@code c} (the records stay
     * byte for byte), fixing the appendix offset: how a ZSTD file is made where nfdump 1.7.1 cannot.
     */
    static byte[] recompress(byte[] in, Compression c) {
        ByteBuffer src = ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(in[16]).as("input compression").isZero();
        long appendix = src.getLong(24);
        ByteBuffer out = ByteBuffer.allocate(in.length * 2 + 4096).order(ByteOrder.LITTLE_ENDIAN);
        out.put(in, 0, NfcapdDecoder.FILE_HEADER);
        int p = NfcapdDecoder.FILE_HEADER;
        long newAppendix = 0;
        while (p + NfcapdDecoder.BLOCK_HEADER <= in.length) {
            int n = src.getInt(p), size = src.getInt(p + 4);
            if (p == appendix) newAppendix = out.position();
            byte[] data = new byte[size];
            System.arraycopy(in, p + NfcapdDecoder.BLOCK_HEADER, data, 0, size);
            byte[] z = c.compress(data, size);
            out.putInt(n).putInt(z.length).putShort(src.getShort(p + 8)).putShort(src.getShort(p + 10)).put(z);
            p += NfcapdDecoder.BLOCK_HEADER + size;
        }
        assertThat(p).as("blocks chain to the end of the input").isEqualTo(in.length);
        out.put(16, (byte) c.code);
        out.putLong(24, newAppendix);
        byte[] r = new byte[out.position()];
        out.flip().get(r);
        return r;
    }

    /**
     * An nfdump 1.6 file (layout 1) as its nfcapd wrote them: header, stat record, blocks of type 2 holding
     * extension maps and common records. Record i uses map i % 3: 0 has no optional extensions; 1 has
     * 2-byte interfaces and AS numbers, the "multiple" block, VLANs, 4-byte out counters and flow count;
     * 2 has 4-byte interfaces and AS numbers, a next hop, 8-byte out counters and flow count, received time.
     * Even records use 8-byte packet and byte counters. Values must fit the widths they are written in.
     */
    static byte[] layout1(List<NfcapdFlow> flows, Compression c, int perBlock) {
        int[][] maps = {{}, {4, 6, 8, 13, 14, 16, 18}, {5, 7, 9, 15, 17, 19, 27}};
        int[] mapSize = {0, 4 + 4 + 4 + 4 + 4 + 4 + 4, 8 + 8 + 4 + 8 + 8 + 8 + 8};
        ByteBuffer out = ByteBuffer.allocate(400 + flows.size() * 200).order(ByteOrder.LITTLE_ENDIAN);
        int flag = c == Compression.NONE ? 0 : c == Compression.LZO ? NfcapdDecoder.V1_LZO
                : c == Compression.BZ2 ? NfcapdDecoder.V1_BZ2 : NfcapdDecoder.V1_LZ4;
        out.putShort((short) NfcapdDecoder.MAGIC).putShort((short) 1).putInt(flag).putInt(0);
        byte[] ident = new byte[128];
        System.arraycopy("test".getBytes(), 0, ident, 0, 4);
        out.put(ident);
        out.put(new byte[136]); // stat record
        int blocks = 0;
        for (int from = 0; from < flows.size(); from += perBlock) {
            ByteBuffer blk = ByteBuffer.allocate(perBlock * 200 + 200).order(ByteOrder.LITTLE_ENDIAN);
            int n = 0;
            for (int m = 0; m < maps.length; m++) { // maps repeated in every block, as nfcapd does
                int size = 8 + 2 * (maps[m].length + 1);
                size = (size + 3) & ~3;
                int start = blk.position();
                blk.putShort((short) NfcapdDecoder.EXTENSION_MAP).putShort((short) size).putShort((short) m)
                        .putShort((short) mapSize[m]);
                for (int id : maps[m]) blk.putShort((short) id);
                while (blk.position() < start + size) blk.putShort((short) 0);
                n++;
            }
            for (int i = from; i < Math.min(flows.size(), from + perBlock); i++) {
                NfcapdFlow f = flows.get(i);
                int m = i % 3;
                boolean wide = i % 2 == 0;
                int flags = (f.v6 ? 1 : 0) | (wide ? 2 | 4 : 0);
                int size = NfcapdDecoder.COMMON_HEADER + (f.v6 ? 32 : 8) + (wide ? 16 : 8) + mapSize[m];
                blk.putShort((short) NfcapdDecoder.COMMON_RECORD).putShort((short) size).put((byte) flags).put((byte) 9)
                        .putShort((short) m).putShort((short) (f.startMillis % 1000)).putShort((short) (f.endMillis % 1000))
                        .putInt((int) (f.startMillis / 1000)).putInt((int) (f.endMillis / 1000))
                        .put((byte) 0).put((byte) f.tcpFlags).put((byte) f.protocol).put((byte) 0)
                        .putShort((short) f.srcPort).putShort((short) f.dstPort).putShort((short) 1).put((byte) 0).put((byte) 0);
                if (f.v6) blk.putLong(f.srcHi).putLong(f.srcLo).putLong(f.dstHi).putLong(f.dstLo);
                else blk.putInt(f.src4).putInt(f.dst4);
                if (wide) blk.putLong(f.packets).putLong(f.bytes);
                else blk.putInt((int) f.packets).putInt((int) f.bytes);
                if (m == 1) {
                    blk.putShort((short) 3).putShort((short) 4); // interfaces
                    blk.putShort((short) f.srcAs).putShort((short) f.dstAs);
                    blk.putInt(0x18_00_20_01); // dst tos, dir, masks
                    blk.putShort((short) 10).putShort((short) 20); // VLANs
                    blk.putInt((int) f.outPackets).putInt((int) f.outBytes).putInt((int) f.aggregatedFlows);
                } else if (m == 2) {
                    blk.putInt(3).putInt(4);
                    blk.putInt((int) f.srcAs).putInt((int) f.dstAs);
                    blk.putInt(0x0a000001); // next hop
                    blk.putLong(f.outPackets).putLong(f.outBytes).putLong(f.aggregatedFlows);
                    blk.putLong(f.endMillis); // received
                }
                n++;
            }
            byte[] data = new byte[blk.position()];
            blk.flip().get(data);
            byte[] z = c.compress(data, data.length);
            out.putInt(n).putInt(z.length).putShort((short) 2).putShort((short) 0).put(z);
            blocks++;
        }
        out.putInt(8, blocks);
        byte[] r = new byte[out.position()];
        out.flip().get(r);
        return r;
    }

    /** Offsets of the data blocks of a file (following block sizes from the header). */
    static List<Integer> blockOffsets(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<Integer> offs = new ArrayList<>();
        int p = NfcapdDecoder.FILE_HEADER;
        while (p + NfcapdDecoder.BLOCK_HEADER <= file.length) {
            offs.add(p);
            p += NfcapdDecoder.BLOCK_HEADER + b.getInt(p + 4);
        }
        return offs;
    }
}
