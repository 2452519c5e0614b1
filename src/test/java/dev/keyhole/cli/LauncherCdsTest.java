package dev.keyhole.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launcher's class-data archives: made by a batch command's first run, used by the next,
 * remade when the jar is newer, never on stdout, never for collect or with KEYHOLE_NO_CDS; the
 * program's exit code comes through. Runs the real ./keyhole script on a stand-in jar (the
 * product jar does not exist yet when the tests run).
 */
class LauncherCdsTest {
    @TempDir
    Path dir;

    private Path standIn() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src-hello")).resolve("Hello.java");
        Files.writeString(src, """
                public class Hello {
                    public static void main(String[] a) {
                        java.util.List<String> l = new java.util.ArrayList<>(java.util.List.of(a));
                        l.sort(java.util.Comparator.comparing(String::length));
                        System.out.println("out " + String.join(" ", l));
                        System.exit(a.length > 1 && a[1].equals("fail") ? 3 : 0);
                    }
                }
                """);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), src.toString())).isZero();
        Path home = Files.createDirectories(dir.resolve("home"));
        Files.copy(Path.of("keyhole"), home.resolve("keyhole"));
        Path jar = Files.createDirectories(home.resolve("target")).resolve("keyhole.jar");
        var jarTool = java.util.spi.ToolProvider.findFirst("jar").orElseThrow();
        assertThat(jarTool.run(System.out, System.err, "--create", "--file", jar.toString(), "--main-class", "Hello",
                "-C", classes.toString(), "Hello.class")).isZero();
        return home;
    }

    private record Run(int code, String out, String err) {}

    private static Run run(Path home, Map<String, String> env, String... args) throws Exception {
        return runWith(home, env, "-Xmx64m", args);
    }

    private static Run runWith(Path home, Map<String, String> env, String javaOpts, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of("bash", home.resolve("keyhole").toString()),
                Stream.of(args)).toList());
        pb.environment().remove("KEYHOLE_JAVA_OPTS");
        pb.environment().remove("KEYHOLE_NO_CDS");
        pb.environment().putAll(env);
        pb.environment().put("KEYHOLE_JAVA_OPTS", javaOpts); // the directives name product classes
        Process p = pb.start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread t = new Thread(() -> {
            try {
                p.getErrorStream().transferTo(err);
            } catch (java.io.IOException e) {
                // the process is gone
            }
        });
        t.start();
        String out = new String(p.getInputStream().readAllBytes());
        int code = p.waitFor();
        t.join();
        return new Run(code, out, err.toString());
    }

    private static List<Path> archives(Path home) throws Exception {
        Path cds = home.resolve("target/cds");
        if (!Files.isDirectory(cds)) return List.of();
        try (Stream<Path> s = Files.list(cds)) {
            return s.sorted().toList();
        }
    }

    @Test
    void aBatchCommandsFirstRunMakesTheArchiveTheNextUsesIt() throws Exception {
        Path home = standIn();
        Run first = run(home, Map.of(), "analyze", "x");
        assertThat(first.code()).isZero();
        assertThat(first.out()).isEqualTo("out x analyze\n");
        List<Path> made = archives(home);
        assertThat(made).singleElement().satisfies(p -> assertThat(p.getFileName().toString()).matches("analyze-\\d+\\.jsa"));
        FileTime t0 = Files.getLastModifiedTime(made.get(0));

        Path classLog = dir.resolve("classes.log");
        Run second = runWith(home, Map.of(), "-Xmx64m -Xlog:class+load:file=" + classLog, "analyze", "y");
        assertThat(second.out()).isEqualTo("out y analyze\n");
        assertThat(Files.readString(classLog)).as("Hello came from the archive")
                .containsPattern("Hello source: shared objects file \\(top\\)");
        assertThat(second.err()).doesNotContain("Unable to use shared archive");
        assertThat(Files.getLastModifiedTime(made.get(0))).isEqualTo(t0);

        // A newer jar: the archive is made again, not given to the JVM stale
        Path jar = home.resolve("target/keyhole.jar");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(t0.toMillis() + 1));
        Run third = run(home, Map.of(), "analyze", "z");
        assertThat(third.out()).isEqualTo("out z analyze\n");
        assertThat(third.err()).doesNotContain("Unable to use shared archive");
        assertThat(Files.getLastModifiedTime(made.get(0))).isGreaterThan(Files.getLastModifiedTime(jar));
    }

    @Test
    void exitCodesComeThroughAndFailedRunsLeaveNoArchive() throws Exception {
        Path home = standIn();
        Run failed = run(home, Map.of(), "top", "fail");
        assertThat(failed.code()).isEqualTo(3);
        assertThat(failed.out()).isEqualTo("out top fail\n");
        assertThat(archives(home)).isEmpty();
    }

    @Test
    void collectOtherCommandsAndKeyholeNoCdsRunWithoutArchives() throws Exception {
        Path home = standIn();
        assertThat(run(home, Map.of(), "collect", "x").out()).isEqualTo("out x collect\n");
        assertThat(run(home, Map.of(), "setup").out()).isEqualTo("out setup\n");
        assertThat(run(home, Map.of("KEYHOLE_NO_CDS", "1"), "query", "x").out()).isEqualTo("out x query\n");
        assertThat(archives(home)).isEmpty();
    }
}
