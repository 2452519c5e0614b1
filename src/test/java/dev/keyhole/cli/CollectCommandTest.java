package dev.keyhole.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CollectCommandTest {
    @Test
    void rotationPeriods() {
        assertThat(CollectCommand.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(CollectCommand.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(CollectCommand.parseDuration("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(CollectCommand.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(CollectCommand.parseDuration("PT15M")).isEqualTo(Duration.ofMinutes(15));
        for (String bad : new String[] {"", "5", "m5", "0m", "5x", "5m junk", "PT0S", "PT0.5S", "PT-5M", "PTx"}) {
            assertThatThrownBy(() -> CollectCommand.parseDuration(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void templateLifetimes() {
        assertThat(CollectCommand.parseLifetime("90m")).isEqualTo(Duration.ofMinutes(90));
        for (String never : new String[] {" 0 ", "0s", "0m", "PT0S"}) {
            assertThat(CollectCommand.parseLifetime(never)).as(never).isZero();
        }
        // Too large for milliseconds in a long once failed with "long overflow" and a stack trace.
        for (String bad : new String[] {"-5m", "PT0.5S", "PT-5M", "5x", "200000000000d", "99999999999999999999d",
                "PT9999999999999999H"}) {
            assertThatThrownBy(() -> CollectCommand.parseLifetime(bad)).as(bad).hasMessageStartingWith("--template-lifetime: ");
        }
    }

    @Test
    void listenAddresses() throws Exception {
        assertThat(CollectCommand.parseListen("0.0.0.0:2055").toString()).isEqualTo("/0.0.0.0:2055");
        assertThat(CollectCommand.parseListen("127.0.0.1:0").getPort()).isZero();
        assertThat(CollectCommand.parseListen("[::1]:4739").getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(CollectCommand.parseListen(":9995").getAddress().isAnyLocalAddress()).isTrue();
        for (String bad : new String[] {"2055", "::1:4739", "[::1]4739", "1.2.3.4:x", "1.2.3.4:70000"}) {
            assertThatThrownBy(() -> CollectCommand.parseListen(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aReceiveBufferBelow64KiBIsRefusedBeforeBinding() {
        for (String bad : new String[] {"0", "-1", "65535"}) {
            CollectCommand cmd = new CollectCommand();
            picocli.CommandLine cl = new picocli.CommandLine(cmd);
            cl.parseArgs("--listen", "127.0.0.1:0", "--out", "unused-dir", "--rcvbuf", bad);
            assertThatThrownBy(cmd::call).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("--rcvbuf: at least 65536 bytes, got " + bad);
        }
        assertThat(new java.io.File("unused-dir")).doesNotExist();
    }

    @Test
    void decapTakesKnownTunnelsAndRefusesOthersAsAUsageError() {
        for (String cmd : new String[] {"collect", "analyze", "top"}) {
            java.io.StringWriter err = new java.io.StringWriter();
            picocli.CommandLine cl = KeyholeCli.commandLine(new String[] {cmd});
            cl.setErr(new java.io.PrintWriter(err));
            int rc = cl.execute(cmd, "--decap", "vxlan,pptp", "--help");
            assertThat(rc).as(cmd).isEqualTo(2);
            assertThat(err.toString()).as(cmd).contains("--decap").contains("unknown tunnel 'pptp'");
        }
        DecapOption d = new DecapOption();
        new picocli.CommandLine(d).parseArgs("--decap", "vxlan,srv6,erspan");
        assertThat(d.tunnels).isEqualTo(new dev.keyhole.sources.packet.Tunnels(true, false, true, false, true));
        new picocli.CommandLine(d = new DecapOption()).parseArgs();
        assertThat(d.tunnels).isEqualTo(dev.keyhole.sources.packet.Tunnels.NONE);
    }
}
