package dev.keyhole.records;

/** One HTTP request as seen by a sensor (Zeek http.log, Suricata EVE http). */
public record HttpRecord(long tsMillis, String uid, Ip client, int clientPort, Ip server, int serverPort,
                         String method, String host, String uri, String userAgent, int statusCode) {
}
