package dev.keyhole.cli;

import dev.keyhole.refdata.MmdbWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The launcher's AOT training run: every step must run (a failed one fails it) and leave nothing behind. */
class TrainJvmCommandTest {
    @Test
    void runsAnalyzeTopAndQueryOnItsWorkloadAndCleansUp(@TempDir Path dir) throws Exception {
        Path asn = dir.resolve("asn.csv");
        Files.writeString(asn, "175.45.176.0,175.45.179.255,131279,Star Joint Venture Co. Ltd.\n");
        Path geo = new MmdbWriter(4, "city ipv4")
                .insert("175.45.176.0/22", Map.of("country_code", "KP", "city", "Pyongyang"))
                .write(dir.resolve("geo.mmdb"));
        Path work = Files.createDirectories(dir.resolve("work"));
        String[] args = {"train-jvm", "--flows", "20000", "--tmp", work.toString(), "--geo", geo.toString(),
                "--asn", asn.toString(), "--cache", dir.resolve("cache").toString()};

        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out, oldErr = System.err;
        int rc;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            rc = KeyholeCli.commandLine(args).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        String stdout = out.toString(StandardCharsets.UTF_8), stderr = err.toString(StandardCharsets.UTF_8);
        assertThat(rc).as(stderr).isZero();
        assertThat(stderr).contains("keyhole train-jvm: 20,000 flows through analyze");
        // Both analyze runs read all their flows (nfcapd: both files; IPFIX: the first of two).
        assertThat(stdout).contains("2 inputs, 20,000 flow records (0 rejected)").contains("1 input, 10,000 flow records (0 rejected)");
        // top's CSV header (the query writes to the process's stdout itself, past System.out).
        assertThat(stdout).contains("val,fl,flP,ipkt,ipktP,ibyt,ibytP");
        try (Stream<Path> left = Files.list(work)) {
            assertThat(left).as("the workload is deleted").isEmpty();
        }

        // A failing step fails the run: a workload of no flows has no store to query.
        String[] none = {"train-jvm", "--flows", "0", "--tmp", work.toString(), "--geo", geo.toString(), "--asn", asn.toString(),
                "--cache", dir.resolve("cache").toString()};
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        try {
            System.setOut(quiet);
            System.setErr(quiet);
            assertThat(KeyholeCli.commandLine(none).setCaseInsensitiveEnumValuesAllowed(true).execute(none)).isNotZero();
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        try (Stream<Path> left = Files.list(work)) {
            assertThat(left).as("deleted after a failure too").isEmpty();
        }
    }

    @Test
    void isHiddenFromTheUsage() {
        assertThat(new CommandLine(new KeyholeCli()).getUsageMessage()).doesNotContain("train-jvm").contains("analyze");
    }
}
