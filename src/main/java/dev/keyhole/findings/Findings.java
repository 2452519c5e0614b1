package dev.keyhole.findings;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.ArrayList;
import java.util.List;

/**
 * The versioned result of an analysis run: what findings.json holds, what every output renders.
 * Outputs compute nothing; everything they show is in here. Documented in docs/findings.md.
 */
@JsonPropertyOrder({"schema", "generatedAt", "profile", "settings", "inputs", "totals", "referenceData", "activityMix",
        "patternOfLife", "opsec", "judgments"})
public final class Findings {
    public static final String SCHEMA = "keyhole.findings/1";

    public String schema = SCHEMA;
    public String generatedAt;
    public ProfileInfo profile;
    public Settings settings;
    public List<InputInfo> inputs = new ArrayList<>();
    public Totals totals;
    public List<ReferenceDataset> referenceData = new ArrayList<>();
    public ActivityMix activityMix;
    public PatternOfLife patternOfLife;
    public Opsec opsec;
    public List<Judgment> judgments = new ArrayList<>();

    public record ProfileInfo(String name, List<String> cidrs, List<Long> asns, String timezone, List<String> weekend,
                              List<PeriodInfo> periods, boolean monthlyPeriods) {}

    /**
     * The options of the run that change what is counted, so two findings files can be told apart
     * by more than their inputs. Absent (null) in files written before it existed.
     */
    public record Settings(String keyhole, String format, String decap, long dnsWindowSeconds, long maxNames,
                           long templateLifetimeSeconds) {}

    public record PeriodInfo(String name, String from, String to) {}

    public record InputInfo(String path, String format, long records, long rejected, List<String> errors) {}

    /** A reference data set in use (MMDB, ASN ranges, catalogue), with its version and licence. */
    public record ReferenceDataset(String kind, String path, String source, String version, String licence) {}

    public record Totals(long flowRecords, long inScopeRecords, long conversations, long outbound, long inbound,
                         long internal, long outOfScope, long bytes, NamedBy namedBy, long distinctLocalHosts,
                         long distinctRemoteHosts) {}

    /** Of the in-scope conversations, how many got their name from each source. */
    public record NamedBy(long sni, long httpHost, long dns, long none) {}
}
