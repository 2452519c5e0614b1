package dev.keyhole.enrichment;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;

/**
 * A flow with everything enrichment knows about it. {@code local}/{@code remote} are the target's
 * end and the other one, as decided by {@link Direction}; what the remote end and the service are
 * is in {@link Attribution}, shared with the other flows that have the same answers.
 *
 * @param conversation true when this record opens a conversation (client-to-server or bi-directional);
 *                     server-to-client halves of uni-directional exports add bytes but not a flow count
 * @param attribution  never null ({@link Attribution#NONE} when nothing is known)
 */
public record EnrichedFlow(
        FlowRecord flow,
        Direction direction,
        boolean conversation,
        Ip local,
        Ip remote,
        int serverPort,
        String name,
        Attribution attribution,
        Obfuscation obfuscation) {

    public EnrichedFlow {
        if (attribution == null) attribution = Attribution.NONE;
    }

    /** With the attribution's values one by one (a new {@link Attribution} each: for flows made outside {@link Enricher}). */
    public EnrichedFlow(FlowRecord flow, Direction direction, boolean conversation, Ip local, Ip remote, int serverPort,
                        String name, String remoteCountry, String remoteCity, long remoteAsn, String remoteAsOrg,
                        String service, String serviceName, String company, Category category, String serviceCountry,
                        Origin origin, Obfuscation obfuscation) {
        this(flow, direction, conversation, local, remote, serverPort, name, new Attribution(remoteCountry, remoteCity,
                remoteAsn, remoteAsOrg, service, serviceName, company, category, serviceCountry, origin), obfuscation);
    }

    public boolean inScope() {
        return direction != Direction.OUT_OF_SCOPE;
    }

    public String remoteCountry() {
        return attribution.remoteCountry();
    }

    public String remoteCity() {
        return attribution.remoteCity();
    }

    public long remoteAsn() {
        return attribution.remoteAsn();
    }

    public String remoteAsOrg() {
        return attribution.remoteAsOrg();
    }

    /** Catalogue service id (e.g. "youku"), or "as:NNNN" when only the ASN is known. */
    public String service() {
        return attribution.service();
    }

    /** Human name of the service or the AS organisation. */
    public String serviceName() {
        return attribution.serviceName();
    }

    public String company() {
        return attribution.company();
    }

    public Category category() {
        return attribution.category();
    }

    public String serviceCountry() {
        return attribution.serviceCountry();
    }

    public Origin origin() {
        return attribution.origin();
    }
}
