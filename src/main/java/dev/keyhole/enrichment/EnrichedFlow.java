package dev.keyhole.enrichment;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;

/**
 * A flow with everything enrichment knows about it. {@code client}/{@code server} are the two
 * ends as decided by {@link Direction}; {@code remote*} fields describe the end outside the target.
 *
 * @param conversation true when this record opens a conversation (client-to-server or bi-directional);
 *                     server-to-client halves of uni-directional exports add bytes but not a flow count
 * @param service      catalogue service id (e.g. "youku"), or "as:NNNN" when only the ASN is known
 * @param serviceName  human name of the service or the AS organisation
 */
public record EnrichedFlow(
        FlowRecord flow,
        Direction direction,
        boolean conversation,
        Ip local,
        Ip remote,
        int serverPort,
        String name,
        String remoteCountry,
        String remoteCity,
        long remoteAsn,
        String remoteAsOrg,
        String service,
        String serviceName,
        String company,
        Category category,
        String serviceCountry,
        Origin origin,
        Obfuscation obfuscation) {

    public boolean inScope() {
        return direction != Direction.OUT_OF_SCOPE;
    }
}
