package dev.keyhole.simulate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;
import java.util.function.LongPredicate;

/**
 * IPv4 ranges announced by an ASN, as inclusive [start, end] pairs of unsigned addresses, sorted.
 * The simulator draws server addresses from these so that ASN enrichment of its output finds the
 * service's real network.
 */
public interface AsnRanges {
    List<long[]> rangesOf(long asn);

    /** Where the ranges come from, for truth.json. */
    String source();

    /**
     * The excerpt of @ip-location-db/asn bundled with the simulator (asn-snapshot.csv): the same
     * seed gives the same addresses on every machine, whatever reference data is installed.
     */
    static AsnRanges snapshot() {
        TreeMap<Long, List<long[]>> m = new TreeMap<>();
        try (InputStream in = AsnRanges.class.getResourceAsStream("/dev/keyhole/simulate/asn-snapshot.csv")) {
            if (in == null) throw new IllegalStateException("asn-snapshot.csv missing from the classpath");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isEmpty() || line.charAt(0) == '#') continue;
                String[] f = line.split(",");
                m.computeIfAbsent(Long.parseLong(f[2]), k -> new ArrayList<>())
                        .add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])});
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new AsnRanges() {
            @Override
            public List<long[]> rangesOf(long asn) {
                return Collections.unmodifiableList(m.getOrDefault(asn, List.of()));
            }

            @Override
            public String source() {
                return "bundled excerpt of @ip-location-db/asn 2.3.2026061719 (CC BY 4.0, RouteViews, DB-IP, NRO)";
            }
        };
    }

    /**
     * Keeps only addresses the installed reference data also maps to the ASN, so that a newer
     * ASN data set never sees a simulated address in a network that changed hands.
     *
     * @param sameAsn tells whether an address still belongs to the ASN being asked for
     */
    static AsnRanges checked(AsnRanges base, String liveSource, java.util.function.LongFunction<LongPredicate> sameAsn) {
        return new AsnRanges() {
            @Override
            public List<long[]> rangesOf(long asn) {
                LongPredicate ok = sameAsn.apply(asn);
                List<long[]> out = new ArrayList<>();
                for (long[] r : base.rangesOf(asn)) {
                    // A range is kept when both ends and its middle still map to the ASN.
                    if (ok.test(r[0]) && ok.test(r[1]) && ok.test((r[0] + r[1]) >>> 1)) out.add(r);
                }
                return out;
            }

            @Override
            public String source() {
                return base.source() + "; checked against " + liveSource;
            }
        };
    }
}
