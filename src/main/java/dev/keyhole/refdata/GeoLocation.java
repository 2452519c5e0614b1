package dev.keyhole.refdata;

/**
 * Where an address is, as far as the geo database knows.
 *
 * @param country   ISO 3166-1 alpha-2 code, null if unknown
 * @param city      English city name, null if unknown
 * @param latitude  degrees, NaN if unknown
 * @param longitude degrees, NaN if unknown
 */
public record GeoLocation(String country, String city, double latitude, double longitude) {
}
