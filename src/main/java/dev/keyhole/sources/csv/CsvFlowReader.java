package dev.keyhole.sources.csv;

import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.RecordReader;
import dev.keyhole.sources.Rejects;

import java.io.IOException;
import java.io.InputStream;

/** Reads Keyhole's documented CSV flow format (docs/formats.md). */
public final class CsvFlowReader implements RecordReader {
    @Override
    public long read(InputStream in, RecordSink sink, Rejects rejects) throws IOException {
        throw new UnsupportedOperationException("CSV reader pending");
    }
}
