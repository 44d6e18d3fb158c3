package org.mmspec.conformance.ksm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.mmspec.conformance.Files2;

/**
 * /sys/kernel/mm/ksm: reads the counters and writes the knobs, having saved every writable
 * knob's value first; {@link #restore()} writes them all back (once), and a shutdown hook does it
 * too on an interrupt or a crash. The restore order keeps each write legal: run=2 first (no KSM
 * page left, so max_page_sharing and merge_across_nodes may change), pages_to_scan before the
 * advisor mode (which would refuse it), run last.
 */
public final class KsmKnobs implements AutoCloseable {
    public static final Path DIR = Path.of("/sys/kernel/mm/ksm");
    /** The writable knobs, in the order they are restored (run comes last, after run=2 cleaned up). */
    public static final List<String> KNOBS = List.of("max_page_sharing", "merge_across_nodes", "use_zero_pages", "smart_scan",
            "stable_node_chains_prune_millisecs", "sleep_millisecs", "pages_to_scan", "advisor_mode", "run");

    private final Path dir;
    private final Map<String, String> saved = new LinkedHashMap<>();
    private final Thread hook;
    private boolean restored;
    private final List<String> restoreErrors = new ArrayList<>();

    /** Saves every knob of {@code dir} that exists and installs the shutdown hook. */
    public KsmKnobs(Path dir) {
        this.dir = dir;
        for (String k : KNOBS) {
            Path p = dir.resolve(k);
            if (Files.isReadable(p)) saved.put(k, value(k, Files2.read(p).trim()));
        }
        hook = new Thread(this::restore, "mmspec-ksm-restore");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** advisor_mode reads "[none] scan-time": the bracketed word is the value to write back. */
    static String value(String knob, String shown) {
        if (knob.equals("advisor_mode")) {
            int a = shown.indexOf('[');
            int b = shown.indexOf(']');
            if (a >= 0 && b > a) return shown.substring(a + 1, b);
        }
        return shown;
    }

    /** What was saved, by knob. */
    public Map<String, String> saved() {
        return java.util.Collections.unmodifiableMap(saved);
    }

    public boolean exists(String name) {
        return Files.exists(dir.resolve(name));
    }

    /** The value of a counter or knob. */
    public long read(String name) {
        return Files2.readLong(dir.resolve(name));
    }

    public String readString(String name) {
        return Files2.read(dir.resolve(name)).trim();
    }

    /** Writes a knob; an error names it and the value. */
    public void write(String name, String value) {
        try {
            Files.writeString(dir.resolve(name), value, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + value + " to " + dir.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    /** Writes a knob unless it already has that value (a write of the same max_page_sharing is still refused while busy). */
    public void set(String name, String value) {
        if (!exists(name)) return;
        String cur = value(name, readString(name));
        if (!cur.equals(value)) write(name, value);
    }

    /**
     * Writes every saved knob back: run=2 first (unmerging what is left), then the others, run
     * last. Idempotent; errors are collected ({@link #restoreErrors()}), not thrown.
     */
    public synchronized void restore() {
        if (restored) return;
        restored = true;
        tryWrite("run", "2");
        for (Map.Entry<String, String> e : saved.entrySet()) {
            if (e.getKey().equals("run")) continue;
            if (e.getKey().equals("pages_to_scan") && !"none".equals(saved.getOrDefault("advisor_mode", "none"))) continue;
            tryWrite(e.getKey(), e.getValue());
        }
        if (saved.containsKey("run")) tryWrite("run", saved.get("run"));
        if (!restoreErrors.isEmpty()) {
            System.err.println("mmspec conform ksm: could not restore " + restoreErrors);
        }
    }

    private void tryWrite(String name, String value) {
        try {
            if (!exists(name)) return;
            if (value(name, readString(name)).equals(value) && !name.equals("run")) return;
            write(name, value);
        } catch (RuntimeException e) {
            restoreErrors.add(name + "=" + value + " (" + e.getMessage() + ")");
        }
    }

    public List<String> restoreErrors() {
        return List.copyOf(restoreErrors);
    }

    /** Restores and removes the shutdown hook. */
    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs restore() again, which does nothing twice
        }
    }
}
