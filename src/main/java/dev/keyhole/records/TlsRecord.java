package dev.keyhole.records;

/** One TLS handshake as seen by a sensor (Zeek ssl.log, Suricata EVE tls). */
public record TlsRecord(long tsMillis, String uid, Ip client, int clientPort, Ip server, int serverPort,
                        String version, String serverName, boolean established) {
}
