package dev.keyhole.cli;

import dev.keyhole.bench.SyntheticIpfix;
import dev.keyhole.refdata.ReferenceSetup;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launcher ({@code ./keyhole}) as users start it, once per JDK 13 or later on this machine (the
 * JDK running the build, and those under /usr/lib/jvm): the start-up cache it records after a build
 * (JDK 25+: AOT cache; 13-24: dynamic class-data archive), that later runs are given it and the JVM
 * takes it without a warning, that results are the same with and without it, that a failed recording
 * is said once and not retried until the next build, and that a new build records again. Runs after
 * {@code package} (failsafe), on the packaged jar, in a copy of the launcher beside it. The JDK is
 * reached through a wrapper that logs the JVM's arguments before starting it.
 */
class LauncherIT {
    @TempDir
    static Path tmp;
    private static Path input;

    @BeforeAll
    static void setUp() throws IOException {
        new ReferenceSetup(null).ensure(); // train-jvm uses the default reference data, as a user's launcher does
        input = SyntheticIpfix.write(tmp.resolve("in"), 20_000, 1, 5)[0];
    }

    @TestFactory
    Stream<DynamicTest> eachJdkRecordsItsStartCacheOnceAndRunsFromIt() throws IOException {
        Map<String, Path> jdks = jdks();
        assertThat(jdks).as("JDKs of 13 or later (the build's own is one)").isNotEmpty();
        return jdks.entrySet().stream().map(e -> DynamicTest.dynamicTest("JDK " + e.getKey(), () -> check(e.getKey(), e.getValue())));
    }

