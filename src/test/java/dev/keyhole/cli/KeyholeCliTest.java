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
        String[] all = {"demo", "analyze", "top", "simulate", "query", "collect", "setup", "bench", "bench-collect", "train-jvm", "help"};
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
}
