package org.mmspec.counterexamples.render;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The engines a render may use, best first: the system's {@code dot} when it is on the PATH,
 * else viz.js in V8, else viz.js in Nashorn. Each engine runs on its own daemon thread and each
 * call is time-limited; an engine that cannot start or that times out is not asked again, and a
 * graph one engine fails on is offered to the next. Nothing here throws past
 * {@link #render}: a graph no engine could draw is a {@link Failure} with a one-line reason.
 *
 * <p>{@code -Dmmspec.render.engines=dot,v8,nashorn} (or the environment variable
 * {@code MMSPEC_RENDER_ENGINES}) chooses and orders the engines; {@code none} draws nothing.
 */
public final class EngineChain implements AutoCloseable {
    public static final String PROPERTY = "mmspec.render.engines";
    public static final String ENV = "MMSPEC_RENDER_ENGINES";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final Map<String, Supplier<ImageEngine>> KNOWN = new LinkedHashMap<>();

    static {
        KNOWN.put("dot", SystemDotEngine::new);
        KNOWN.put("v8", () -> new VizJsEngine(VizJsEngine.Backend.V8));
        KNOWN.put("nashorn", () -> new VizJsEngine(VizJsEngine.Backend.NASHORN));
    }

    private static EngineChain shared;

    private final List<Slot> slots = new ArrayList<>();
    private Duration timeout = DEFAULT_TIMEOUT;

    /** How often an engine that timed out is started afresh before it is left out. */
    static final int RESTARTS = 1;

    private static final class Slot {
        ImageEngine engine;
        final Supplier<ImageEngine> fresh;
        ExecutorService thread;
        boolean started;
        int restarts;
        /** Why the engine is out of the chain, or null. */
        String out;

        Slot(ImageEngine engine, Supplier<ImageEngine> fresh) {
            this.engine = engine;
            this.fresh = fresh;
        }
    }

    /** What an engine drew: the SVG, and the PNG when asked for (null, with the reason, if only that failed). */
    public record Images(String engine, String svg, byte[] png, String pngProblem) {}

    /** No engine could draw the graph; the message says why, engine by engine, on one line. */
    public static final class Failure extends Exception {
        public Failure(String message) {
            super(message);
        }
    }

    private EngineChain(List<ImageEngine> engines, List<Supplier<ImageEngine>> fresh) {
        for (int i = 0; i < engines.size(); i++) slots.add(new Slot(engines.get(i), fresh == null ? null : fresh.get(i)));
    }

    /** A chain of these engines, in this order (for tests and other callers that bring their own). */
    public static EngineChain of(List<ImageEngine> engines) {
        return new EngineChain(engines, null);
    }

    /** The engines named, comma separated, from {@code dot}, {@code v8}, {@code nashorn}; {@code none} or "" for none. */
    public static EngineChain named(String names) {
        List<ImageEngine> list = new ArrayList<>();
        List<Supplier<ImageEngine>> fresh = new ArrayList<>();
        for (String n : names.split(",")) {
            String t = n.trim().toLowerCase(Locale.ROOT);
            if (t.isEmpty() || t.equals("none")) continue;
            Supplier<ImageEngine> s = KNOWN.get(t);
            if (s == null) {
                throw new IllegalArgumentException("unknown Graphviz engine '" + n.trim() + "' (one of "
                        + String.join(", ", KNOWN.keySet()) + ", none)");
            }
            list.add(s.get());
            fresh.add(s);
        }
        return new EngineChain(list, fresh);
    }

    /** The chain the system property or environment names, else dot, v8, nashorn. */
    public static EngineChain standard() {
        String spec = System.getProperty(PROPERTY);
        if (spec == null) spec = System.getenv(ENV);
        return named(spec == null ? String.join(",", KNOWN.keySet()) : spec);
    }

    /** One {@link #standard()} chain for the whole process, so the embedded engines start once. */
    public static synchronized EngineChain shared() {
        if (shared == null) shared = standard();
        return shared;
    }

    public static List<String> engineNames() {
        return List.copyOf(KNOWN.keySet());
    }

    /** The time limit of one call (the first call of an engine also gets its start-up time). */
    public EngineChain timeout(Duration perCall) {
        this.timeout = perCall;
        return this;
    }

    public Duration timeout() {
        return timeout;
    }

    /** Whether some engine may still draw: one not yet known to be unusable. */
    public synchronized boolean anyLeft() {
        for (Slot s : slots) if (s.out == null && s.engine.unavailableReason() == null) return true;
        return false;
    }

    /** Why each engine is out of the chain, e.g. {@code dot: no dot on PATH; v8: timed out after 30 s}. */
    public synchronized String whyNone() {
        List<String> r = new ArrayList<>();
        for (Slot s : slots) {
            String why = s.out != null ? s.out : s.engine.unavailableReason();
            if (why != null) r.add(s.engine.name() + ": " + why);
        }
        return slots.isEmpty() ? "no Graphviz engine chosen" : String.join("; ", r);
    }

    /**
     * Lays {@code dot} out with the first engine that can, returning its SVG and, when
     * {@code png}, a PNG at up to {@code scale} pixels per point within {@code maxPixels}.
     */
    public synchronized Images render(String dot, boolean png, double scale, double maxPixels) throws Failure {
        List<String> reasons = new ArrayList<>();
        for (Slot s : slots) {
            String name = s.engine.name();
            if (s.out == null) s.out = s.engine.unavailableReason();
            if (s.out != null) {
                reasons.add(name + ": " + s.out);
                continue;
            }
            String svg;
            try {
                Duration limit = s.started ? timeout : timeout.plus(s.engine.startup());
                svg = call(s, () -> s.engine.svg(dot), limit);
                s.started = true;
            } catch (ImageEngine.Unavailable e) {
                s.out = e.getMessage();
                reasons.add(name + ": " + s.out);
                continue;
            } catch (TimeoutException e) {
                reasons.add(name + ": " + e.getMessage());
                continue;
            } catch (Exception e) {
                reasons.add(name + ": " + oneLine(e));
                continue;
            }
            if (!png) return new Images(name, svg, null, null);
            double sc = SvgRasterizer.scale(SvgRasterizer.size(svg), scale, maxPixels);
            try {
                byte[] bytes = call(s, () -> s.engine.png(dot, svg, sc), timeout);
                return new Images(name, svg, bytes, null);
            } catch (Exception e) {
                String why = oneLine(e);
                return new Images(name, svg, null, name + ": " + why);
            }
        }
        throw new Failure(reasons.isEmpty() ? "no Graphviz engine chosen" : String.join("; ", reasons));
    }

    private <T> T call(Slot s, Callable<T> work, Duration limit) throws Exception {
        if (s.thread == null) {
            s.thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "mmspec-render-" + s.engine.name());
                t.setDaemon(true);
                return t;
            });
        }
        Future<T> f = s.thread.submit(work);
        try {
            return f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // the engine's thread may stay busy: abandon it (a daemon) and, once, start the engine afresh
            f.cancel(true);
            s.engine.abort();
            s.thread.shutdownNow();
            s.thread = null;
            String why = "timed out after " + limit.toSeconds() + " s";
            if (s.fresh != null && s.restarts < RESTARTS) {
                s.restarts++;
                s.engine = s.fresh.get();
                s.started = false;
                throw new TimeoutException(why);
            }
            s.out = why;
            throw new TimeoutException(why);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception x) throw x;
            throw new Exception(String.valueOf(c), c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw e;
        }
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) m = e.getClass().getSimpleName();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** Stops every engine's thread, closing the engine on it first. */
    @Override
    public synchronized void close() {
        for (Slot s : slots) {
            if (s.thread == null) continue;
            ExecutorService t = s.thread;
            s.thread = null;
            t.submit(s.engine::close);
            t.shutdown();
            try {
                t.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
