package org.mmspec.counterexamples.render;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

/**
 * Graphviz compiled to JavaScript (viz.js, shipped with graphviz-java), run in an embedded
 * JavaScript engine: V8 through J2V8 (fast; a native library unpacked into a cache directory) or
 * Nashorn (pure Java; slow to start, about 15 s, then under a second a graph). Each instance
 * starts its engine on first use, on the calling thread, and must then be called from that
 * thread only (V8 requires it); {@link EngineChain} gives each engine its own thread.
 */
public final class VizJsEngine implements ImageEngine {
    public enum Backend { V8, NASHORN }

    private static final String RENDER_JS = String.join("\n",
            "var mmspecViz, mmspecMemory = 67108864;",
            "function mmspecInit(force) {",
            "  if (force || !mmspecViz || mmspecViz.mmspecMemory !== mmspecMemory) {",
            "    mmspecViz = new Viz({",
            "      Module: function () {",
            "        return Viz.Module({print: function (e) { log(e); }, printErr: function (e) { log(e); },",
            "                           TOTAL_MEMORY: mmspecMemory});",
            "      },",
            "      render: Viz.render});",
            "    mmspecViz.mmspecMemory = mmspecMemory;",
            "  }",
            "  return mmspecViz;",
            "}",
            "function mmspecRender(src) {",
            "  try {",
            "    mmspecInit(false).renderString(src, {format: 'svg', engine: 'dot'})",
            "      .then(function (res) { result(res); })",
            "      .catch(function (err) { mmspecInit(true); error(String(err)); });",
            "  } catch (e) { mmspecInit(true); error(String(e)); }",
            "}");

    private final Backend backend;
    private final Path nativeDir;
    private Js js;
    private final Callbacks callbacks = new Callbacks();

    public VizJsEngine(Backend backend) {
        this(backend, null);
    }

    /** {@code nativeDir}: where V8's native library is unpacked; null for the user's cache directory. */
    public VizJsEngine(Backend backend, Path nativeDir) {
        this.backend = backend;
        this.nativeDir = nativeDir;
    }

    @Override
    public String name() {
        return backend == Backend.V8 ? "v8" : "nashorn";
    }

    @Override
    public String unavailableReason() {
        if (vizPath() == null) return "viz.js is not on the class path";
        try {
            Class.forName(backend == Backend.V8 ? "com.eclipsesource.v8.V8" : "org.openjdk.nashorn.api.scripting.NashornScriptEngineFactory",
                    false, VizJsEngine.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return (backend == Backend.V8 ? "J2V8" : "Nashorn") + " is not on the class path";
        }
        return null;
    }

    @Override
    public Duration startup() {
        return backend == Backend.V8 ? Duration.ofSeconds(20) : Duration.ofSeconds(90);
    }

    @Override
    public String svg(String dot) throws Exception {
        start();
        String svg;
        try {
            svg = js.render(dot);
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("enlarge memory")) {
                js.eval("mmspecMemory = 536870912;");
                svg = js.render(dot);
            } else {
                throw e;
            }
        }
        return shrinkFonts(svg, FONT_SHRINK);
    }

    /**
     * viz.js measures text with Helvetica's widths, but a browser or the rasterizer may draw it
     * with a wider font (DejaVu Sans where Helvetica and its clones are missing); drawing the
     * text a little smaller keeps it inside its cell everywhere.
     */
    static final double FONT_SHRINK = 0.9;

    private static final java.util.regex.Pattern FONT_SIZE = java.util.regex.Pattern.compile("font-size=\"([0-9.]+)\"");

    static String shrinkFonts(String svg, double factor) {
        java.util.regex.Matcher m = FONT_SIZE.matcher(svg);
        StringBuilder sb = new StringBuilder(svg.length());
        while (m.find()) {
            double size = Double.parseDouble(m.group(1)) * factor;
            m.appendReplacement(sb, "font-size=\"" + String.format(java.util.Locale.ROOT, "%.2f", size) + "\"");
        }
        m.appendTail(sb);
        return sb.toString();
    }

    @Override
    public byte[] png(String dot, String svg, double scale) throws Exception {
        if (svg == null) svg = svg(dot);
        return SvgRasterizer.png(svg, scale);
    }

    @Override
    public void abort() {
        Js j = js;
        if (j != null) j.terminate();
    }

    @Override
    public void close() {
        Js j = js;
        js = null;
        if (j != null) j.close();
    }

