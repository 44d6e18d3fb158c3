package org.mmspec.counterexamples.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.mmspec.counterexamples.render.RenderResult;
import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.RunReport;
import org.mmspec.invariants.engine.Step;

/**
 * The static HTML report of a run: {@code index.html} with the run's figures, every invariant
 * with its statement, citation, checks and violations, the operations, outcomes and situations
 * covered, and a link to one page per counterexample; each counterexample page names its
 * invariant, statement and citation, the violation, the numbered steps with their outcomes, and
 * shows the filmstrip and every step's diagram. Diagrams are inlined as SVG, and there is no
 * external CSS, script or font, so the report opens from disk, alone, and prints plainly.
 */
public final class HtmlReport {
    private HtmlReport() {}

    /**
     * Writes {@code dir/index.html} and one page per counterexample ({@code ce-1-buddy-pbtype.html},
     * ...) and returns the files written, index first.
     */
    public static List<Path> write(Path dir, RunSummary summary, List<ReportedCounterexample> counterexamples)
            throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        Map<ReportedCounterexample, String> pages = new LinkedHashMap<>();
        int n = 1;
        for (ReportedCounterexample rce : counterexamples) {
            String id = rce.counterexample().violation().invariantId();
            pages.put(rce, "ce-" + n++ + "-" + id.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-") + ".html");
        }
        Path index = dir.resolve("index.html");
        Files.writeString(index, index(summary, pages), StandardCharsets.UTF_8);
        written.add(index);
        for (Map.Entry<ReportedCounterexample, String> e : pages.entrySet()) {
            Path page = dir.resolve(e.getValue());
            writeCounterexample(page, e.getKey(), "index.html");
            written.add(page);
        }
        return written;
    }

