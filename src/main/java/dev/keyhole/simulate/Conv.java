package dev.keyhole.simulate;

/**
 * One generated event: a conversation (both directions of a connection) or an internal DNS
 * transaction. Mutable and pooled: the generator reuses these for every half-hour slot.
 */
final class Conv {
    static final int OUT = 0, IN = 1, DNS = 2;
    static final int SF = 0, S0 = 1, REJ = 2, RSTO = 3, RSTR = 4;
    static final String[] STATES = {"SF", "S0", "REJ", "RSTO", "RSTR"};
    /** Truth classes of obfuscation (0 = plain), in the order of Obfuscation's enum names. */
    static final int PLAIN = 0, VPN = 1, VPS = 2, TLS = 3, TOR = 4;

    int kind;
    long seq;
    long ts;        // microseconds UTC
    long dur;       // microseconds
    long rtt;       // microseconds
    int proto;
    int src, sport, dst, dport;
    long origBytes, respBytes, origPkts, respPkts, origIp, respIp;
    int state;
    int app;
    int service = -1;
    int obf;
    int device = -1;
    int user = -1;
    World.Ep ep;
    String host;     // SNI, HTTP Host or DNS query
    String ua;       // HTTP User-Agent
    int requests;    // HTTP requests on the connection
    boolean resumed;
    String certs;    // cert_chain_fps, null = unset
    String cipher, curve, nextProto, tlsVersion;
    // DNS transaction
    int qtype;
    final int[] answers = new int[8];
    int nAnswers;
    int ttl;
    int transId;
    int rcode;

    void reset() {
        ts = dur = rtt = 0;
        origBytes = respBytes = origPkts = respPkts = origIp = respIp = 0;
        state = SF;
        qtype = 0;
        ttl = 0;
        service = -1;
        obf = PLAIN;
        device = -1;
        user = -1;
        ep = null;
        host = null;
        ua = null;
        requests = 0;
        resumed = false;
        certs = null;
        cipher = curve = nextProto = tlsVersion = null;
        nAnswers = 0;
        rcode = 0;
        app = World.APP_NONE;
    }
}
