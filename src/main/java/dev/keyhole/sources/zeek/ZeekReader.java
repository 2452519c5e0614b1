package dev.keyhole.sources.zeek;

import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.InputFormat;
import dev.keyhole.sources.RecordReader;
import dev.keyhole.sources.Rejects;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/** Reads Zeek conn/http/ssl/dns logs, TSV (with #fields) or JSON lines. */
public final class ZeekReader implements RecordReader {
    private final InputFormat kind;

    public ZeekReader(InputFormat kind) {
        this.kind = kind;
    }

    @Override
    public long read(InputStream in, RecordSink sink, Rejects rejects) throws IOException {
        throw new UnsupportedOperationException("Zeek reader pending for " + kind);
    }

    /** Recognises this format from the first bytes of a file. */
    public static Optional<InputFormat> sniff(byte[] head) {
        return Optional.empty();
    }
}