    /** JDK homes by version: the running one and /usr/lib/jvm's, 13 or later, each real home once. */
    private static Map<String, Path> jdks() throws IOException {
        List<Path> homes = new ArrayList<>();
        homes.add(Path.of(System.getProperty("java.home")));
        Path jvm = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvm)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(jvm)) {
                for (Path p : ds) homes.add(p);
            }
        }
        Map<String, Path> byVersion = new TreeMap<>();
        for (Path h : homes) {
            Optional<String> v = version(h);
            if (v.isEmpty() || !Files.isExecutable(h.resolve("bin/java"))) continue;
            if (major(v.get()) >= 13) byVersion.putIfAbsent(v.get(), h.toRealPath());
        }
        return byVersion;
    }

    private static Optional<String> version(Path home) throws IOException {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release)) return Optional.empty();
        Matcher m = Pattern.compile("(?m)^JAVA_VERSION=\"([0-9][^\"]*)\"$").matcher(Files.readString(release));
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The feature release of a JAVA_VERSION ("25.0.3" -> 25, "17" -> 17). */
    private static int major(String version) {
        return Integer.parseInt(version.split("[.+-]")[0]);
    }

    private void check(String version, Path home) throws Exception {
        boolean aot = major(version) >= 25;
        String what = aot ? "AOT cache" : "class-data archive";
        String record = aot ? "-XX:AOTCacheOutput=" : "-XX:ArchiveClassesAtExit=";
        String use = aot ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=";

        // A launcher beside a copy of the packaged jar (its own target/, so the project's caches are not touched).
        Path dir = Files.createDirectories(tmp.resolve("jdk" + version));
        Path project = Path.of(System.getProperty("user.dir"));
        Path target = Files.createDirectories(dir.resolve("target"));
        Files.copy(project.resolve("keyhole"), dir.resolve("keyhole"));
        Path jar = Files.copy(project.resolve("target/keyhole.jar"), target.resolve("keyhole.jar"));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(project.resolve("target"), "libduckdb_java.so_*")) {
            for (Path lib : ds) Files.createSymbolicLink(target.resolve(lib.getFileName()), lib);
        }
        Path cache = target.resolve("keyhole-jdk" + version + (aot ? ".aot" : ".jsa"));

        // The JDK as the launcher finds it (bin/java and release), bin/java logging each JVM's arguments.
        Path fake = Files.createDirectories(dir.resolve("jdk/bin")).getParent();
        Files.copy(home.resolve("release"), fake.resolve("release"));
        Path log = dir.resolve("jvm-args.log");
        Path java = fake.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + log + "'\n"
                + "if [ -n \"${FAIL_RECORDING:-}\" ]; then case \"$*\" in *" + record + "*) exit 1;; esac; fi\n"
                + "exec '" + home.resolve("bin/java") + "' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));

        // 1. After a build: recorded once (a training run), then the run itself uses it.
        Run first = run(dir, java, log, "out1", Map.of());
        assertThat(first.stderr).contains("keyhole: recording the JVM's " + what + " for JDK " + version);
        assertThat(cache).isNotEmptyFile();
        assertThat(first.jvms).hasSize(2);
        assertThat(first.jvms.get(0)).contains(record).endsWith("train-jvm");
        assertThat(first.jvms.get(1)).contains(use + cache).contains("analyze");

        // 2. Later runs: no recording; the JVM maps the cache without a word (its warnings go to stderr).
        Run second = run(dir, java, log, "out2", Map.of());
        assertThat(second.stderr).doesNotContain("recording");
        assertThat(second.jvms).hasSize(1);
        assertThat(second.jvms.get(0)).contains(use + cache);

        // 3. KEYHOLE_AOT=off: neither records nor uses it. The same tables in all three runs.
        Run off = run(dir, java, log, "out3", Map.of("KEYHOLE_AOT", "off"));
        assertThat(off.jvms).hasSize(1);
        assertThat(off.jvms.get(0)).doesNotContain(record).doesNotContain(use);
        Map<String, String> tables = tables(dir.resolve("out3"));
        assertThat(tables).containsKey("totals.csv").hasSizeGreaterThan(5);
        assertThat(tables(dir.resolve("out1"))).isEqualTo(tables);
        assertThat(tables(dir.resolve("out2"))).isEqualTo(tables);

        // 4. A new build (the cache now older than the jar) whose recording fails: said once, the run goes
        // on without a cache, and the next run neither tries again nor uses the old cache.
        long built = Files.getLastModifiedTime(jar).toMillis();
        Files.setLastModifiedTime(cache, FileTime.fromMillis(built - 60_000));
        Run failed = run(dir, java, log, "out4", Map.of("FAIL_RECORDING", "1"));
        assertThat(failed.stderr).contains("keyhole: recording the " + what + " failed (target/train-jvm.log); running without it");
        assertThat(target.resolve(cache.getFileName() + ".failed")).exists();
        assertThat(failed.jvms).hasSize(2);
        assertThat(failed.jvms.get(1)).doesNotContain(use);
        Run after = run(dir, java, log, "out5", Map.of("FAIL_RECORDING", "1"));
        assertThat(after.stderr).doesNotContain("recording");
        assertThat(after.jvms).hasSize(1);
        assertThat(after.jvms.get(0)).doesNotContain(use).doesNotContain(record);
        assertThat(tables(dir.resolve("out5"))).isEqualTo(tables);

        // 5. The next build (the failure now older than the jar) records again.
        Path failure = target.resolve(cache.getFileName() + ".failed");
        Files.setLastModifiedTime(failure, FileTime.fromMillis(built - 30_000));
        Run rebuilt = run(dir, java, log, "out6", Map.of());
        assertThat(rebuilt.stderr).contains("keyhole: recording the JVM's " + what);
        assertThat(rebuilt.jvms).hasSize(2);
        assertThat(rebuilt.jvms.get(1)).contains(use + cache);
        assertThat(Files.getLastModifiedTime(cache).toMillis()).isGreaterThanOrEqualTo(built);
        assertThat(tables(dir.resolve("out6"))).isEqualTo(tables);
    }

    /** What one launcher run printed on stderr and the JVMs it started (their arguments). */
    private record Run(String stderr, List<String> jvms) {}

    private static Run run(Path dir, Path java, Path log, String out, Map<String, String> env) throws Exception {
        Files.deleteIfExists(log);
        ProcessBuilder pb = new ProcessBuilder(dir.resolve("keyhole").toString(), "analyze", "--profile", "dprk",
                "--in", input.toString(), "--out", dir.resolve(out).toString(), "--no-report", "--no-progress", "--threads", "2")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(dir.resolve(out + ".err").toFile());
        pb.environment().remove("KEYHOLE_JAVA_OPTS");
        pb.environment().remove("KEYHOLE_AOT");
        pb.environment().put("KEYHOLE_JAVA", java.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("launcher run " + out + " finished").isTrue();
        String stderr = Files.readString(dir.resolve(out + ".err"), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(stderr).isZero();
        // JVM messages (-Xlog to stderr) look like "[0.012s][warning][aot] ...": none may appear.
        assertThat(stderr).as("JVM warnings").doesNotContain("][warning]").doesNotContain("][error]");
        List<String> jvms = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return new Run(stderr, jvms);
    }

    /** The run's CSV tables by name. */
    private static Map<String, String> tables(Path out) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(out.resolve("csv")).sorted()) {
            for (Path p : (Iterable<Path>) s::iterator) m.put(p.getFileName().toString(), Files.readString(p));
        }
        return m;
    }
}
