package org.mmspec.invariants.oracle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A page allocator in a separate program, spoken to in protocol {@code mmspec-oracle/1}: one
 * JSON object per line on the program's stdin, one JSON object per line back on its stdout,
 * strictly one answer per request (README.md, "The oracle", has the whole protocol with examples).
 *
 * <p>Nothing the program does can hang the oracle: every answer is awaited at most
 * {@code timeoutMs}, after which the program is killed; a program that exits or closes its output
 * is reported with its exit status and the tail of its stderr; a line that is not the answer the
 * request needs is reported with the line. Each is an {@link ImplementationFailure} naming the
 * request. Every process started is killed by {@link #close()}, and by a shutdown hook if the JVM
 * exits first.
 */
public final class ProcessAllocator implements PageAllocatorUnderTest {
    public static final String PROTOCOL = "mmspec-oracle/1";
    /** The longest answer line read (a snapshot of 2^20 order-0 blocks fits). */
    static final int MAX_LINE = 32 << 20;
    static final int STDERR_TAIL = 4096;

    private static final Set<Process> LIVE = Collections.synchronizedSet(new LinkedHashSet<>());

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            List<Process> ps;
            synchronized (LIVE) {
                ps = new ArrayList<>(LIVE);
            }
            for (Process p : ps) kill(p);
        }, "mmspec-oracle-reaper"));
    }

    private static final Object EOF = new Object();
    private static final Object TOO_LONG = new Object();

    private final List<String> argv;
    private final long timeoutMs;
    private final Process process;
    private final OutputStream stdin;
    private final LinkedBlockingQueue<Object> lines = new LinkedBlockingQueue<>();
    private final byte[] errRing = new byte[STDERR_TAIL];
    private long errBytes;
    private final Thread outReader;
    private final Thread errReader;
    private final Claims claims;
    private final boolean canReset;
    private final boolean canDigest;
    private int outputLines;
    private String lastError;
    private String dead;

    /**
     * Starts {@code argv} and performs the handshake. Throws {@link ImplementationFailure}: of
     * kind START when the program cannot be started, else naming what went wrong.
     */
    public ProcessAllocator(List<String> argv, long timeoutMs) {
        if (argv.isEmpty()) throw new ImplementationFailure(ImplementationFailure.Kind.START, "the command is empty");
        this.argv = List.copyOf(argv);
        this.timeoutMs = timeoutMs;
        try {
            this.process = new ProcessBuilder(this.argv).redirectErrorStream(false).start();
        } catch (IOException e) {
            throw new ImplementationFailure(ImplementationFailure.Kind.START, "cannot start `" + String.join(" ", argv) + "`: "
                    + e.getMessage());
        }
        LIVE.add(process);
        this.stdin = process.getOutputStream();
        this.outReader = daemon("mmspec-oracle-stdout", () -> readLines(process.getInputStream()));
        this.errReader = daemon("mmspec-oracle-stderr", () -> drainStderr(process.getErrorStream()));
        Map<String, Object> hello;
        try {
            hello = roundTrip("handshake", Json.obj("op", "hello", "protocol", PROTOCOL));
            if (!Boolean.TRUE.equals(hello.get("ok"))) throw garbage("handshake", "{\"op\":\"hello\"}", "has \"ok\": false");
            Object proto = hello.get("protocol");
            if (!PROTOCOL.equals(proto)) {
                throw failure("handshake: the program speaks protocol " + (proto == null ? "(none: no \"protocol\" field)"
                        : Json.write(proto)) + "; this mmspec speaks \"" + PROTOCOL + "\"");
            }
            Object name = hello.getOrDefault("name", baseName(argv.get(0)));
            if (!(name instanceof String)) throw failure("handshake: field \"name\" is " + Json.write(name) + ", not a string");
            this.claims = new Claims((String) name, flag(hello, "buddy"), flag(hello, "snapshot"), flag(hello, "rejects_bad_frees"));
            this.canReset = flag(hello, "reset");
            this.canDigest = flag(hello, "digest");
        } catch (ImplementationFailure e) {
            close();
            throw e;
        }
    }

    private boolean flag(Map<String, Object> hello, String field) {
        Object v = hello.get(field);
        if (v == null) return false;
        if (v instanceof Boolean b) return b;
        throw failure("handshake: field \"" + field + "\" is " + Json.write(v) + ", not true or false");
    }

    private static String baseName(String path) {
        int i = path.lastIndexOf('/');
        return i < 0 ? path : path.substring(i + 1);
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    // ------------------------------------------------------------------ the command line

    /**
     * Splits a command line into arguments: at runs of spaces and tabs, with 'single' and "double"
     * quotes grouping (a backslash escapes the next character outside single quotes). No shell is
     * involved: no variables, globs, pipes or redirections ({@code sh -c '...'} gives a shell).
     */
    public static List<String> split(String command) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (quote == '\'') {
                if (c == '\'') quote = 0;
                else cur.append(c);
            } else if (quote == '"') {
                if (c == '"') quote = 0;
                else if (c == '\\' && i + 1 < command.length()) cur.append(command.charAt(++i));
                else cur.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < command.length()) {
                cur.append(command.charAt(++i));
                inWord = true;
            } else if (c == ' ' || c == '\t' || c == '\n') {
                if (inWord) out.add(cur.toString());
                cur.setLength(0);
                inWord = false;
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (quote != 0) throw new IllegalArgumentException("the command has an unclosed " + quote + " quote: " + command);
        if (inWord) out.add(cur.toString());
        if (out.isEmpty()) throw new IllegalArgumentException("the command is empty");
        return out;
    }

    // ------------------------------------------------------------------ reading

    private void readLines(InputStream in) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        line.write(buf, start, i - start);
                        byte[] b = line.toByteArray();
                        int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
                        lines.add(new String(b, 0, len, StandardCharsets.UTF_8));
                        line.reset();
                        start = i + 1;
                    }
                }
                line.write(buf, start, n - start);
                if (line.size() > MAX_LINE) {
                    lines.add(TOO_LONG);
                    return;
                }
            }
            if (line.size() > 0) lines.add(new String(line.toByteArray(), StandardCharsets.UTF_8) + "\u0000EOF");
        } catch (IOException e) {
            // the process died or was killed: EOF
        }
        lines.add(EOF);
    }

    private void drainStderr(InputStream in) {
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (errRing) {
                    for (int i = 0; i < n; i++) errRing[(int) (errBytes++ % STDERR_TAIL)] = buf[i];
                }
            }
        } catch (IOException e) {
            // the process died
        }
    }

    /** The last lines the program wrote to stderr (at most 10 lines, 4 KiB). */
    String stderrTail() {
        byte[] tail;
        synchronized (errRing) {
            int n = (int) Math.min(errBytes, STDERR_TAIL);
            tail = new byte[n];
            for (int i = 0; i < n; i++) tail[i] = errRing[(int) ((errBytes - n + i) % STDERR_TAIL)];
        }
        String s = new String(tail, StandardCharsets.UTF_8).strip();
        String[] ls = s.split("\n");
        if (ls.length > 10) s = String.join("\n", java.util.Arrays.copyOfRange(ls, ls.length - 10, ls.length));
        return s;
    }

    // ------------------------------------------------------------------ one request

    private ImplementationFailure failure(String message) {
        dead = message;
        kill(process);
        return new ImplementationFailure(message);
    }

    private ImplementationFailure garbage(String what, String request, String problem) {
        return failure(what + ": the answer to " + request + " (output line " + outputLines + ") " + problem);
    }

    /** The program is gone: wait a little for its exit status and report it with its stderr. */
    private ImplementationFailure died(String what, String request, String how) {
        try {
            process.waitFor(1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String status = process.isAlive() ? "it is still running (killed now)" : exitStatus(process.exitValue());
        try {
            errReader.join(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String err = stderrTail();
        return failure(what + ": the program " + how + " (request " + request + "); " + status
                + (err.isEmpty() ? "; nothing on stderr" : "; stderr ends:\n" + indent(err)));
    }

    static String exitStatus(int code) {
        if (code > 128 && code <= 128 + 64) {
            int sig = code - 128;
            return "it was killed by signal " + sig + signalName(sig) + " (exit status " + code + ")";
        }
        return "it exited with status " + code;
    }

    private static String signalName(int sig) {
        return switch (sig) {
            case 1 -> " (SIGHUP)";
            case 2 -> " (SIGINT)";
            case 4 -> " (SIGILL)";
            case 5 -> " (SIGTRAP)";
            case 6 -> " (SIGABRT)";
            case 7 -> " (SIGBUS)";
            case 8 -> " (SIGFPE)";
            case 9 -> " (SIGKILL)";
            case 11 -> " (SIGSEGV)";
            case 13 -> " (SIGPIPE)";
            case 15 -> " (SIGTERM)";
            default -> "";
        };
    }

    private static String indent(String s) {
        return "    " + s.replace("\n", "\n    ");
    }

    private static String clip(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "... (" + s.length() + " characters)" : s;
    }

    /** Sends one request and returns the answer object, which has a boolean "ok". */
    private Map<String, Object> roundTrip(String what, Map<String, Object> request) {
        if (dead != null) throw new ImplementationFailure("the program failed earlier: " + dead);
        String line = Json.write(request);
        try {
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            throw died(what, line, "stopped reading its input");
        }
        Object got;
        try {
            got = lines.poll(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(what + ": interrupted while waiting for the answer to " + line);
        }
        if (got == null) {
            throw failure(what + ": no answer to " + line + " within " + timeoutMs + " ms; the program was killed");
        }
        if (got == EOF) throw died(what, line, "closed its output without answering");
        if (got == TOO_LONG) throw garbage(what, line, "is longer than " + MAX_LINE + " bytes");
        outputLines++;
        String answer = (String) got;
        if (answer.endsWith("\u0000EOF")) {
            answer = answer.substring(0, answer.length() - 4);
            throw died(what, line, "wrote \"" + clip(answer) + "\" without a newline and closed its output");
        }
        Object v;
        try {
            v = Json.parse(answer);
        } catch (Json.ParseException e) {
            throw garbage(what, line, "is not JSON (" + e.getMessage() + "): " + clip(answer));
        }
        if (!(v instanceof Map<?, ?>)) throw garbage(what, line, "is not a JSON object: " + clip(answer));
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) v;
        if (!(m.get("ok") instanceof Boolean)) {
            throw garbage(what, line, "has no \"ok\": true or false: " + clip(answer));
        }
        return m;
    }

    private long nonNegative(String what, String request, Map<String, Object> answer, String field) {
        Object v = answer.get(field);
        if (!(v instanceof Long l) || l < 0) {
            throw garbage(what, request, (v == null ? "has no field \"" + field + "\""
                    : "has \"" + field + "\": " + Json.write(v) + ", not a non-negative integer") + ": " + clip(Json.write(answer)));
        }
        return l;
    }

    // ------------------------------------------------------------------ the SPI

    @Override
    public Claims claims() {
        return claims;
    }

    /** Whether the program said it accepts {@code reset}. */
    public boolean canReset() {
        return canReset;
    }

    @Override
    public void configure(long pages, int maxOrder) {
        Map<String, Object> req = Json.obj("op", "configure", "pages", pages, "max_order", maxOrder);
        Map<String, Object> a = roundTrip("configure", req);
        if (!Boolean.TRUE.equals(a.get("ok"))) {
            Object err = a.get("error");
            dead = "refused the configuration";
            kill(process);
            throw new ImplementationFailure(ImplementationFailure.Kind.CONFIGURE, "the program refuses pages=" + pages
                    + ", max_order=" + maxOrder + (err instanceof String s ? ": " + s : ""));
        }
    }

    @Override
    public long allocate(int order, Migratetype migratetype) {
        Map<String, Object> req = Json.obj("op", "alloc", "order", order, "migratetype", migratetype.wire());
        Map<String, Object> a = roundTrip("alloc", req);
        if (!Boolean.TRUE.equals(a.get("ok"))) return -1;
        return nonNegative("alloc", Json.write(req), a, "pfn");
    }

    @Override
    public boolean free(long pfn, int order) {
        Map<String, Object> a = roundTrip("free", Json.obj("op", "free", "pfn", pfn, "order", order));
        boolean ok = Boolean.TRUE.equals(a.get("ok"));
        Object err = a.get("error");
        lastError = ok ? null : err instanceof String s ? s : null;
        return ok;
    }

    /** The "error" text of the last refused free, or null. */
    public String lastError() {
        return lastError;
    }

    @Override
    public List<long[]> freeBlocks() {
        Map<String, Object> req = Json.obj("op", "snapshot");
        String line = Json.write(req);
        Map<String, Object> a = roundTrip("snapshot", req);
        if (!Boolean.TRUE.equals(a.get("ok"))) throw garbage("snapshot", line, "has \"ok\": false");
        Object fb = a.get("free_blocks");
        if (!(fb instanceof List<?> list)) {
            throw garbage("snapshot", line, (fb == null ? "has no field \"free_blocks\"" : "has a \"free_blocks\" that is not an array")
                    + ": " + clip(Json.write(a)));
        }
        List<long[]> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            Object e = list.get(i);
            if (!(e instanceof List<?> pair) || pair.size() != 2 || !(pair.get(0) instanceof Long p) || !(pair.get(1) instanceof Long o)
                    || p < 0 || o < 0 || o > 62) {
                throw garbage("snapshot", line, "has free_blocks[" + i + "] = " + clip(Json.write(e))
                        + ", not [pfn, order] with pfn >= 0 and order 0..62");
            }
            out.add(new long[] {p, o});
        }
        return out;
    }

    /** The program's digest of its state, when it claims "digest"; else null (no request is sent). */
    @Override
    public String digest() {
        if (!canDigest) return null;
        Map<String, Object> req = Json.obj("op", "digest");
        Map<String, Object> a = roundTrip("digest", req);
        Object d = a.get("digest");
        if (!Boolean.TRUE.equals(a.get("ok")) || !(d instanceof String str)) {
            throw garbage("digest", Json.write(req), "has no \"digest\" string: " + clip(Json.write(a)));
        }
        return str;
    }

    @Override
    public boolean reset() {
        if (!canReset || dead != null) return false;
        Map<String, Object> a = roundTrip("reset", Json.obj("op", "reset"));
        if (!Boolean.TRUE.equals(a.get("ok"))) return false;
        lastError = null;
        return true;
    }

    /** Closes the program's input and kills it (and anything it started). */
    @Override
    public void close() {
        if (dead == null) dead = "closed";
        try {
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
        kill(process);
        try {
            outReader.join(200);
            errReader.join(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LIVE.remove(p);
    }

    /** Processes started and not yet killed (for tests: none should outlive a run). */
    public static int liveProcesses() {
        synchronized (LIVE) {
            LIVE.removeIf(p -> !p.isAlive());
            return LIVE.size();
        }
    }

    @Override
    public String toString() {
        return "`" + String.join(" ", argv) + "` (" + claims.name() + ")";
    }
}
