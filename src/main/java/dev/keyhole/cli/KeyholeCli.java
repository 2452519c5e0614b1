package dev.keyhole.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code keyhole} command. */
@Command(name = "keyhole", mixinStandardHelpOptions = true, version = "keyhole 0.1.0",
        description = "Turns network telemetry about a target address space into intelligence.",
        subcommands = {DemoCommand.class, AnalyzeCommand.class, TopCommand.class, SimulateCommand.class,
                QueryCommand.class, CollectCommand.class, SetupCommand.class, BenchCommand.class,
                BenchCollectCommand.class,
                CommandLine.HelpCommand.class})
public final class KeyholeCli implements Runnable {
    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new KeyholeCli()).setCaseInsensitiveEnumValuesAllowed(true);
        // Errors a user can act on (bad profile, missing file) print as one line, not a stack trace.
        cl.setExecutionExceptionHandler((e, c, parsed) -> {
            if (e instanceof IllegalArgumentException || e instanceof java.io.IOException) {
                c.getErr().println("keyhole: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
