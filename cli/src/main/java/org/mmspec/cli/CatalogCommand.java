package org.mmspec.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.mmspec.invariants.Catalog;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mmspec catalog}: every invariant with its ID, statement and kernel citation. */
@Command(name = "catalog", mixinStandardHelpOptions = true,
        description = "Print the invariant catalog (ID, statement, where the kernel states it).")
public final class CatalogCommand implements Callable<Integer> {
    @Option(names = "--markdown", description = "Print the catalog as Markdown (the form of invariants/CATALOG.md).")
    boolean markdown;

    @Option(names = "--write", paramLabel = "FILE", description = "Write the Markdown catalog to FILE (e.g. invariants/CATALOG.md).")
    Path write;

    @Override
    public Integer call() throws IOException {
        if (write != null) {
            Files.writeString(write, Catalog.markdown(), StandardCharsets.UTF_8);
            System.out.println("wrote " + write + " (" + Catalog.entries().size() + " invariants)");
            return 0;
        }
        if (markdown) {
            System.out.print(Catalog.markdown());
            return 0;
        }
        String sub = null;
        for (Catalog.Entry e : Catalog.entries()) {
            if (!e.subsystem().equals(sub)) {
                sub = e.subsystem();
                System.out.println("== " + sub);
            }
            System.out.println(e.id());
            System.out.println("    " + e.statement());
            System.out.println("    cites: " + e.citation());
        }
        return 0;
    }
}
