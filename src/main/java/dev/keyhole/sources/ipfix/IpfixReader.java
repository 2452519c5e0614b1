package dev.keyhole.sources.ipfix;

import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.RecordReader;
import dev.keyhole.sources.Rejects;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads IPFIX files (RFC 5655: a stream of RFC 7011 messages) into flows. Templates are kept per
 * observation domain and template id for the whole stream; options data (sampling, system init time)
 * informs decoding but is never emitted as flows. Damaged input is reported to {@link Rejects} with its
 * file offset and skipped; see docs/formats/ipfix.md for what is read and how damage is handled.
 */
public final class IpfixReader implements RecordReader {
    private final dev.keyhole.sources.packet.Tunnels tunnels;

    public IpfixReader() {
        this(dev.keyhole.sources.packet.Tunnels.NONE);
    }

    /** @param tunnels the tunnels opened in packet samples (data link / IP header sections) */
    public IpfixReader(dev.keyhole.sources.packet.Tunnels tunnels) {
        this.tunnels = tunnels;
    }

    @Override
    public long read(InputStream in, RecordSink sink, Rejects rejects) throws IOException {
        return new IpfixDecoder(in, sink, rejects, tunnels).run();
    }
}
