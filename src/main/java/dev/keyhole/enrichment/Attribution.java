package dev.keyhole.enrichment;

/**
 * What enrichment attributes a flow's remote end and service to: the remote end's country, city
 * and AS, and the service with its company, category and country. {@link Enricher} hands out one
 * shared instance per remote answer and service, so the flows of a service to a network share
 * one: a flow carries a reference instead of ten values, and the store codes its seven text
 * columns once per instance instead of once per row.
 *
 * @param service        catalogue service id (e.g. "youku"), or "as:NNNN" when only the ASN is known
 * @param serviceName    human name of the service or the AS organisation
 * @param serviceCountry the service's country, else the remote end's
 */
public record Attribution(String remoteCountry, String remoteCity, long remoteAsn, String remoteAsOrg, String service,
                          String serviceName, String company, Category category, String serviceCountry, Origin origin) {
    /** Nothing known (flows outside the target's scope). */
    public static final Attribution NONE = new Attribution(null, null, 0, null, null, null, null, null, null, null);
}
