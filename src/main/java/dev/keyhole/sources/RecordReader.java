package dev.keyhole.sources;

import dev.keyhole.records.RecordSink;

import java.io.IOException;
import java.io.InputStream;

/**
 * A parser for one input format. It reads the whole stream, sends each valid record to the sink,
 * reports every invalid part to {@code rejects} (with offset or line) and carries on after it.
 * It throws only for I/O failures of the stream itself. Implementations are stateless and
 * thread-safe: one instance may read many files at once.
 */
public interface RecordReader {
    /**
     * @return the number of records sent to the sink
     */
    long read(InputStream in, RecordSink sink, Rejects rejects) throws IOException;
}
