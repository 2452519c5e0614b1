package dev.keyhole.sources.csv;

import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.InputFormat;
import dev.keyhole.sources.RecordReader;
import dev.keyhole.sources.Rejects;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/** Reads Keyhole's documented CSV flow format (docs/formats.md). */
public final class CsvFlowReader implements RecordReader {
    @Override
    public long read(InputStream in, RecordSink sink, Rejects rejects) throws IOException {
        throw new UnsupportedOperationException("CSV reader pending");
    }

    /** Recognises this format from the first bytes of a file. */
    public static Optional<InputFormat> sniff(byte[] head) {
        return Optional.empty();
    }
}
