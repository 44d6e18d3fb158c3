package org.mmspec.invariants.oracle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * The example programs of examples/oracle/, compiled for the tests into target/oracle/ with the
 * gcc on the PATH (once per JVM); a test that needs one is skipped, saying why, when gcc or node
 * is missing.
 */
final class NativePrograms {
    private NativePrograms() {}

    /** The repository's examples/oracle directory (the tests run in the module directory). */
    static Path examples() {
        Path p = Path.of("..", "examples", "oracle").toAbsolutePath().normalize();
        if (!Files.isDirectory(p)) throw new IllegalStateException("no examples/oracle at " + p);
        return p;
    }

    static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** Compiles examples/oracle/c/{source} into target/oracle/{out}, or skips the test when gcc is missing. */
    static synchronized Path c(String source, String out, String... flags) {
        Path gcc = onPath("gcc");
        Assumptions.assumeTrue(gcc != null, "gcc is not on the PATH: the C examples of the oracle are not built, so this test is skipped");
        Path src = examples().resolve("c").resolve(source);
        Path bin = Path.of("target", "oracle", out).toAbsolutePath();
        try {
            if (Files.exists(bin) && Files.getLastModifiedTime(bin).compareTo(Files.getLastModifiedTime(src)) > 0) return bin;
            Files.createDirectories(bin.getParent());
            List<String> cmd = new ArrayList<>(List.of(gcc.toString(), "-O2", "-Wall", "-o", bin.toString()));
            cmd.addAll(List.of(flags));
            cmd.add(src.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("gcc failed on " + src + ":\n" + log);
            }
            return bin;
        } catch (IOException e) {
            throw new IllegalStateException("cannot compile " + src + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Path buddy() {
        return c("buddy.c", "buddy");
    }

    static Path buggyBuddy() {
        return c("buddy.c", "buddy-buggy", "-DBUGGY");
    }

    static Path faulty() {
        return c("faulty.c", "faulty");
    }

    /** The node executable, or skips the test. */
    static Path node() {
        Path node = onPath("node");
        Assumptions.assumeTrue(node != null, "node is not on the PATH: the Node.js example of the oracle is skipped");
        return node;
    }
}
