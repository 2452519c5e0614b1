package dev.keyhole.analyses;

import dev.keyhole.enrichment.Category;
import dev.keyhole.enrichment.Direction;
import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.enrichment.Obfuscation;
import dev.keyhole.enrichment.Origin;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.NameSource;

import java.time.Instant;

/** Builds enriched flows with chosen attributes, for analyses tested apart from enrichment. */
final class Flows {
    static final Ip LOCAL = Ip.parse("175.45.178.10");
    static final Ip REMOTE = Ip.parse("203.0.113.5");

    private Flows() {}

    static EnrichedFlow out(String utc, String service, Category cat, Origin origin, Obfuscation obf, long bytes) {
        long t = Instant.parse(utc).toEpochMilli();
        FlowRecord r = new FlowRecord(t, t + 1000, LOCAL, REMOTE, 50000, 443, 6, 0x1b, 10, bytes, 0, 0, false, 0, 0, null,
                null, NameSource.NONE);
        return new EnrichedFlow(r, Direction.OUTBOUND, true, LOCAL, REMOTE, 443, null, "US", null, 64500, "Example",
                service, service, service + " Inc", cat, "US", origin, obf);
    }

    static EnrichedFlow out(String utc, Category cat) {
        return out(utc, "svc-" + cat.id(), cat, Origin.WESTERN, Obfuscation.PLAIN, 100);
    }

    static EnrichedFlow withDirection(EnrichedFlow f, Direction d, boolean conversation) {
        return new EnrichedFlow(f.flow(), d, conversation, f.local(), f.remote(), f.serverPort(), f.name(),
                f.remoteCountry(), f.remoteCity(), f.remoteAsn(), f.remoteAsOrg(), f.service(), f.serviceName(),
                f.company(), f.category(), f.serviceCountry(), f.origin(), f.obfuscation());
    }
}
