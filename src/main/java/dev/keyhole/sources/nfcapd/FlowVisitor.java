package dev.keyhole.sources.nfcapd;

/** Receives every flow of an nfcapd file; the instance is reused, so copy what must outlive the call. */
@FunctionalInterface
public interface FlowVisitor {
    void flow(NfcapdFlow f);
}
