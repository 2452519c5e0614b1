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

    /** The launcher's JIT directives name methods that exist: a rename would silently drop them. */
    @Test
    void theLaunchersCompileCommandsNameRealMethods() throws Exception {
        String launcher = java.nio.file.Files.readString(java.nio.file.Path.of("keyhole"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("dontinline,([\\w.$]+)::(\\w+)").matcher(launcher);
        int n = 0;
        while (m.find()) {
            Class<?> c = Class.forName(m.group(1));
            String method = m.group(2);
            assertThat(java.util.Arrays.stream(c.getDeclaredMethods()).map(java.lang.reflect.Method::getName))
                    .as("%s::%s", m.group(1), method).contains(method);
            n++;
        }
        assertThat(n).isEqualTo(2);
    }
}
