package org.mmspec.counterexamples.render;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.mmspec.counterexamples.Replay;
import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Step;

/**
 * Draws a counterexample: replays it on a fresh reference keeping the state after boot and after
 * every step, asks the subsystem's {@link DiagramView} for one panel per state (the violated
 * state's panel with the evidence in red), and writes into a directory
 * <ul>
 * <li>{@code step-boot.dot}, {@code step-00.dot}, {@code step-01.dot}, ...: one panel each;</li>
 * <li>{@code filmstrip.dot}: every panel, left to right, under the violation's headline;</li>
 * <li>the same names with {@code .svg} and {@code .png}, as asked, drawn by the first engine of
 * the {@link EngineChain} that can.</li>
 * </ul>
 * The DOT files are always written first. Drawing images never fails the render: an image that
 * cannot be drawn (no engine, a timeout, an engine error) becomes one line in
 * {@link RenderResult#problems()} and its DOT stays.
 */
public final class Renderer {
    /** PNG pixels per point (2: sharp on screens and in print). */
    public static final double PNG_SCALE = 2.0;
    /** The largest PNG drawn, in pixels; a larger filmstrip is drawn smaller. */
    public static final double MAX_PIXELS = 36e6;

    /** A filmstrip larger than this (about 40 panels of a small zone) is left as DOT: no engine lays it out in time. */
    public static final int MAX_IMAGE_DOT_CHARS = 1_000_000;

    private final EngineChain engines;
    private Duration budget = Duration.ofMinutes(3);

    /** A renderer using the process-wide chain: dot, else V8, else Nashorn. */
    public Renderer() {
        this(EngineChain.shared());
    }

    public Renderer(EngineChain engines) {
        this.engines = engines;
    }

    /** The longest all images of one render may take together; the rest are skipped with one line. */
    public Renderer budget(Duration total) {
        this.budget = total;
        return this;
    }

    public RenderResult render(Counterexample ce, Path dir, Set<ImageFormat> formats) throws IOException, RenderException {
        Replay.Result replay = Replay.replay(ce, true);
        Execution<?> ex = replay.execution();
        if (ex == null || ex.snapshots.isEmpty()) throw new RenderException("cannot replay the counterexample: " + replay.message());
        DiagramView<?> view = DiagramViews.get(ce.subsystem());
        if (view == null) {
            throw new RenderException("no diagram view for subsystem '" + ce.subsystem() + "' (views: " + DiagramViews.subsystems() + ")");
        }
        List<Violation> evidence;
        int redStep;
        String note = null;
        if (ex.violationStep != -1) {
            evidence = ex.violations;
            redStep = ex.violationStep == -2 ? -1 : ex.violationStep;
        } else {
            evidence = List.of();
            redStep = Integer.MIN_VALUE;
        }
        if (replay.status() != Replay.Status.REPRODUCED) note = "replay: " + replay.message();
        Highlight red = Highlight.of(evidence, ce.violation().invariantId());

        Files.createDirectories(dir);
        List<String> problems = new ArrayList<>();
        if (note != null) problems.add(note);
        int nSteps = ex.snapshots.size() - 1;
        int width = Math.max(2, String.valueOf(Math.max(0, nSteps - 1)).length());
        List<String> panels = new ArrayList<>();
        List<RenderResult.Diagram> steps = new ArrayList<>();
        Map<RenderResult.Diagram, String> dots = new LinkedHashMap<>();
        String legend = view.legend("legend_");
        for (int i = -1; i < nSteps; i++) {
            Step step = i >= 0 ? ce.steps().get(i) : null;
            Outcome outcome = i >= 0 && i < ex.outcomes.size() ? ex.outcomes.get(i) : null;
            Highlight h = i == redStep ? red : Highlight.NONE;
            String title = i < 0 ? "boot" : DiagramView.title(i, step, outcome);
            String panel;
            try {
                panel = panelOf(view, ex.snapshots.get(i + 1), i, step, outcome, h);
            } catch (RuntimeException e) {
                problems.add((i < 0 ? "boot" : "step " + i) + ": the " + ce.subsystem() + " view failed: " + e);
                panel = errorPanel(i, title, e);
            }
            panels.add(panel);
            String name = i < 0 ? "step-boot" : String.format("step-%0" + width + "d", i);
            Path dot = dir.resolve(name + ".dot");
            String doc = document(name, header(ce, i < 0 ? "the booted state" : "the state after step " + i), panel, legend, null);
            Files.writeString(dot, doc, StandardCharsets.UTF_8);
            RenderResult.Diagram d = new RenderResult.Diagram(i, title, i == redStep, dot, null, null);
            steps.add(d);
            dots.put(d, doc);
        }
        Path filmDot = dir.resolve("filmstrip.dot");
        String film = document("filmstrip", header(ce, "every panel, left to right"), String.join("", panels), legend,
                headline(ce, evidence, redStep));
        Files.writeString(filmDot, film, StandardCharsets.UTF_8);
        RenderResult.Diagram filmstrip = new RenderResult.Diagram(-2, "filmstrip", false, filmDot, null, null);
        dots.put(filmstrip, film);

        String engine = null;
        if (!formats.isEmpty()) {
            engine = drawImages(dots, formats, problems);
            for (int k = 0; k < steps.size(); k++) steps.set(k, drawn(steps.get(k), formats));
            filmstrip = drawn(filmstrip, formats);
        }
        return new RenderResult(dir, steps, filmstrip, engine, problems, note);
    }

