package org.mmspec.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading the kernel's text files (and saved copies of them) with errors that name the file. */
public final class Files2 {
    private Files2() {}

    /**
     * The whole file. Reads in large chunks: /proc and sysctl files report size 0 and some
     * (proc_dointvec) return nothing for a read at a non-zero offset, so the first read must take
     * the whole value.
     */
    public static String read(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) out.write(buf, 0, n);
            return out.toString(StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new MalformedInputException(p.toString(), 0, "no such file");
        } catch (IOException e) {
            throw new MalformedInputException(p.toString(), 0, "cannot read: " + e.getMessage());
        }
    }

    /** A file holding one integer (a /proc/sys/vm knob). */
    public static long readLong(Path p) {
        String s = read(p).trim();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new MalformedInputException(p.toString(), 1, "'" + s + "' is not an integer");
        }
    }

    /** Whether this process runs as root (uid 0), read from /proc/self/status. */
    public static boolean isRoot() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("Uid:")) return l.split("\\s+")[1].equals("0");
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }
}
