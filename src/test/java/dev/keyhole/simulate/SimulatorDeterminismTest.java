package dev.keyhole.simulate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** Same seed, same bytes in every file; another seed, other traffic. */
class SimulatorDeterminismTest {
    static final LocalDate FROM = LocalDate.of(2018, 4, 28), TO = LocalDate.of(2018, 5, 10);

    @TempDir
    Path tmp;

    @Test
    void sameSeedGivesByteIdenticalOutputAndAnotherSeedDoesNot() throws IOException {
        Map<String, String> a = run(tmp.resolve("a"), 7);
        Map<String, String> b = run(tmp.resolve("b"), 7);
        Map<String, String> c = run(tmp.resolve("c"), 8);
        // The window crosses Pyongyang's change from UTC+08:30 to UTC+09:00 on 2018-05-05.
        assertThat(a.keySet()).contains("truth.json", "events.csv", "ipfix/2018/05/04/keyhole.20180504.ipfix",
                "zeek/conn.2018-05-05.log", "zeek/dns.2018-05-10.log");
        assertThat(a).isEqualTo(b);
        assertThat(c.keySet()).isEqualTo(a.keySet());
        long differing = a.keySet().stream().filter(k -> k.endsWith(".ipfix") && !a.get(k).equals(c.get(k))).count();
        assertThat(differing).isEqualTo(a.keySet().stream().filter(k -> k.endsWith(".ipfix")).count());
    }

    @Test
    void truthRecordsNoWallClockOrMachineDetails() throws IOException {
        Path out = tmp.resolve("t");
        Sim.run(out, 3000, 11, FROM, TO, true);
        String truth = Files.readString(out.resolve("truth.json"));
        assertThat(truth).doesNotContain(out.toString()).doesNotContain(System.getProperty("user.name"));
        assertThat(truth).doesNotContain(LocalDate.now().toString());
    }

    private static Map<String, String> run(Path out, long seed) throws IOException {
        Sim.run(out, 6000, seed, FROM, TO, true);
        Map<String, String> hashes = new TreeMap<>();
        for (Path f : Sim.files(out, "")) hashes.put(out.relativize(f).toString().replace('\\', '/'), Sim.sha256(f));
        return hashes;
    }
}
