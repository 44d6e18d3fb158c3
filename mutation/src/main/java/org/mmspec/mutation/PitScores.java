package org.mmspec.mutation;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * killed, survived, no coverage, timed out, other detections (memory and run errors) and the
 * score, PIT's own: detected mutants over all mutants, so a mutant no test reaches counts
 * against it. Followed by every mutant that was not detected, one line each (class, method,
 * line, mutator, what it did), so each can be killed or argued equivalent.
 *
 * <p>{@code java org.mmspec.mutation.PitScores mutations.xml [out.md]}: prints the table and
 * writes it to {@code out.md} when given. Exit status 2 when the file cannot be read.
 */
public final class PitScores {
    private PitScores() {}

    /** One mutant as mutations.xml records it. */
    public record Mutant(String status, boolean detected, String mutatedClass, String method, int line, String mutator,
                         String description) {
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

        public double score() {
            return mutants == 0 ? 0 : 100.0 * detected / mutants;
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
            out.add(new Mutant(e.getAttribute("status"), Boolean.parseBoolean(e.getAttribute("detected")),
                    dollar < 0 ? cls : cls.substring(0, dollar), text(e, "mutatedMethod"),
                    Integer.parseInt(text(e, "lineNumber")), shortMutator(text(e, "mutator")), text(e, "description")));
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

    /** The table, one row per package in name order and a total row, as Markdown. */
    public static String table(List<Mutant> ms) {
        Map<String, Row> rows = new TreeMap<>();
        Row all = new Row();
        for (Mutant m : ms) {
            rows.computeIfAbsent(m.pkg(), k -> new Row()).add(m);
            all.add(m);
        }
        StringBuilder b = new StringBuilder();
        b.append("| package | mutants | killed | survived | no coverage | timed out | other detected | score |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        rows.forEach((p, r) -> b.append(line("`" + p + "`", r)));
        b.append(line("**all**", all));
        return b.toString();
    }

    private static String line(String name, Row r) {
        return String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %d | %.1f %% |%n", name, r.mutants, r.killed,
                r.survived, r.noCoverage, r.timedOut, r.otherDetected, r.score());
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

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: PitScores mutations.xml [out.md]");
            System.exit(2);
        }
        List<Mutant> ms;
        try {
            ms = read(Path.of(args[0]));
        } catch (Exception e) {
            System.err.println("PitScores: cannot read " + args[0] + ": " + e.getMessage());
            System.exit(2);
            return;
        }
        String table = table(ms);
        String rest = undetected(ms);
        PrintStream out = System.out;
        out.println("Mutation scores (PIT: detected / all mutants) from " + args[0] + ":");
        out.println();
        out.print(table);
        out.println();
        out.println(ms.stream().filter(m -> !m.detected()).count() + " mutants not detected"
                + (args.length == 2 ? " (listed in " + args[1] + ")" : ""));
        if (args.length == 2) {
            Files.writeString(Path.of(args[1]), table + "\nNot detected:\n\n" + rest, StandardCharsets.UTF_8);
        }
    }
}