    /**
     * Writes the page of one counterexample to {@code file}; {@code back} is the link back to the
     * run's summary (relative to the page), or null for a page on its own ({@code mmspec render}).
     */
    public static void writeCounterexample(Path file, ReportedCounterexample rce, String back) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Files.writeString(file, counterexamplePage(parent, rce, back), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ index

    private static String index(RunSummary s, Map<ReportedCounterexample, String> pages) {
        Map<String, String> pageOf = new LinkedHashMap<>();
        for (Map.Entry<ReportedCounterexample, String> e : pages.entrySet()) {
            pageOf.putIfAbsent(e.getKey().counterexample().violation().invariantId(), e.getValue());
        }
        // invariants violated alongside another's counterexample link to that page too
        for (Map.Entry<ReportedCounterexample, String> e : pages.entrySet()) {
            for (Violation v : e.getKey().counterexample().allViolations()) pageOf.putIfAbsent(v.invariantId(), e.getValue());
        }
        StringBuilder b = new StringBuilder();
        head(b, "mmspec check: " + s.subsystem());
        b.append("<h1>mmspec check: ").append(esc(s.subsystem())).append("</h1>\n");
        long violated = s.violatedInvariants();
        if (violated == 0 && pages.isEmpty()) {
            b.append("<p class=\"verdict ok\">Every invariant held.</p>\n");
        } else {
            long n = Math.max(violated, pageOf.size());
            b.append("<p class=\"verdict bad\">");
            if (!pages.isEmpty()) {
                b.append(pages.size()).append(" counterexample").append(pages.size() == 1 ? "" : "s").append("; ");
            }
            b.append(n).append(" invariant").append(n == 1 ? "" : "s").append(" violated in ")
             .append(pages.size() == 1 ? "its" : "their").append(" final state").append(pages.size() == 1 ? "" : "s").append(".</p>\n");
        }
        b.append("<table class=\"figures\">\n");
        fig(b, "subsystem", esc(s.subsystem()));
        fig(b, "configurations", esc(String.join(", ", s.configurations())));
        fig(b, "seed", "<code>" + s.seed() + "</code> (the same seed reproduces the run: <code>mmspec check --seed " + s.seed()
                + "</code>)");
        if (!s.knownBugs().isEmpty()) fig(b, "known bugs re-created", esc(String.join(", ", s.knownBugs())));
        fig(b, "tries", num(s.triesRun()) + " (" + num(s.triesPerConfig()) + " per configuration)");
        fig(b, "steps", num(s.steps()) + " (up to " + num(s.stepsPerTry()) + " per try)");
        fig(b, "time", String.format(Locale.ROOT, "%.1f s", s.millis() / 1000.0));
        fig(b, "checked steps/s", num(Math.round(s.stepsPerSecond())));
        b.append("</table>\n");

        if (!pages.isEmpty()) {
            b.append("<h2>Counterexamples</h2>\n<ul class=\"ces\">\n");
            for (Map.Entry<ReportedCounterexample, String> e : pages.entrySet()) {
                Counterexample ce = e.getKey().counterexample();
                b.append("<li><a href=\"").append(attr(e.getValue())).append("\"><b>").append(esc(ce.violation().invariantId()))
                  .append("</b></a> on configuration ").append(esc(ce.config().name())).append(", ").append(steps(ce.steps().size()))
                  .append(": ").append(esc(ce.violation().message())).append("</li>\n");
            }
            b.append("</ul>\n");
        }

        b.append("<h2>Invariants</h2>\n<table class=\"invariants\">\n<thead><tr><th>invariant</th><th>statement</th>")
         .append("<th>cites</th><th class=\"num\">checks</th><th class=\"num\">violations</th></tr></thead>\n<tbody>\n");
        for (RunReport.InvariantRow r : s.invariants()) {
            boolean bad = r.violations() > 0;
            String page = pageOf.get(r.id());
            b.append("<tr id=\"").append(attr(r.id())).append('"').append(bad ? " class=\"bad\"" : "").append("><td class=\"id\">");
            if (page != null) b.append("<a href=\"").append(attr(page)).append("\">").append(esc(r.id())).append("</a>");
            else b.append(esc(r.id()));
            b.append("</td><td>").append(esc(r.statement())).append("</td><td class=\"cite\">").append(esc(r.citation()))
             .append("</td><td class=\"num\">").append(num(r.checks())).append("</td><td class=\"num\">").append(num(r.violations()))
             .append("</td></tr>\n");
        }
        b.append("</tbody></table>\n");

        b.append("<h2>Statistics</h2>\n");
        counts(b, "Operations", s.operations());
        counts(b, "Outcomes", s.outcomes());
        situations(b, s.situations());
        foot(b);
        return b.toString();
    }

    private static void fig(StringBuilder b, String name, String valueHtml) {
        b.append("<tr><th>").append(esc(name)).append("</th><td>").append(valueHtml).append("</td></tr>\n");
    }

    private static void counts(StringBuilder b, String title, Map<String, Long> m) {
        if (m.isEmpty()) return;
        long total = 0;
        for (long v : m.values()) total += v;
        b.append("<h3>").append(esc(title)).append("</h3>\n<table class=\"counts\">\n");
        for (Map.Entry<String, Long> e : m.entrySet()) {
            b.append("<tr><td><code>").append(esc(e.getKey())).append("</code></td><td class=\"num\">").append(num(e.getValue()))
             .append("</td><td class=\"num share\">").append(total == 0 ? "" : String.format(Locale.ROOT, "%.1f%%", 100.0 * e.getValue() / total))
             .append("</td></tr>\n");
        }
        b.append("</table>\n");
    }

    /** Situations as the CLI prints them: figures named "PREFIX N" (orders) on one row per prefix. */
    private static void situations(StringBuilder b, Map<String, Long> situations) {
        if (situations.isEmpty()) return;
        Map<String, List<String>> grouped = new LinkedHashMap<>();
        Map<String, Long> single = new LinkedHashMap<>();
        List<String> never = new ArrayList<>();
        for (Map.Entry<String, Long> e : situations.entrySet()) {
            String k = e.getKey();
            int sp = k.lastIndexOf(' ');
            if (e.getValue() == 0) {
                never.add(k);
            } else if (sp > 0 && k.substring(sp + 1).matches("\\d+")) {
                grouped.computeIfAbsent(k.substring(0, sp) + " (by order)", x -> new ArrayList<>())
                       .add(k.substring(sp + 1) + ": " + num(e.getValue()));
                single.putIfAbsent(k.substring(0, sp) + " (by order)", null);
            } else {
                single.put(k, e.getValue());
            }
        }
        b.append("<h3>Situations covered</h3>\n<table class=\"counts\">\n");
        for (Map.Entry<String, Long> e : single.entrySet()) {
            b.append("<tr><td>").append(esc(e.getKey())).append("</td><td class=\"num\">");
            if (e.getValue() == null) b.append(esc(String.join("  ", grouped.get(e.getKey()))));
            else b.append(num(e.getValue()));
            b.append("</td></tr>\n");
        }
        b.append("</table>\n");
        if (!never.isEmpty()) {
            b.append("<p class=\"note\">Not covered by this run: ").append(esc(String.join(", ", never))).append(".</p>\n");
        }
    }

    // ------------------------------------------------------------------ counterexample page

    private static String counterexamplePage(Path dir, ReportedCounterexample rce, String back) throws IOException {
        Counterexample ce = rce.counterexample();
        Violation v = ce.violation();
        RenderResult d = rce.diagrams();
        StringBuilder b = new StringBuilder();
        head(b, v.invariantId() + " on " + ce.config().name());
        if (back != null) b.append("<p class=\"nav\"><a href=\"").append(attr(back)).append("\">&larr; run summary</a></p>\n");
        b.append("<h1><span class=\"bad\">").append(esc(v.invariantId())).append("</span> violated on configuration ")
         .append(esc(ce.config().name())).append("</h1>\n");
        b.append("<p class=\"statement\">").append(esc(ce.statement())).append("</p>\n");
        b.append("<p class=\"cite\">cites: <code>").append(esc(ce.citation())).append("</code></p>\n");
        b.append("<div class=\"violation\"><p><b>").append(ce.violationStep() < 0 ? "In the booted state" : "After step " + ce.violationStep())
         .append(":</b> ").append(esc(v.message())).append("</p>\n");
        if (!v.pfns().isEmpty() || !v.nodes().isEmpty()) {
            b.append("<p class=\"evidence\">evidence:");
            for (long p : v.pfns()) b.append(" <code>pfn 0x").append(Long.toHexString(p)).append("</code>");
            for (String n : v.nodes()) b.append(" <code>").append(esc(n)).append("</code>");
            b.append("</p>\n");
        }
        List<Violation> also = ce.allViolations().size() > 1 ? ce.allViolations().subList(1, ce.allViolations().size()) : List.of();
        if (!also.isEmpty()) {
            b.append("<p>Also violated in that state:</p>\n<ul class=\"also\">\n");
            for (Violation x : also) {
                b.append("<li><b>").append(esc(x.invariantId())).append("</b>: ").append(esc(x.message())).append("</li>\n");
            }
            b.append("</ul>\n");
        }
        b.append("</div>\n");

        b.append("<table class=\"figures\">\n");
        String cfg = ce.config().name() + (ce.config().knownBugs().isEmpty() ? "" : " with known bugs " + String.join(", ", ce.config().knownBugs()));
        fig(b, "configuration", esc(cfg));
        fig(b, "seed", "<code>" + ce.seed() + "</code>, try " + ce.tryIndex() + " (try seed <code>" + ce.trySeed() + "</code>)");
        Object original = ce.engine().get("originalSteps");
        Object replays = ce.engine().get("shrinkReplays");
        fig(b, "steps", steps(ce.steps().size()) + (original != null ? ", shrunk from " + esc(String.valueOf(original)) : "")
                + (replays != null ? " in " + esc(String.valueOf(replays)) + " replays" : ""));
        if (rce.json() != null) {
            String href = link(dir, rce.json());
            fig(b, "file", "<a href=\"" + attr(href) + "\">" + esc(rce.json().getFileName().toString()) + "</a> (replay it: <code>mmspec replay "
                    + esc(rce.json().getFileName().toString()) + "</code>)");
        }
        if (d != null && d.engine() != null) fig(b, "diagrams drawn by", esc(d.engine()));
        b.append("</table>\n");
        if (d != null && !d.problems().isEmpty()) {
            b.append("<ul class=\"problems\">\n");
            for (String p : d.problems()) b.append("<li>").append(esc(p)).append("</li>\n");
            b.append("</ul>\n");
        }

        b.append("<h2>Steps</h2>\n<table class=\"steps\">\n<thead><tr><th class=\"num\">#</th><th>operation</th><th>outcome</th></tr></thead>\n<tbody>\n");
        for (int i = 0; i < ce.steps().size(); i++) {
            Step st = ce.steps().get(i);
            Outcome o = i < ce.outcomes().size() ? ce.outcomes().get(i) : null;
            boolean bad = i == ce.violationStep();
            b.append("<tr").append(bad ? " class=\"bad\"" : "").append("><td class=\"num\">");
            if (d != null) b.append("<a href=\"#step-").append(i).append("\">").append(i).append("</a>");
            else b.append(i);
            b.append("</td><td><code>").append(esc(st.op() + "(" + st.args() + ")")).append("</code></td><td><code>")
             .append(o == null ? "" : esc(firstLine(o.toString()))).append("</code>").append(bad ? " <b>&larr; violates " + esc(v.invariantId()) + "</b>" : "")
             .append("</td></tr>\n");
        }
        b.append("</tbody></table>\n");

        if (d == null) {
            b.append("<p class=\"note\">No diagrams were rendered for this counterexample; draw them with <code>mmspec render ")
             .append(esc(rce.json() == null ? "FILE" : rce.json().getFileName().toString())).append("</code>.</p>\n");
        } else {
            b.append("<h2>Filmstrip</h2>\n<p class=\"note\">Every state, left to right: the booted state, then the state after each step."
                    + " Red: what the invariant names; orange: what other violated invariants name; blue outline: what the step touched.</p>\n");
            diagram(b, dir, d.filmstrip(), "film", true);
            b.append("<h2>Step by step</h2>\n");
            for (RenderResult.Diagram x : d.steps()) {
                String anchor = x.stepIndex() < 0 ? "step-boot" : "step-" + x.stepIndex();
                b.append("<section class=\"step").append(x.violating() ? " violating" : "").append("\" id=\"").append(anchor).append("\">\n");
                b.append("<h3>").append(esc(x.stepIndex() < 0 ? "boot: the booted state" : x.title())).append("</h3>\n");
                diagram(b, dir, x, anchor, false);
                b.append("</section>\n");
            }
        }
        foot(b);
        return b.toString();
    }

    /** The diagram inlined as SVG, else its PNG, else a note pointing at its DOT; with links to its files. */
    private static void diagram(StringBuilder b, Path dir, RenderResult.Diagram x, String idPrefix, boolean wide) throws IOException {
        b.append("<div class=\"diagram").append(wide ? " scroll" : "").append("\">\n");
        if (x.svg() != null && Files.isRegularFile(x.svg())) {
            String svg = inlineSvg(Files.readString(x.svg(), StandardCharsets.UTF_8), idPrefix + "-");
            if (wide) svg = sized(svg);
            b.append(svg).append('\n');
        } else if (x.png() != null && Files.isRegularFile(x.png())) {
            b.append("<img src=\"").append(attr(link(dir, x.png()))).append("\" alt=\"").append(attr(x.title())).append("\">\n");
        } else {
            b.append("<p class=\"note\">No image was drawn; the diagram is in its DOT file (draw it with <code>dot -Tsvg</code>).</p>\n");
        }
        b.append("</div>\n<p class=\"files\">");
        String sep = "";
        for (Path p : x.files()) {
            b.append(sep).append("<a href=\"").append(attr(link(dir, p))).append("\">").append(esc(p.getFileName().toString())).append("</a>");
            sep = " &middot; ";
        }
        b.append("</p>\n");
    }

    /** The page's text column in CSS pixels, and the smallest scale a wide diagram is shown at. */
    static final double PAGE_PX = 1240;
    static final double MIN_SCALE = 0.55;
    private static final Pattern ROOT_SIZE = Pattern.compile("<svg([^>]*?)\\swidth=\"([0-9.]+)pt\"([^>]*?)\\sheight=\"([0-9.]+)pt\"");

    /**
     * A wide diagram (the filmstrip) scaled to the page's width when that keeps its text at least
     * {@link #MIN_SCALE} of its size; wider ones stay at that scale and scroll sideways.
     */
    static String sized(String svg) {
        Matcher m = ROOT_SIZE.matcher(svg);
        if (!m.find()) return svg;
        double w = Double.parseDouble(m.group(2)) * 4 / 3;
        double h = Double.parseDouble(m.group(4)) * 4 / 3;
        double scale = Math.max(MIN_SCALE, Math.min(1, PAGE_PX / w));
        String size = String.format(Locale.ROOT, " width=\"%.0fpx\" height=\"%.0fpx\"", w * scale, h * scale);
        return svg.substring(0, m.start()) + "<svg" + m.group(1) + size + m.group(3) + svg.substring(m.end());
    }

    private static final Pattern PROLOG = Pattern.compile("^(\\s*<\\?xml[^>]*>|\\s*<!DOCTYPE[^>]*>|\\s*<!--.*?-->)+", Pattern.DOTALL);
    private static final Pattern IDS = Pattern.compile("(\\sid=\")|(url\\(#)|(href=\"#)");

    /**
     * An SVG file's markup for inlining in HTML: without its XML prolog and doctype, every id
     * prefixed so several diagrams share a page without clashing.
     */
    static String inlineSvg(String svg, String idPrefix) {
        String s = PROLOG.matcher(svg).replaceFirst("");
        Matcher m = IDS.matcher(s);
        StringBuilder sb = new StringBuilder(s.length() + 256);
        while (m.find()) m.appendReplacement(sb, Matcher.quoteReplacement(m.group() + idPrefix));
        m.appendTail(sb);
        return sb.toString().trim();
    }

    // ------------------------------------------------------------------ page frame

    private static final String CSS = String.join("\n",
            "body { font: 15px/1.45 Helvetica, Arial, \"Liberation Sans\", \"DejaVu Sans\", sans-serif; color: #1b1b1b;",
            "       max-width: 1280px; margin: 1.5em auto; padding: 0 1.2em; }",
            "h1 { font-size: 1.55em; margin: .3em 0 .5em; } h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #bbb; }",
            "h3 { font-size: 1.02em; margin: 1.2em 0 .4em; }",
            "table { border-collapse: collapse; margin: .4em 0; } th, td { border: 1px solid #ccc; padding: .22em .55em; text-align: left;",
            "       vertical-align: top; } thead th { background: #f2f2f2; } .num { text-align: right; font-variant-numeric: tabular-nums; }",
            "table.figures th { background: #f6f6f6; font-weight: normal; color: #444; white-space: nowrap; }",
            "table.invariants td.id { white-space: nowrap; font-family: \"DejaVu Sans Mono\", Menlo, Consolas, monospace; font-size: .9em; }",
            "td.cite, p.cite { color: #555; font-size: .88em; } td.share { color: #666; }",
            "code { font-family: \"DejaVu Sans Mono\", Menlo, Consolas, monospace; font-size: .88em; }",
            ".bad { color: #b40000; } tr.bad td { background: #fff1f1; } .ok { color: #17692f; }",
            ".verdict { font-size: 1.15em; font-weight: bold; }",
            ".violation { border-left: 5px solid #d40000; background: #fff6f6; padding: .3em 1em; margin: 1em 0; }",
            ".statement { font-size: 1.05em; } .note, .files { color: #555; font-size: .9em; } .nav { font-size: .9em; }",
            "ul.problems { color: #8a4b00; font-size: .9em; }",
            ".diagram { margin: .5em 0; } .diagram svg, .diagram img { max-width: 100%; height: auto; }",
            ".diagram.scroll { overflow-x: auto; border: 1px solid #ddd; } .diagram.scroll svg, .diagram.scroll img { max-width: none; }",
            "section.step { margin-bottom: 1.5em; } section.violating h3 { color: #b40000; }",
            "a { color: #0b57b0; }",
            "@media print { body { max-width: none; margin: 0; font-size: 11pt; } a { color: inherit; text-decoration: none; }",
            "  .diagram.scroll { overflow: visible; border: none; } .diagram.scroll svg { max-width: 100%; }",
            "  section.step { break-inside: avoid; } h2 { break-after: avoid; } }");

    private static void head(StringBuilder b, String title) {
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
         .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
         .append("<meta name=\"generator\" content=\"mmspec\">\n<title>").append(esc(title)).append("</title>\n<style>\n").append(CSS)
         .append("\n</style>\n</head>\n<body>\n");
    }

    private static void foot(StringBuilder b) {
        b.append("<p class=\"note\">mmspec, an executable specification of Linux v6.18 memory management.</p>\n</body>\n</html>\n");
    }

    // ------------------------------------------------------------------ helpers

    /** A relative link from {@code dir} to {@code target}, '/'-separated and percent-encoded. */
    static String link(Path dir, Path target) {
        Path rel;
        try {
            rel = dir.toAbsolutePath().normalize().relativize(target.toAbsolutePath().normalize());
        } catch (IllegalArgumentException e) {
            rel = target.toAbsolutePath().normalize();
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rel.getNameCount(); i++) {
            if (i > 0) sb.append('/');
            sb.append(encode(rel.getName(i).toString()));
        }
        return sb.toString();
    }

    private static String encode(String segment) {
        StringBuilder sb = new StringBuilder();
        for (byte x : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (Character.isLetterOrDigit(c) && c < 128 || "-._~".indexOf(c) >= 0) sb.append((char) c);
            else sb.append('%').append(String.format("%02X", c));
        }
        return sb.toString();
    }

    static String esc(String s) {
        if (s == null) return "";
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String attr(String s) {
        return esc(s);
    }

    private static String num(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    private static String steps(int n) {
        return n + " step" + (n == 1 ? "" : "s");
    }

    private static String firstLine(String s) {
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
