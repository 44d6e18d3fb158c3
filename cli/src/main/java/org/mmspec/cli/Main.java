package org.mmspec.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code mmspec} command. */
@Command(name = "mmspec", mixinStandardHelpOptions = true, version = "mmspec 0.1.0 (models Linux v6.18)",
        description = "An executable, model-checked specification of Linux memory management.",
        subcommands = {CheckCommand.class, ExploreCommand.class, ReplayCommand.class, CatalogCommand.class, BugsCommand.class,
            RenderCommand.class, KsmCommand.class,
            OracleCommand.class, ConformCommand.class, TraceCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (0 ok, 1 violation or mismatch, 2 bad usage). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (ex instanceof UsageException || ex instanceof IllegalArgumentException) {
                cmd.getErr().println("mmspec: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl.execute(args);
    }

    /** Bad usage discovered after parsing (an unknown subsystem, a bad config value): exit code 2. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }
}
