package org.mmspec.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.mmspec.counterexamples.CounterexampleJson;
import org.mmspec.counterexamples.Replay;
import org.mmspec.invariants.engine.Counterexample;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code mmspec replay FILE}: does the counterexample still violate the same invariant at the same step? */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Rebuild a counterexample's configuration, apply its steps to a fresh reference, and say "
                + "whether the same invariant is violated after the same step.",
            "Exit 0 reproduced, 1 no longer violates, 3 violates another invariant or at another step, "
                + "4 a step no longer applies, 2 bad usage or an unreadable file."})
public final class ReplayCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "A counterexample JSON file (mmspec-counterexample/1).")
    Path file;

    @Override
    public Integer call() {
        Counterexample ce = read(file);
        Replay.Result r = Replay.replay(ce);
        System.out.println(file + ": " + r.status().name().toLowerCase().replace('_', ' '));
        System.out.println("  " + r.message());
        return r.status().exitCode();
    }

    /** Reads a counterexample file or throws a UsageException naming what is wrong (exit 2). */
    static Counterexample read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new Main.UsageException(file + ": no such file");
        } catch (IOException e) {
            throw new Main.UsageException(file + ": cannot read: " + e.getMessage());
        }
        try {
            return CounterexampleJson.read(text);
        } catch (CounterexampleJson.FormatException e) {
            throw new Main.UsageException(file + ": " + e.getMessage());
        }
    }
}
