package dev.keyhole.records;

/**
 * Where a parser sends what it reads. A parser calls exactly one method per record; the sink
 * decides what to keep. Default methods drop the record so a sink only implements what it needs.
 */
public interface RecordSink {
    default void flow(FlowRecord f) {}

    default void http(HttpRecord h) {}

    default void tls(TlsRecord t) {}

    default void dns(DnsRecord d) {}
}
