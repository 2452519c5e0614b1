package dev.keyhole.sources;

/** Every input format Keyhole reads; the id is what findings.json and --format use. */
public enum InputFormat {
    IPFIX("ipfix", true, false),
    NFCAPD("nfcapd", true, false),
    /** Captures of NetFlow v5/v9 and IPFIX export traffic (UDP). */
    PCAP("pcap", true, false),
    PCAPNG("pcapng", true, false),
    ZEEK_CONN("zeek-conn", true, false),
    ZEEK_HTTP("zeek-http", false, true),
    ZEEK_SSL("zeek-ssl", false, true),
    ZEEK_DNS("zeek-dns", false, true),
    CSV_FLOW("csv", true, false),
    /** Suricata EVE JSON: one file mixes flow events with the http/tls/dns events that name them. */
    SURICATA_EVE("suricata-eve", true, true);

    private final String id;
    private final boolean flows;
    private final boolean names;

    InputFormat(String id, boolean flows, boolean names) {
        this.id = id;
        this.flows = flows;
        this.names = names;
    }

    public String id() {
        return id;
    }

    /** True for formats that carry flows; they are read in the engine's second pass. */
    public boolean carriesFlows() {
        return flows;
    }

    /** True for formats that carry names for flows (http/tls/dns); they are read in the first pass. */
    public boolean carriesNames() {
        return names;
    }
}
