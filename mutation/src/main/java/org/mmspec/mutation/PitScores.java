package org.mmspec.mutation;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Turns PIT's {@code mutations.xml} into the per-package table README.md records: mutants,
 * killed, timed out, other detections (memory and run errors), survived, no coverage, and two
 * scores over all mutants (so a mutant no test reaches counts against both): killed only, and
 * PIT's own, which counts every detected mutant, timeouts included. Followed by every mutant that was not detected, one line each (class, method,
 * line, mutator, what it did), so each can be killed or argued equivalent.
 *
 * <p>{@code java org.mmspec.mutation.PitScores [-o out.md] mutations.xml...}: reads each report
 * (several when PIT ran once per package, README.md), prints the table and writes it, with the
 * list of undetected mutants, to {@code out.md} when given. A mutant two reports both hold (the
 * same class, method, line, mutator and index) is counted once, from the later file. Exit status
 * 2 when a file cannot be read or none is given.
 */
public final class PitScores {
    private PitScores() {}

    /** One mutant as mutations.xml records it. */
    public record Mutant(String status, boolean detected, String mutatedClass, String method, int line, String mutator,
                         String description, String key) {
        public String pkg() {
            int dot = mutatedClass.lastIndexOf('.');
            return dot < 0 ? "(default)" : mutatedClass.substring(0, dot);
        }
    }

    /** The counts of one package (or of all). */
    public static final class Row {
        public long mutants;
        public long killed;
        public long survived;
        public long noCoverage;
        public long timedOut;
        public long otherDetected;
        public long detected;

        void add(Mutant m) {
            mutants++;
            if (m.detected()) detected++;
            switch (m.status()) {
                case "KILLED" -> killed++;
                case "SURVIVED" -> survived++;
                case "NO_COVERAGE" -> noCoverage++;
                case "TIMED_OUT" -> timedOut++;
                default -> {
                    if (m.detected()) otherDetected++;
                }
            }
        }

        /** PIT's mutation score: detected (killed, timed out, or a memory or run error) over all. */
        public double score() {
            return mutants == 0 ? 0 : 100.0 * detected / mutants;
        }

        /** The stricter score: mutants a test failed on, over all; a timeout does not count. */
        public double killedScore() {
            return mutants == 0 ? 0 : 100.0 * killed / mutants;
        }
    }

    public static List<Mutant> read(Path xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document d = f.newDocumentBuilder().parse(xml.toFile());
        NodeList ns = d.getElementsByTagName("mutation");
        List<Mutant> out = new ArrayList<>();
        for (int i = 0; i < ns.getLength(); i++) {
            Element e = (Element) ns.item(i);
            String cls = text(e, "mutatedClass");
            int dollar = cls.indexOf('$');
            String key = String.join("|", cls, text(e, "mutatedMethod"), text(e, "methodDescription"),
                    text(e, "lineNumber"), text(e, "mutator"), text(e, "indexes"), text(e, "blocks"));
            out.add(new Mutant(e.getAttribute("status"), Boolean.parseBoolean(e.getAttribute("detected")),
                    dollar < 0 ? cls : cls.substring(0, dollar), text(e, "mutatedMethod"),
                    Integer.parseInt(text(e, "lineNumber")), shortMutator(text(e, "mutator")), text(e, "description"), key));
        }
        return out;
    }

    private static String text(Element e, String tag) {
        NodeList l = e.getElementsByTagName(tag);
        return l.getLength() == 0 ? "" : l.item(0).getTextContent().trim();
    }

    private static String shortMutator(String m) {
        int dot = m.lastIndexOf('.');
        return dot < 0 ? m : m.substring(dot + 1);
    }

    /**
     * The table, one row per package in name order and a total row, as Markdown. "killed %" counts
     * only the mutants a test failed on; "detected %" is PIT's score, which also counts timeouts
     * (a mutant that loops) and memory or run errors as detected.
     */
    public static String table(List<Mutant> ms) {
        Map<String, Row> rows = new TreeMap<>();
        Row all = new Row();
        for (Mutant m : ms) {
            rows.computeIfAbsent(m.pkg(), k -> new Row()).add(m);
            all.add(m);
        }
        StringBuilder b = new StringBuilder();
        b.append("| package | mutants | killed | timed out | other detected | survived | no coverage | killed % | detected % |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        rows.forEach((p, r) -> b.append(line("`" + p + "`", r)));
        b.append(line("**all**", all));
        return b.toString();
    }

    private static String line(String name, Row r) {
        return String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %d | %.1f %% | %.1f %% |%n", name, r.mutants,
                r.killed, r.timedOut, r.otherDetected, r.survived, r.noCoverage, r.killedScore(), r.score());
    }

    /** Every undetected mutant, by class and line. */
    public static String undetected(List<Mutant> ms) {
        StringBuilder b = new StringBuilder();
        ms.stream().filter(m -> !m.detected())
                .sorted((x, y) -> x.mutatedClass().equals(y.mutatedClass()) ? Integer.compare(x.line(), y.line())
                        : x.mutatedClass().compareTo(y.mutatedClass()))
                .forEach(m -> b.append(String.format(Locale.ROOT, "- %s %s:%d %s (%s): %s%n", m.status(), m.mutatedClass(),
                        m.line(), m.method(), m.mutator(), m.description())));
        return b.toString();
    }

    /** The mutants of all the reports, each once: a later report's verdict replaces an earlier one's. */
    public static List<Mutant> readAll(List<Path> xmls) throws Exception {
        Map<String, Mutant> byKey = new LinkedHashMap<>();
        for (Path x : xmls) {
            for (Mutant m : read(x)) byKey.put(m.key(), m);
        }
        return new ArrayList<>(byKey.values());
    }

    public static void main(String[] args) throws IOException {
        Path out = null;
        List<Path> in = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-o") && i + 1 < args.length) out = Path.of(args[++i]);
            else in.add(Path.of(args[i]));
        }
        if (in.isEmpty()) {
            System.err.println("usage: PitScores [-o out.md] mutations.xml...");
            System.exit(2);
        }
        List<Mutant> ms;
        try {
            ms = readAll(in);
        } catch (Exception e) {
            System.err.println("PitScores: cannot read " + in + ": " + e);
            System.exit(2);
            return;
        }
        String table = table(ms);
        String rest = undetected(ms);
        PrintStream p = System.out;
        p.println("Mutation scores (PIT: detected / all mutants) from " + in + ":");
        p.println();
        p.print(table);
        p.println();
        p.println(ms.stream().filter(m -> !m.detected()).count() + " mutants not detected"
                + (out != null ? " (listed in " + out + ")" : ""));
        if (out != null) {
            Files.writeString(out, table + "\nNot detected:\n\n" + rest, StandardCharsets.UTF_8);
        }
    }
}
