package dev.keyhole.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** The entry point builds only the named subcommand, and the full tree for anything else. */
class KeyholeCliTest {
    @Test
    void aNamedSubcommandIsTheOnlyOneBuilt() {
        assertThat(KeyholeCli.commandLine(new String[] {"top", "--help"}).getSubcommands()).containsOnlyKeys("top");
        CommandLine bench = KeyholeCli.commandLine(new String[] {"bench", "nfdump"});
        assertThat(bench.getSubcommands()).containsOnlyKeys("bench");
        assertThat(bench.getSubcommands().get("bench").getSubcommands()).containsKey("nfdump");
        assertThat(bench.getCommandName()).isEqualTo("keyhole");
    }

    @Test
    void noArgumentsHelpOrATypoGetTheFullTree() {
        String[] all = {"demo", "analyze", "top", "simulate", "query", "collect", "setup", "bench", "bench-collect", "help"};
        assertThat(KeyholeCli.commandLine(new String[0]).getSubcommands()).containsOnlyKeys(all);
        assertThat(KeyholeCli.commandLine(new String[] {"--help"}).getSubcommands()).containsOnlyKeys(all);
        assertThat(KeyholeCli.commandLine(new String[] {"help", "top"}).getSubcommands()).containsOnlyKeys(all);
        CommandLine typo = KeyholeCli.commandLine(new String[] {"tpo"});
        StringWriter err = new StringWriter();
        typo.setErr(new PrintWriter(err));
        assertThat(typo.execute("tpo")).isNotZero();
        assertThat(err.toString()).contains("Unmatched argument at index 0: 'tpo'").contains("analyze");
    }

    @Test
    void aSubcommandsUsageNamesTheProgram() {
        StringWriter out = new StringWriter();
        CommandLine cl = KeyholeCli.commandLine(new String[] {"analyze", "--help"});
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("analyze", "--help")).isZero();
        assertThat(out.toString()).startsWith("Usage: keyhole analyze").contains("--store-compression");
    }

    /**
     * The launcher's JIT directives, as bash hands them to java: quiet first (else the JVM prints
     * each directive on stdout, into CSV output), and naming methods that exist (a rename would
     * silently drop them).
     */
    @Test
    void theLaunchersCompileCommandsNameRealMethods() throws Exception {
        String launcher = java.nio.file.Files.readString(java.nio.file.Path.of("keyhole"));
        int from = launcher.indexOf("\nopts=("), to = launcher.indexOf(')', launcher.indexOf("Enricher::remoteV4Miss"));
        assertThat(from).isPositive();
        Process p = new ProcessBuilder("bash", "-c", launcher.substring(from + 1, to + 1) + "; printf '%s\\n' \"${opts[@]}\"")
                .redirectErrorStream(true).start();
        java.util.List<String> words = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertThat(p.waitFor()).isZero();
        java.util.List<String> commands = words.stream().filter(w -> w.startsWith("-XX:CompileCommand=")).toList();
        assertThat(commands).containsExactly("-XX:CompileCommand=quiet",
                "-XX:CompileCommand=dontinline,dev.keyhole.engine.EmbeddedEngine$FlowBatch::drain",
                "-XX:CompileCommand=dontinline,dev.keyhole.enrichment.Enricher::remoteV4Miss");
        for (String c : commands.subList(1, commands.size())) {
            String target = c.substring(c.indexOf(',') + 1);
            Class<?> k = Class.forName(target.substring(0, target.indexOf("::")));
            String method = target.substring(target.indexOf("::") + 2);
            assertThat(java.util.Arrays.stream(k.getDeclaredMethods()).map(java.lang.reflect.Method::getName))
                    .as(target).contains(method);
        }
    }

    /**
     * The launcher's compiler directives file: the JVM loads it (a syntax error would stop every
     * command from starting), the launcher's options keep standard output clean (the JVM announces
     * the directives there), and each pattern names a package that exists (a rename would silently
     * hand that code back to C2).
     */
    @Test
    void theLaunchersCompilerDirectivesLoadAndNameRealPackages() throws Exception {
        java.nio.file.Path file = java.nio.file.Path.of("src/main/jvm/compiler-directives.json").toAbsolutePath();
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Process check = new ProcessBuilder(javaBin, "-XX:+UnlockDiagnosticVMOptions", "-XX:CompilerDirectivesFile=" + file,
                "-version").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String announced = new String(check.getInputStream().readAllBytes());
        assertThat(check.waitFor()).isZero();
        assertThat(announced).contains("1 compiler directives added");

        String launcher = java.nio.file.Files.readString(java.nio.file.Path.of("keyhole"));
        int from = launcher.indexOf("\nopts=("), to = launcher.indexOf(')', launcher.indexOf("CompilerDirectivesFile"));
        Process words = new ProcessBuilder("bash", "-c", "here=" + file.getParent().getParent().getParent().getParent()
                + "; " + launcher.substring(from + 1, to + 1) + "; printf '%s\\n' \"${opts[@]}\"").start();
        java.util.List<String> opts = new String(words.getInputStream().readAllBytes()).lines().toList();
        assertThat(words.waitFor()).isZero();
        assertThat(opts).contains("-XX:CompilerDirectivesFile=" + file, "-XX:-DisplayVMOutput");
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(javaBin));
        cmd.addAll(opts);
        cmd.add("-version");
        Process run = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String stdout = new String(run.getInputStream().readAllBytes());
        assertThat(run.waitFor()).isZero();
        assertThat(stdout).isEmpty();

        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"([\\w/]+)/\\*\\.\\*\"")
                .matcher(java.nio.file.Files.readString(file));
        int patterns = 0;
        while (m.find()) {
            patterns++;
            String pkg = m.group(1).replace('/', '.');
            boolean inJdk = ModuleLayer.boot().modules().stream().flatMap(x -> x.getPackages().stream())
                    .anyMatch(p -> p.equals(pkg) || p.startsWith(pkg + "."));
            boolean onClassPath = ClassLoader.getSystemClassLoader().getResource(m.group(1) + "/") != null;
            assertThat(inJdk || onClassPath).as(pkg).isTrue();
        }
        assertThat(patterns).isEqualTo(6);
    }
}
