package dev.keyhole.sources.nfcapd;

import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.lzo.LzoCompressor;
import io.airlift.compress.lzo.LzoDecompressor;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The file header's compression field (fileHeaderV2_t.compression): every data block of a file is
 * compressed the same way, as one unit. LZO is raw LZO1X (nfdump uses minilzo's lzo1x_1), LZ4 a raw
 * block (LZ4_compress_default), ZSTD one frame, BZ2 one bzip2 stream.
 */
public enum Compression {
    NONE(0), LZO(1), BZ2(2), LZ4(3), ZSTD(4);

    public final int code;

    Compression(int code) {
        this.code = code;
    }

    /** The compression for a header code, or null if nfdump defines none with that code. */
    public static Compression of(int code) {
        for (Compression c : values()) {
            if (c.code == code) return c;
        }
        return null;
    }

    /**
     * Decompresses one block into {@code out}; returns the decompressed length, or -1 if it does not fit.
     * Throws {@link RuntimeException} (the libraries' own) on malformed input.
     */
    int decompress(Codecs c, byte[] in, int off, int len, byte[] out) {
        switch (this) {
            case NONE:
                if (len > out.length) return -1;
                System.arraycopy(in, off, out, 0, len);
                return len;
            case LZO:
                return c.lzo.decompress(in, off, len, out, 0, out.length);
            case LZ4:
                return c.lz4.decompress(in, off, len, out, 0, out.length);
            case ZSTD:
                return c.zstd.decompress(in, off, len, out, 0, out.length);
            case BZ2:
                return bunzip(in, off, len, out);
            default:
                throw new IllegalStateException();
        }
    }

    private static int bunzip(byte[] in, int off, int len, byte[] out) {
        try (InputStream bz = new BZip2CompressorInputStream(new ByteArrayInputStream(in, off, len), false)) {
            int n = bz.readNBytes(out, 0, out.length);
            if (n == out.length && bz.read() >= 0) return -1;
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Compresses {@code len} bytes into a new array (the writer's side). */
    byte[] compress(byte[] in, int len) {
        switch (this) {
            case NONE: {
                byte[] r = new byte[len];
                System.arraycopy(in, 0, r, 0, len);
                return r;
            }
            case LZO:
                return run(new LzoCompressor(), in, len);
            case LZ4:
                return run(new Lz4Compressor(), in, len);
            case ZSTD:
                return run(new ZstdCompressor(), in, len);
            case BZ2: {
                ByteArrayOutputStream bo = new ByteArrayOutputStream(len / 4 + 64);
                try (BZip2CompressorOutputStream bz = new BZip2CompressorOutputStream(bo, 9)) {
                    bz.write(in, 0, len);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return bo.toByteArray();
            }
            default:
                throw new IllegalStateException();
        }
    }

    private static byte[] run(io.airlift.compress.Compressor c, byte[] in, int len) {
        byte[] out = new byte[c.maxCompressedLength(len)];
        int n = c.compress(in, 0, len, out, 0, out.length);
        byte[] r = new byte[n];
        System.arraycopy(out, 0, r, 0, n);
        return r;
    }

    /** Per-reader decompressor instances (they keep internal state, so one set per thread). */
    static final class Codecs {
        final LzoDecompressor lzo = new LzoDecompressor();
        final Lz4Decompressor lz4 = new Lz4Decompressor();
        final ZstdDecompressor zstd = new ZstdDecompressor();
    }
}
