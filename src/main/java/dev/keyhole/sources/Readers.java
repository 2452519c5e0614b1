package dev.keyhole.sources;

import dev.keyhole.sources.csv.CsvFlowReader;
import dev.keyhole.sources.ipfix.IpfixReader;
import dev.keyhole.sources.suricata.EveReader;
import dev.keyhole.sources.pcap.PcapReader;
import dev.keyhole.sources.nfcapd.NfcapdReader;
import dev.keyhole.sources.packet.Tunnels;
import dev.keyhole.sources.zeek.ZeekReader;

import java.util.EnumMap;
import java.util.Map;

/** The one place that maps a format to its parser. Adding a format = one enum value + one line here. */
public final class Readers {
    private static final Map<InputFormat, RecordReader> READERS = new EnumMap<>(InputFormat.class);

    static {
        READERS.put(InputFormat.IPFIX, new IpfixReader());
        READERS.put(InputFormat.PCAP, new PcapReader());
        READERS.put(InputFormat.PCAPNG, new PcapReader());
        READERS.put(InputFormat.NFCAPD, new NfcapdReader());
        READERS.put(InputFormat.ZEEK_CONN, new ZeekReader(InputFormat.ZEEK_CONN));
        READERS.put(InputFormat.ZEEK_HTTP, new ZeekReader(InputFormat.ZEEK_HTTP));
        READERS.put(InputFormat.ZEEK_SSL, new ZeekReader(InputFormat.ZEEK_SSL));
        READERS.put(InputFormat.ZEEK_DNS, new ZeekReader(InputFormat.ZEEK_DNS));
        READERS.put(InputFormat.CSV_FLOW, new CsvFlowReader());
        READERS.put(InputFormat.SURICATA_EVE, new EveReader());
    }

    private Readers() {}

    public static RecordReader forFormat(InputFormat f) {
        return READERS.get(f);
    }

    /**
     * The parser of {@code f}; captures of flow export age their templates by {@code templateLifetimeMillis}
     * of capture time (0: never) as {@code keyhole collect} does.
     */
    public static RecordReader forFormat(InputFormat f, long templateLifetimeMillis) {
        return forFormat(f, templateLifetimeMillis, Tunnels.NONE);
    }

    /** As above, opening {@code tunnels} in the packet samples of flow exports (captures and IPFIX files). */
    public static RecordReader forFormat(InputFormat f, long templateLifetimeMillis, Tunnels tunnels) {
        boolean capture = f == InputFormat.PCAP || f == InputFormat.PCAPNG;
        if (capture && (templateLifetimeMillis != PcapReader.DEFAULT_TEMPLATE_LIFETIME_MILLIS || tunnels.any())) {
            return new PcapReader(templateLifetimeMillis, tunnels);
        }
        if (f == InputFormat.IPFIX && tunnels.any()) return new IpfixReader(tunnels);
        return READERS.get(f);
    }
}
