package dev.keyhole.sources;

/** Every input format Keyhole reads; the id is what findings.json and --format use. */
public enum InputFormat {
    IPFIX("ipfix", true),
    NFCAPD("nfcapd", true),
    ZEEK_CONN("zeek-conn", true),
    ZEEK_HTTP("zeek-http", false),
    ZEEK_SSL("zeek-ssl", false),
    ZEEK_DNS("zeek-dns", false),
    CSV_FLOW("csv", true);

    private final String id;
    private final boolean flows;

    InputFormat(String id, boolean flows) {
        this.id = id;
        this.flows = flows;
    }

    public String id() {
        return id;
    }

    /** True for formats that carry flows; the others carry names and are read first. */
    public boolean carriesFlows() {
        return flows;
    }
}
