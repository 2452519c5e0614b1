package dev.keyhole.records;

/** Where the name attached to a flow came from, in order of trust. */
public enum NameSource {
    /** TLS SNI of the same connection (Zeek ssl.log by uid). */
    SNI,
    /** HTTP Host header of the same connection (Zeek http.log by uid). */
    HTTP_HOST,
    /** A DNS answer the same client received for this destination within the naming window. */
    DNS,
    /** No name: enrichment falls back to the destination's ASN / organisation. */
    NONE
}
