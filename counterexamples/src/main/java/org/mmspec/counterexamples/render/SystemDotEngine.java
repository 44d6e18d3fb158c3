package org.mmspec.counterexamples.render;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Graphviz's own {@code dot} from the PATH, run as a process per graph: the best layout and
 * fonts, and a process we can kill. Used when installed ({@code apt-get install graphviz}).
 */
public final class SystemDotEngine implements ImageEngine {
    private final Path executable;
    private volatile Process running;

    public SystemDotEngine() {
        this(findOnPath("dot"));
    }

    public SystemDotEngine(Path executable) {
        this.executable = executable;
    }

    /** The executable {@code name} on the PATH, or null. */
    public static Path findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }

    @Override
    public String name() {
        return "dot";
    }

    @Override
    public String unavailableReason() {
        return executable == null ? "no dot on PATH" : null;
    }

    @Override
    public String svg(String dot) throws Exception {
        return new String(run(dot, "-Tsvg"), StandardCharsets.UTF_8);
    }

    @Override
    public byte[] png(String dot, String svg, double scale) throws Exception {
        return run(dot, "-Tpng", "-Gdpi=" + Math.max(1, Math.round(72 * scale)));
    }

    private byte[] run(String dot, String... args) throws Exception {
        if (executable == null) throw new Unavailable("no dot on PATH", null);
        List<String> cmd = new ArrayList<>();
        cmd.add(executable.toString());
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        } catch (IOException e) {
            throw new Unavailable("cannot run " + executable + ": " + e.getMessage(), e);
        }
        running = p;
        try {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread errReader = drain(p.getErrorStream(), err);
            try (OutputStream in = p.getOutputStream()) {
                in.write(dot.getBytes(StandardCharsets.UTF_8));
            }
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) throw new IOException("dot did not exit");
            errReader.join(1000);
            if (p.exitValue() != 0) {
                String msg = err.toString(StandardCharsets.UTF_8).trim();
                int nl = msg.indexOf('\n');
                throw new IOException("dot exited with " + p.exitValue() + (msg.isEmpty() ? "" : ": " + (nl < 0 ? msg : msg.substring(0, nl))));
            }
            return out;
        } finally {
            running = null;
            if (p.isAlive()) p.destroyForcibly();
        }
    }

    private static Thread drain(InputStream in, ByteArrayOutputStream into) {
        Thread t = new Thread(() -> {
            try {
                in.transferTo(into);
            } catch (IOException ignored) {
                // the process died; its exit code says so
            }
        }, "dot-stderr");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Override
    public void abort() {
        Process p = running;
        if (p != null) p.destroyForcibly();
    }
}