    private void start() throws Unavailable {
        if (js != null) return;
        String viz = vizPath();
        if (viz == null) throw new Unavailable("viz.js is not on the class path", null);
        try {
            Js j = backend == Backend.V8 ? new V8Js(callbacks, nativeDir) : new NashornJs(callbacks);
            j.eval(resource(viz + "viz.js"));
            j.eval(resource(viz + "full.render.js"));
            j.eval(RENDER_JS);
            js = j;
        } catch (Exception | LinkageError e) {
            throw new Unavailable(name() + " did not start: " + e, e);
        }
    }

    /** The resource directory of the viz.js webjar on the class path, or null. */
    static String vizPath() {
        ClassLoader cl = VizJsEngine.class.getClassLoader();
        try (InputStream in = cl.getResourceAsStream("META-INF/maven/org.webjars.npm/viz.js-graphviz-java/pom.properties")) {
            if (in == null) return null;
            Properties p = new Properties();
            p.load(in);
            String dir = "META-INF/resources/webjars/viz.js-graphviz-java/" + p.getProperty("version") + "/";
            return cl.getResource(dir + "viz.js") == null ? null : dir;
        } catch (IOException e) {
            return null;
        }
    }

    static String resource(String path) throws IOException {
        try (InputStream in = VizJsEngine.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new IOException("missing resource " + path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** What the scripts call back: result(svg), error(message), log(line). Public for Nashorn. */
    public static final class Callbacks {
        private String result;
        private String error;

        public synchronized void result(String s) {
            result = s;
            notifyAll();
        }

        public synchronized void error(String s) {
            error = s == null ? "unknown error" : s;
            notifyAll();
        }

        public void log(String s) {
            // viz.js prints Graphviz's warnings here; the DOT is ours, so they are not news
        }

        synchronized void reset() {
            result = null;
            error = null;
        }

        /** Waits for the render's result; interrupted when the chain gives up on the call. */
        synchronized String await() throws IOException, InterruptedException {
            while (result == null && error == null) wait(100);
            if (error != null) throw new IOException(firstLine(error));
            return result;
        }
    }

    static String firstLine(String s) {
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    /** One JavaScript runtime holding viz.js. */
    private interface Js {
        void eval(String code) throws Exception;

        String render(String dot) throws Exception;

        void terminate();

        void close();
    }

    private static final class V8Js implements Js {
        private final com.eclipsesource.v8.V8 v8;
        private final Callbacks cb;

        V8Js(Callbacks cb, Path nativeDir) {
            this.cb = cb;
            Path dir = nativeDir != null ? nativeDir : J2v8Native.cacheDir();
            J2v8Native.preload(dir);
            v8 = com.eclipsesource.v8.V8.createV8Runtime(null, dir.toString());
            v8.registerJavaMethod((com.eclipsesource.v8.JavaVoidCallback) (recv, args) -> cb.result(args.getString(0)), "result");
            v8.registerJavaMethod((com.eclipsesource.v8.JavaVoidCallback) (recv, args) -> cb.error(String.valueOf(args.get(0))), "error");
            v8.registerJavaMethod((com.eclipsesource.v8.JavaVoidCallback) (recv, args) -> cb.log(String.valueOf(args.get(0))), "log");
        }

        @Override
        public void eval(String code) {
            v8.executeVoidScript(code);
        }

        @Override
        public String render(String dot) throws Exception {
            cb.reset();
            com.eclipsesource.v8.V8Array args = new com.eclipsesource.v8.V8Array(v8).push(dot);
            try {
                v8.executeVoidFunction("mmspecRender", args);
            } finally {
                args.release();
            }
            return cb.await();
        }

        @Override
        public void terminate() {
            v8.terminateExecution();
        }

        @Override
        public void close() {
            try {
                v8.release(false);
            } catch (RuntimeException e) {
                // released from another thread or already gone: nothing more to free
            }
        }
    }

    private static final class NashornJs implements Js {
        private final javax.script.ScriptEngine engine;
        private final Callbacks cb;

        NashornJs(Callbacks cb) throws Exception {
            this.cb = cb;
            engine = new org.openjdk.nashorn.api.scripting.NashornScriptEngineFactory().getScriptEngine();
            engine.put("mmspecCallbacks", cb);
            engine.eval("function result(r) { mmspecCallbacks.result(r); }"
                    + "function error(r) { mmspecCallbacks.error(r); }"
                    + "function log(r) { mmspecCallbacks.log(r); }");
            engine.eval(resource("net/arnx/nashorn/lib/promise.js"));
        }

        @Override
        public void eval(String code) throws Exception {
            engine.eval(code);
        }

        @Override
        public String render(String dot) throws Exception {
            cb.reset();
            ((javax.script.Invocable) engine).invokeFunction("mmspecRender", dot);
            return cb.await();
        }

        @Override
        public void terminate() {
            // Nashorn cannot be stopped from outside; the chain abandons its thread
        }

        @Override
        public void close() {
        }
    }
}