    @SuppressWarnings("unchecked")
    private static <S> String panelOf(DiagramView<S> view, Object state, int i, Step step, Outcome outcome, Highlight h) {
        if (!view.stateType().isInstance(state)) {
            throw new IllegalStateException("the replayed state is a " + state.getClass().getSimpleName() + ", not a "
                    + view.stateType().getSimpleName());
        }
        return view.panel((S) state, i, step, outcome, h);
    }

    /** The diagram with the paths of the images that exist on disk. */
    private static RenderResult.Diagram drawn(RenderResult.Diagram d, Set<ImageFormat> formats) {
        String base = d.dot().getFileName().toString().replaceFirst("\\.dot$", "");
        Path svg = d.dot().resolveSibling(base + ".svg");
        Path png = d.dot().resolveSibling(base + ".png");
        return d.withImages(formats.contains(ImageFormat.SVG) && Files.isRegularFile(svg) ? svg : null,
                formats.contains(ImageFormat.PNG) && Files.isRegularFile(png) ? png : null);
    }

    /** Draws every DOT; returns the engine that drew the first image, or null. */
    private String drawImages(Map<RenderResult.Diagram, String> dots, Set<ImageFormat> formats, List<String> problems)
            throws IOException {
        long deadline = System.nanoTime() + budget.toNanos();
        String used = null;
        List<String> failed = new ArrayList<>();
        String firstReason = null;
        boolean sameReason = true;
        boolean png = formats.contains(ImageFormat.PNG);
        for (Map.Entry<RenderResult.Diagram, String> e : dots.entrySet()) {
            Path dot = e.getKey().dot();
            String base = dot.getFileName().toString().replaceFirst("\\.dot$", "");
            // a stale image from an earlier render must not pass for this one
            Files.deleteIfExists(dot.resolveSibling(base + ".svg"));
            Files.deleteIfExists(dot.resolveSibling(base + ".png"));
            String reason;
            if (System.nanoTime() > deadline) {
                reason = "the time for images (" + budget.toSeconds() + " s) was spent";
            } else if (e.getValue().length() > MAX_IMAGE_DOT_CHARS) {
                problems.add(base + ": not drawn (" + e.getValue().length() / 1000 + " kB of DOT is too large for one image)");
                continue;
            } else {
                try {
                    EngineChain.Images img = engines.render(e.getValue(), png, PNG_SCALE, MAX_PIXELS);
                    if (used == null) used = img.engine();
                    if (formats.contains(ImageFormat.SVG)) {
                        Files.writeString(dot.resolveSibling(base + ".svg"), img.svg(), StandardCharsets.UTF_8);
                    }
                    if (png && img.png() != null) Files.write(dot.resolveSibling(base + ".png"), img.png());
                    if (png && img.png() == null) problems.add(base + ".png not drawn: " + img.pngProblem());
                    continue;
                } catch (EngineChain.Failure f) {
                    reason = f.getMessage();
                }
            }
            failed.add(base);
            if (firstReason == null) firstReason = reason;
            else if (!firstReason.equals(reason)) sameReason = false;
            if (!sameReason || failed.size() == 1) problems.add(base + ": not drawn (" + reason + ")");
        }
        if (failed.size() > 1 && sameReason) {
            problems.remove(failed.get(0) + ": not drawn (" + firstReason + ")");
            problems.add((failed.size() == dots.size() ? "no images drawn" : failed.size() + " images not drawn") + " ("
                    + firstReason + "); the DOT files are complete");
        }
        return used;
    }

