package dev.keyhole.refdata;

/** An autonomous system number and the organisation that holds it. */
public record AsnInfo(long asn, String org) {
}
