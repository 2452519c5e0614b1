package dev.keyhole.refdata;

import com.maxmind.db.CHMCache;
import com.maxmind.db.DatabaseRecord;
import com.maxmind.db.InvalidNetworkException;
import com.maxmind.db.Networks;
import com.maxmind.db.Reader;
import dev.keyhole.records.Ip;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * ASN data from a MaxMind GeoLite2-ASN / GeoIP2-ISP style MMDB
 * ({@code autonomous_system_number}, {@code autonomous_system_organization}).
 */
public final class MmdbAsnLookup implements AsnLookup {
    private final Reader reader;
    private final Path file;
    private final AtomicLong errors = new AtomicLong();

    private MmdbAsnLookup(Reader reader, Path file) {
        this.reader = reader;
        this.file = file;
    }

    public static MmdbAsnLookup open(Path file) throws IOException {
        return new MmdbAsnLookup(new Reader(file.toFile(), new CHMCache()), file);
    }

    @Override
    public AsnInfo lookup(Ip ip) {
        try {
            return toInfo(reader.get(ip.toInetAddress(), Map.class));
        } catch (IOException | RuntimeException e) {
            // A corrupt record must not stop a run: the address just has no ASN
            errors.incrementAndGet();
            return null;
        }
    }

    @Override
    public boolean uniformV4Block(int v4, int prefixLen) {
        try {
            var rec = reader.getRecord(dev.keyhole.records.Ip.ofV4(v4).toInetAddress(), Map.class);
            return rec.getNetwork() != null && GeoLookup.v4Prefix(rec.getNetwork().getPrefixLength(),
                    reader.getMetadata().getIpVersion()) <= prefixLen;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static AsnInfo toInfo(Map<?, ?> m) {
        if (m == null || !(m.get("autonomous_system_number") instanceof Number n)) return null;
        Object org = m.get("autonomous_system_organization");
        return new AsnInfo(n.longValue(), org == null ? null : org.toString());
    }

    /** Walks the whole database, so it costs about a second; meant for setup, not per flow. */
    @Override
    public List<long[]> rangesOf(long asn) {
        List<long[]> out = new ArrayList<>();
        for (long[] r : walk(asn)) {
            if (r.length != 2) continue;
            long[] prev = out.isEmpty() ? null : out.get(out.size() - 1);
            if (prev != null && prev[1] + 1 == r[0]) prev[1] = r[1];
            else out.add(r.clone());
        }
        return out;
    }

    @Override
    public List<long[]> rangesOfV6(long asn) {
        List<long[]> out = new ArrayList<>();
        for (long[] r : walk(asn)) if (r.length == 4) out.add(r);
        return out;
    }

    // The last walk: rangesOf and rangesOfV6 are asked in turn for the same ASN, and a walk costs ~1 s.
    private long walkedAsn = -1;
    private List<long[]> walked;

    @SuppressWarnings("rawtypes")
    private synchronized List<long[]> walk(long asn) {
        if (asn == walkedAsn) return walked;
        List<long[]> out = new ArrayList<>();
        try {
            Networks<Map> it = reader.networks(false, Map.class);
            while (it.hasNext()) {
                DatabaseRecord<Map> rec = it.next();
                AsnInfo info = toInfo(rec.getData());
                if (info == null || info.asn() != asn) continue;
                out.add(bounds(rec.getNetwork().getNetworkAddress(), rec.getNetwork().getPrefixLength()));
            }
        } catch (IOException | InvalidNetworkException e) {
            throw new UncheckedIOException(file + ": cannot walk networks: " + e.getMessage(),
                    e instanceof IOException io ? io : new IOException(e));
        }
        walkedAsn = asn;
        walked = out;
        return out;
    }

    /** {first, last} for IPv4 (also when stored in the ::/96 subtree), {firstHi, firstLo, lastHi, lastLo} for IPv6. */
    static long[] bounds(InetAddress net, int prefix) {
        Ip ip = Ip.ofBytes(net.getAddress());
        boolean v4 = ip.isV4();
        if (!v4 && ip.hi() == 0 && (ip.lo() >>> 32) == 0 && prefix >= 96) {
            ip = Ip.ofV4((int) ip.lo());
            prefix -= 96;
            v4 = true;
        }
        if (v4) {
            long first = ip.v4() & 0xffff_ffffL;
            long size = 1L << (32 - prefix);
            return new long[] {first, first + size - 1};
        }
        int host = 128 - prefix;
        long hiMask = host >= 64 ? (host >= 128 ? -1L : (1L << (host - 64)) - 1) : 0;
        long loMask = host >= 64 ? -1L : (host == 0 ? 0 : (1L << host) - 1);
        return new long[] {ip.hi(), ip.lo(), ip.hi() | hiMask, ip.lo() | loMask};
    }

    @Override
    public List<Path> files() {
        return List.of(file);
    }

    public com.maxmind.db.Metadata metadata() {
        return reader.getMetadata();
    }

    /** Lookups that failed on a corrupt record. */
    public long errors() {
        return errors.get();
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
