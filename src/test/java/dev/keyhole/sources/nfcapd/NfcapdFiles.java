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
    static final String NFDUMP_FORMAT = "fmt:%ts|%te|%sa|%da|%sp|%dp|%pr|%pkt|%byt|%flg|%opkt|%obyt|%sas|%das";

    record Read(List<NfcapdFlow> flows, Rejects rejects, long returned) {
        List<String> messages() {
            return rejects.messages();
        }

        List<String> rows() {
            return flows.stream().map(NfcapdFiles::row).toList();
        }
    }

    static Read read(byte[] file) {
        List<NfcapdFlow> flows = new ArrayList<>();
        Rejects rejects = new Rejects("test.nfcapd", null);
        try {
            long n = NfcapdReader.visit(new ByteArrayInputStream(file), f -> flows.add(f.copy()), rejects);
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
                + f.outBytes + "|" + f.srcAs + "|" + f.dstAs;
    }

    private static final DateTimeFormatter NFDUMP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    /** nfdump's records of {@code file}, in file order, normalised like {@link #row}. */
    static List<String> nfdumpRows(Path nfdump, Path file, Path log) throws Exception {
        String out = Tools.run(log, 60, nfdump.toString(), "-r", file.toString(), "-q", "-N", "-6", "-o", NFDUMP_FORMAT);
        List<String> rows = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.split("\\|");
            assertThat(f).as("nfdump line: %s", line).hasSize(14);
            for (int i = 0; i < f.length; i++) f[i] = f[i].trim();
            rows.add(millis(f[0]) + "|" + millis(f[1]) + "|" + Ip.parse(f[2]) + "|" + Ip.parse(f[3]) + "|" + f[4] + "|"
                    + f[5] + "|" + f[6] + "|" + f[7] + "|" + f[8] + "|" + flags(f[9]) + "|" + f[10] + "|" + f[11] + "|"
                    + f[12] + "|" + f[13]);
        }
        return rows;
    }

    private static long millis(String s) {
        return LocalDateTime.parse(s, NFDUMP_TIME).toInstant(ZoneOffset.UTC).toEpochMilli();
    }

    /** nfdump's "CEUAPRSF" string (a dot for each unset flag) back to the bits. */
    static int flags(String s) {
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
