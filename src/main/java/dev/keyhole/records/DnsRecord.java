package dev.keyhole.records;

import java.util.List;

/** One DNS query and the address answers it received (Zeek dns.log, Suricata EVE dns). */
public record DnsRecord(long tsMillis, String uid, Ip client, Ip resolver, String query, String qtype,
                        List<Ip> answers) {
}
