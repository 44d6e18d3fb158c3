package org.mmspec.conformance;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A table of what the kernel printed against what the reference computes: one row per zone and
 * field. {@link #allAgree()} decides the exit status of {@code mmspec conform}.
 */
public final class Comparison {
    /** One compared value; {@code kernel} and {@code reference} as printed. */
    public record Row(String zone, String field, String kernel, String reference) {
        public boolean agrees() {
            return kernel.equals(reference);
        }
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    /** The title of the first column ("zone"; KSM's table names the scenario and scan there). */
    private final String where;

    public Comparison() {
        this("zone");
    }

    public Comparison(String firstColumn) {
        this.where = firstColumn;
    }

    public void add(String zone, String field, String kernel, String reference) {
        rows.add(new Row(zone, field, kernel, reference));
    }

    public void add(String zone, String field, long kernel, long reference) {
        add(zone, field, Long.toString(kernel), Long.toString(reference));
    }

    /** A line printed under the table (runtime state shown but not compared, how it was computed). */
    public void note(String s) {
        notes.add(s);
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    public List<String> notes() {
        return List.copyOf(notes);
    }

    public boolean allAgree() {
        for (Row r : rows) if (!r.agrees()) return false;
        return true;
    }

    public long disagreements() {
        return rows.stream().filter(r -> !r.agrees()).count();
    }

    /** Prints the table (all rows, or only disagreements) and the summary line. */
    public void print(PrintStream out, boolean onlyDisagreements) {
        int wz = where.length(), wf = 5, wk = 6, wr = 9;
        for (Row r : rows) {
            wz = Math.max(wz, r.zone().length());
            wf = Math.max(wf, r.field().length());
            wk = Math.max(wk, r.kernel().length());
            wr = Math.max(wr, r.reference().length());
        }
        String fmt = "%-" + wz + "s  %-" + wf + "s  %" + wk + "s  %" + wr + "s  %s%n";
        if (!onlyDisagreements || !allAgree()) out.printf(fmt, where, "field", "kernel", "reference", "agree?");
        for (Row r : rows) {
            if (onlyDisagreements && r.agrees()) continue;
            out.printf(fmt, r.zone(), r.field(), r.kernel(), r.reference(), r.agrees() ? "yes" : "NO");
        }
        for (String n : notes) out.println(n);
        long bad = disagreements();
        out.println(bad == 0 ? "All " + rows.size() + " values agree."
                : bad + " of " + rows.size() + " values disagree.");
    }
}
