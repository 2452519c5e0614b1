package dev.keyhole.cli;

import dev.keyhole.sources.packet.Tunnels;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/** {@code --decap}: the tunnels opened in flow exports' packet samples; shared by collect, analyze and top. */
public final class DecapOption {
    @Option(names = "--decap", defaultValue = "none", paramLabel = "TUNNELS", converter = Parse.class,
            description = "Packet samples (sFlow raw headers, IPFIX/v9 packet sections): count the packet inside "
                    + "these tunnels instead of the tunnel: none, all, or a list of vxlan (UDP 4789), gre, ipip "
                    + "(IPv4/IPv6 in IPv4/IPv6, SRv6 included), geneve (UDP 6081), erspan (mirrored copies in GRE; "
                    + "not part of all: all,erspan). Samples that are not such a tunnel are counted as they "
                    + "are (default ${DEFAULT-VALUE}).")
    Tunnels tunnels = Tunnels.NONE;

    static final class Parse implements ITypeConverter<Tunnels> {
        @Override
        public Tunnels convert(String value) {
            return Tunnels.parse(value);
        }
    }
}
