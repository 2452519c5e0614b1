package dev.keyhole.sources.ipfix;

import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.RecordReader;
import dev.keyhole.sources.Rejects;

import java.io.IOException;
import java.io.InputStream;

/** Reads IPFIX files (RFC 5655: a stream of RFC 7011 messages). */
public final class IpfixReader implements RecordReader {
    @Override
    public long read(InputStream in, RecordSink sink, Rejects rejects) throws IOException {
        throw new UnsupportedOperationException("IPFIX reader pending");
    }
}