    private static String header(Counterexample ce, String what) {
        return "// mmspec counterexample: " + ce.violation().invariantId() + " on configuration " + ce.config().name()
                + " (seed " + ce.seed() + ", try " + ce.tryIndex() + "); " + what + "\n";
    }

    private static String headline(Counterexample ce, List<Violation> evidence, int redStep) {
        Violation v = evidence.isEmpty() ? ce.violation() : evidence.get(0);
        String where = redStep == Integer.MIN_VALUE ? "not reproduced by the replay"
                : redStep < 0 ? "in the booted state" : "after step " + redStep;
        return "<TABLE BORDER=\"0\" CELLPADDING=\"2\"><TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"18\" COLOR=\"" + Dot.RED + "\"><B>"
                + Dot.html(v.invariantId()) + "</B></FONT><FONT POINT-SIZE=\"14\"> violated " + Dot.html(where)
                + " on configuration " + Dot.html(ce.config().name()) + " (seed " + ce.seed() + ")</FONT></TD></TR>"
                + "<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\"><FONT POINT-SIZE=\"12\">" + Dot.wrap(v.message(), 140) + "</FONT></TD></TR>"
                + "<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\" COLOR=\"#404040\">" + Dot.wrap(ce.statement(), 160)
                + "<BR ALIGN=\"LEFT\"/>cites: " + Dot.html(ce.citation()) + "</FONT></TD></TR></TABLE>";
    }

    private static String document(String name, String header, String body, String legend, String label) {
        StringBuilder sb = new StringBuilder(header);
        sb.append("digraph ").append(Dot.quote(name)).append(" {\n");
        sb.append("  graph [fontname=").append(Dot.quote(Dot.FONT)).append(", fontsize=12, nodesep=0.4, ranksep=0.4, pad=0.3, ")
          .append("bgcolor=white, newrank=true");
        if (label != null) sb.append(", labelloc=t, labeljust=l, label=<").append(label).append(">");
        sb.append("];\n");
        sb.append("  node [fontname=").append(Dot.quote(Dot.FONT)).append(", fontsize=10, shape=plaintext];\n");
        sb.append("  edge [fontname=").append(Dot.quote(Dot.FONT)).append(", fontsize=9];\n");
        sb.append(body);
        if (legend != null && !legend.isEmpty()) sb.append(legend);
        sb.append("}\n");
        return sb.toString();
    }

    private static String errorPanel(int i, String title, RuntimeException e) {
        String id = DiagramView.panelId(i);
        return "subgraph cluster_" + id + " {\n  label=" + Dot.quote(title) + ";\n  " + DiagramView.prefix(i) + "error [label="
                + Dot.quote("cannot draw this state: " + e) + "];\n}\n";
    }

    /** The formats of {@code --format}: dot (none), svg, png, or a comma list of svg and png. */
    public static Set<ImageFormat> formats(String spec) {
        Set<ImageFormat> out = EnumSet.noneOf(ImageFormat.class);
        for (String s : spec.split(",")) {
            String t = s.trim().toLowerCase(java.util.Locale.ROOT);
            switch (t) {
                case "dot", "" -> { }
                case "svg" -> out.add(ImageFormat.SVG);
                case "png" -> out.add(ImageFormat.PNG);
                default -> throw new IllegalArgumentException("unknown format '" + s.trim() + "' (one of dot, svg, png)");
            }
        }
        return out;
    }
}
