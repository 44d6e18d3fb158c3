package org.mmspec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;

import org.mmspec.counterexamples.CounterexampleJson;
import org.mmspec.counterexamples.render.EngineChain;
import org.mmspec.counterexamples.render.ImageFormat;
import org.mmspec.counterexamples.render.RenderException;
import org.mmspec.counterexamples.render.RenderResult;
import org.mmspec.counterexamples.render.Renderer;
import org.mmspec.counterexamples.report.HtmlReport;
import org.mmspec.counterexamples.report.ReportedCounterexample;
import org.mmspec.invariants.engine.Counterexample;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mmspec render FILE}: replays a counterexample and draws it: one Graphviz diagram per
 * state (the booted state, then after each step), a filmstrip of them all, their images, and a
 * page that shows them together.
 */
@Command(name = "render", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Draw a counterexample: replay it, then write one Graphviz diagram per state (step-boot, "
                + "step-00, ...), a filmstrip of all of them, their images and index.html, which shows them together.",
            "Images come from the system's dot when it is installed, else from Graphviz in JavaScript; a diagram "
                + "that cannot be drawn keeps its DOT file and is reported in one line.",
            "Exit 0 when drawn, 2 when the file is not a readable counterexample."})
public final class RenderCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "A counterexample file (mmspec-counterexample/1 JSON).")
    Path file;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR",
            description = "Directory to write into; default: FILE's directory and base name, without .json.")
    Path output;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "svg",
            description = "dot: the DOT files only; svg (default) or png: DOT and images; svg,png: both.")
    String format;

    @Option(names = "--engine", paramLabel = "NAMES",
            description = "Graphviz engines to try, in order, from dot, v8, nashorn; default: dot,v8,nashorn.")
    String engine;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        Set<ImageFormat> formats;
        EngineChain chain;
        try {
            formats = Renderer.formats(format);
            chain = engine == null ? EngineChain.shared() : EngineChain.named(engine);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage());
        }
        Counterexample ce = read(file);
        Path dir = output != null ? output : defaultDirectory(file);
        RenderResult r;
        try {
            r = new Renderer(chain).render(ce, dir, formats);
        } catch (RenderException e) {
            throw new Main.UsageException(file + ": " + e.getMessage());
        } catch (IOException e) {
            throw new Main.UsageException("cannot write " + dir + ": " + e.getMessage());
        }
        Path page = dir.resolve("index.html");
        boolean wrotePage = false;
        try {
            HtmlReport.writeCounterexample(page, new ReportedCounterexample(ce, file, r), null);
            wrotePage = true;
        } catch (IOException e) {
            System.err.println("mmspec render: index.html not written: " + e.getMessage());
        }
        int n = ce.steps().size();
        out.println("mmspec render: " + ce.violation().invariantId() + " on configuration " + ce.config().name() + ", " + n
                + " step" + (n == 1 ? "" : "s") + (r.engine() != null ? ", images by " + r.engine() : "") + ", into " + dir);
        for (Path p : r.files()) out.println(p);
        if (wrotePage) out.println(page);
        for (String problem : r.problems()) System.err.println("mmspec render: " + problem);
        return 0;
    }

    /** The counterexample in {@code file}; a file that is missing or malformed is bad usage (exit 2). */
    static Counterexample read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new Main.UsageException(file + ": no such file");
        } catch (CharacterCodingException e) {
            throw new Main.UsageException(file + ": not UTF-8 text, so not a counterexample file");
        } catch (IOException e) {
            throw new Main.UsageException(file + ": cannot read: " + e.getMessage());
        }
        try {
            return CounterexampleJson.read(text);
        } catch (CounterexampleJson.FormatException e) {
            throw new Main.UsageException(file + ": " + e.getMessage());
        }
    }

    /** {@code dir/name.json} renders into {@code dir/name}. */
    static Path defaultDirectory(Path file) {
        String name = file.getFileName().toString();
        String base = name.endsWith(".json") && name.length() > 5 ? name.substring(0, name.length() - 5) : name + ".diagrams";
        Path parent = file.getParent();
        return parent == null ? Path.of(base) : parent.resolve(base);
    }
}
