package dev.keyhole.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code keyhole} command. */
@Command(name = "keyhole", mixinStandardHelpOptions = true, version = "keyhole 0.1.0",
        description = "Turns network telemetry about a target address space into intelligence.",
        subcommands = {CommandLine.HelpCommand.class})
public final class KeyholeCli implements Runnable {
    public static void main(String[] args) {
        System.exit(new CommandLine(new KeyholeCli()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
