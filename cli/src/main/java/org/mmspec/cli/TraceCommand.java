package org.mmspec.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mmspec trace}: the ftrace trace oracle. */
@Command(name = "trace", mixinStandardHelpOptions = true, description = "Check or record ftrace traces.")
public final class TraceCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
