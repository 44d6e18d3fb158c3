package org.mmspec.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Mounting the kernel's pseudo file systems (debugfs, tracefs) when they are not mounted, and
 * unmounting only what this process mounted. {@link Mounted#close()} unmounts; use it in a
 * try-with-resources so a failure unmounts too.
 */
public final class Mounts {
    private Mounts() {}

    /** Whether a file system of {@code type} is mounted exactly at {@code dir} (/proc/self/mounts). */
    public static boolean isMounted(String type, Path dir) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/mounts"), StandardCharsets.UTF_8)) {
                String[] f = l.split(" ");
                if (f.length >= 3 && f[1].equals(dir.toString()) && f[2].equals(type)) return true;
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** A mount this process made (or found already there: then close() leaves it alone). */
    public static final class Mounted implements AutoCloseable {
        private final Path dir;
        private final boolean mountedHere;
        private boolean closed;

        Mounted(Path dir, boolean mountedHere) {
            this.dir = dir;
            this.mountedHere = mountedHere;
        }

        public boolean mountedHere() {
            return mountedHere;
        }

        public Path dir() {
            return dir;
        }

        @Override
        public synchronized void close() {
            if (closed || !mountedHere) return;
            closed = true;
            run("umount", dir.toString());
        }
    }

    /**
     * Makes sure a {@code type} file system is mounted at {@code dir}: mounts it (as root) when it
     * is not, and says whether it did. Throws IllegalStateException when it is absent and cannot
     * be mounted.
     */
    public static Mounted ensure(String type, Path dir) {
        if (isMounted(type, dir)) return new Mounted(dir, false);
        if (!Files2.isRoot()) {
            throw new IllegalStateException(type + " is not mounted at " + dir + " and only root can mount it "
                    + "(mount -t " + type + " none " + dir + ")");
        }
        String err = run("mount", "-t", type, "none", dir.toString());
        if (err != null || !isMounted(type, dir)) {
            throw new IllegalStateException("cannot mount " + type + " at " + dir + (err == null ? "" : ": " + err));
        }
        return new Mounted(dir, true);
    }

    /** Runs a command; null when it exits 0, else its output. */
    static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroy();
                return String.join(" ", cmd) + ": timed out";
            }
            return p.exitValue() == 0 ? null : String.join(" ", cmd) + ": exit " + p.exitValue() + " " + out;
        } catch (IOException e) {
            return String.join(" ", cmd) + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return String.join(" ", cmd) + ": interrupted";
        }
    }
}
