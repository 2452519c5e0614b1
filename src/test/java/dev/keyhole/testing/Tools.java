package dev.keyhole.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** Finds and runs the external tools the interop tests compare against (installed by ./test.sh). */
public final class Tools {
    private Tools() {}

    /** The tool's path; fails (never skips) when it is missing, naming what the test needs. */
    public static Path require(String name, String needs) {
        List<String> path = new ArrayList<>(Arrays.asList(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        path.addAll(List.of("/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"));
        for (String d : path) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) return p;
        }
        return fail(name + " is not installed; this test needs " + needs + ": run ./test.sh (it installs them)");
    }

    /**
     * Runs a command with TZ=UTC, output (stdout and stderr) into {@code log}; fails unless it exits 0
     * within {@code seconds}. Returns the output.
     */
    public static String run(Path log, int seconds, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("TZ", "UTC");
        Process p = pb.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " did not finish in " + seconds + " s: " + Files.readString(log));
        }
        String out = Files.readString(log);
        if (p.exitValue() != 0) fail(String.join(" ", cmd) + " exited " + p.exitValue() + ":\n" + out);
        return out;
    }
}
