package dev.keyhole.enrichment;

/**
 * Which side of a conversation the target is on. The client is the originator when the source
 * says so (Zeek conn, biflows); otherwise the side that is not on a service port.
 */
public enum Direction {
    /** A target host is the client: the target using the internet. */
    OUTBOUND,
    /** A target host is the server: the internet reaching the target. */
    INBOUND,
    /** Both ends inside the target. */
    INTERNAL,
    /** Neither end inside the target; counted, not analysed. */
    OUT_OF_SCOPE
}
