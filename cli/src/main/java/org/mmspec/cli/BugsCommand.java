package org.mmspec.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.mmspec.reference.alloc.KnownBug;

import picocli.CommandLine.Command;

/** {@code mmspec bugs}: the historical kernel bugs the reference can re-create. */
@Command(name = "bugs", mixinStandardHelpOptions = true,
        description = "List the historical Linux bugs the reference can re-create (run one with `mmspec check --bug NAME`).")
public final class BugsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        for (KnownBug b : KnownBug.values()) {
            System.out.println(b.bugName() + "  [" + b.subsystem() + "]  fixed by " + b.fixCommit() + " (" + b.fixedIn() + ")");
            System.out.println("    \"" + b.title() + "\"");
            System.out.println("    " + wrap(b.description(), 92, "    "));
            Path corpus = Path.of("counterexamples", "corpus", b.bugName() + ".json");
            if (Files.exists(corpus)) System.out.println("    minimal counterexample: " + corpus);
            System.out.println("    run: mmspec check --subsystem " + b.subsystem() + " --bug " + b.bugName());
            System.out.println();
        }
        return 0;
    }

    static String wrap(String s, int width, String indent) {
        StringBuilder out = new StringBuilder();
        int col = 0;
        for (String w : s.split(" ")) {
            if (col > 0 && col + w.length() + 1 > width) {
                out.append('\n').append(indent);
                col = 0;
            } else if (col > 0) {
                out.append(' ');
                col++;
            }
            out.append(w);
            col += w.length();
        }
        return out.toString();
    }
}
