package dev.keyhole.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code keyhole} command. */
@Command(name = "keyhole", mixinStandardHelpOptions = true, version = KeyholeCli.VERSION,
        description = KeyholeCli.DESCRIPTION,
        subcommands = {DemoCommand.class, AnalyzeCommand.class, TopCommand.class, SimulateCommand.class,
                QueryCommand.class, CollectCommand.class, SetupCommand.class, BenchCommand.class,
                BenchCollectCommand.class, TrainJvmCommand.class,
                CommandLine.HelpCommand.class})
public final class KeyholeCli implements Runnable {
    static final String VERSION = "keyhole 0.1.0";
    static final String DESCRIPTION = "Turns network telemetry about a target address space into intelligence.";

    public static void main(String[] args) {
        // The profile loader's YAML reader takes ~0.2 s to set up and load its parser's classes in a
        // new JVM; do that beside picocli's set-up.
        Thread warm = new Thread(KeyholeCli::warmProfileLoader, "keyhole-warm");
        warm.setDaemon(true);
        warm.start();
        CommandLine cl = commandLine(args).setCaseInsensitiveEnumValuesAllowed(true);
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

    /**
     * The command line for these arguments. picocli reads every subcommand's annotations when it
     * builds the full tree (~0.2 s in a new JVM, before any work starts), so when the first
     * argument names a subcommand, only that one is added; anything else (no arguments, --help,
     * help, a typo) gets the full tree and its usage and suggestions.
     */
    static CommandLine commandLine(String[] args) {
        if (args.length > 0) {
            for (Class<?> c : KeyholeCli.class.getAnnotation(Command.class).subcommands()) {
                if (c == CommandLine.HelpCommand.class || !c.getAnnotation(Command.class).name().equals(args[0])) continue;
                CommandLine root = new CommandLine(new Root());
                root.addSubcommand(new CommandLine(c));
                return root;
            }
        }
        return new CommandLine(new KeyholeCli());
    }

    private static void warmProfileLoader() {
        try {
            dev.keyhole.profile.ProfileLoader.builtIn("dprk"); // the jar's resource, never a file named dprk
        } catch (Exception | LinkageError e) {
            // only a warm-up: the command that needs the loader reports any failure
        }
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** The top-level command with one subcommand attached by {@link #commandLine}. */
    @Command(name = "keyhole", mixinStandardHelpOptions = true, version = VERSION, description = DESCRIPTION)
    static final class Root implements Runnable {
        @Override
        public void run() {
            new CommandLine(new KeyholeCli()).usage(System.out);
        }
    }
}
