package dev.keyhole.enrichment.scope;

import dev.keyhole.profile.TargetProfile;
import dev.keyhole.records.Ip;
import dev.keyhole.refdata.AsnLookup;

import java.util.ArrayList;
import java.util.List;

/**
 * Which addresses belong to the target: inside one of the profile's CIDRs, or announced by one of
 * its ASNs. ASN membership is resolved once, at construction, by adding every range the ASN data
 * gives for those ASNs to the same prefix table, so a membership test is a single lookup with no
 * per-address ASN search. Immutable and thread-safe.
 */
public final class TargetScope {
    private final PrefixTrie<Boolean> trie;
    private final List<String> notes;

    private TargetScope(PrefixTrie<Boolean> trie, List<String> notes) {
        this.trie = trie;
        this.notes = List.copyOf(notes);
    }

    /**
     * @param asn needed when the profile lists ASNs; may be null otherwise
     */
    public static TargetScope of(TargetProfile profile, AsnLookup asn) {
        PrefixTrie.Builder<Boolean> b = PrefixTrie.builder();
        List<String> notes = new ArrayList<>();
        for (String c : profile.cidrs()) {
            try {
                b.put(c, Boolean.TRUE);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("profile " + profile.name() + ": bad CIDR '" + c + "': " + e.getMessage());
            }
        }
        if (!profile.asns().isEmpty() && asn == null) {
            throw new IllegalArgumentException("profile " + profile.name() + " lists ASNs " + profile.asns()
                    + " but no ASN data is available to resolve them");
        }
        for (long a : profile.asns()) {
            List<long[]> v4 = asn.rangesOf(a);
            List<long[]> v6 = asn.rangesOfV6(a);
            for (long[] r : v4) b.putRange(Ip.ofV4((int) r[0]), Ip.ofV4((int) r[1]), Boolean.TRUE);
            for (long[] r : v6) b.putRange(Ip.ofV6(r[0], r[1]), Ip.ofV6(r[2], r[3]), Boolean.TRUE);
            notes.add("AS" + a + ": " + v4.size() + " IPv4 and " + v6.size() + " IPv6 ranges in the ASN data");
        }
        return new TargetScope(b.build(), notes);
    }

    /** A scope of plain CIDRs, for tests and ad-hoc use. */
    public static TargetScope ofCidrs(List<String> cidrs) {
        PrefixTrie.Builder<Boolean> b = PrefixTrie.builder();
        for (String c : cidrs) b.put(c, Boolean.TRUE);
        return new TargetScope(b.build(), List.of());
    }

    public boolean contains(Ip ip) {
        return ip.isV4() ? trie.getV4(ip.v4()) != null : trie.getV6(ip.hi(), ip.lo()) != null;
    }

    /** {@link #contains} for an IPv4 address as an int, for allocation-free fast paths. */
    public boolean containsV4(int address) {
        return trie.getV4(address) != null;
    }

    /** {@link #contains} for an IPv6 address as two 64-bit halves. */
    public boolean containsV6(long hi, long lo) {
        if (hi == 0 && (lo >>> 32) == 0xffffL) return containsV4((int) lo); // IPv4-mapped, as Ip stores IPv4
        return trie.getV6(hi, lo) != null;
    }

    /** What the ASN expansion found, one line per ASN, for logs and findings. */
    public List<String> notes() {
        return notes;
    }

    /** Disjoint address ranges making up the scope. */
    public int rangeCount() {
        return trie.rangeCount();
    }
}
