package org.mmspec.invariants;

import java.util.ArrayList;
import java.util.List;

import org.mmspec.invariants.engine.Checker;
import org.mmspec.invariants.engine.Subsystem;
import org.mmspec.invariants.engine.Subsystems;

/**
 * The invariant catalog: every invariant of every subsystem with its ID, statement and kernel
 * citation. invariants/CATALOG.md is generated from this ({@link #markdown()}); a test fails when
 * the file is stale.
 */
public final class Catalog {
    private Catalog() {}

    public record Entry(String id, String subsystem, String statement, String citation) {}

    /**
     * Invariants checked outside the explorers (the conformance module's trace oracle) join the
     * catalog through {@link java.util.ServiceLoader}: a module lists its Source in
     * META-INF/services/org.mmspec.invariants.Catalog$Source. Sources appear after the subsystems,
     * ordered by name.
     */
    public interface Source {
        String name();

        List<Entry> entries();
    }

    private static List<Source> sources() {
        List<Source> out = new ArrayList<>();
        java.util.ServiceLoader.load(Source.class).forEach(out::add);
        out.sort(java.util.Comparator.comparing(Source::name));
        return out;
    }

    public static final Entry CRASH = new Entry(Checker.CRASH, "engine",
            "No operation crashes the reference: each completes, fails as the kernel would, or is rejected "
                    + "with the state unchanged.",
            "DESIGN.md, Conventions: bad input never corrupts state");

    public static List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String name : Subsystems.names()) {
            Subsystem<?> sub = Subsystems.create(name);
            for (Invariant<?> inv : sub.invariants()) {
                // a subsystem may also check another's invariants (rmap keeps checking the
                // allocator's); each is listed once, under the subsystem that defines it
                if (!seen.add(inv.id())) continue;
                out.add(new Entry(inv.id(), inv.subsystem(), inv.statement(), inv.citation()));
            }
        }
        for (Source src : sources()) out.addAll(src.entries());
        out.add(CRASH);
        return out;
    }

    public static Entry byId(String id) {
        for (Entry e : entries()) if (e.id().equals(id)) return e;
        return null;
    }

    /** The catalog as Markdown, grouped by subsystem, in catalog order. */
    public static String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# mmspec invariant catalog\n\n");
        sb.append("Generated from the code by `./mmspec catalog --markdown` (class org.mmspec.invariants.Catalog); "
                + "do not edit by hand. A test fails when this file is stale.\n\n");
        sb.append("Every invariant is checked after every step by `mmspec check` (the trace invariants: on every event of a "
                + "trace by `mmspec trace check`), and has a test that builds a state violating it and sees exactly its ID "
                + "reported. Citations are to Linux v6.18.\n");
        String current = null;
        List<Entry> es = entries();
        int n = 0;
        for (Entry e : es) {
            if (!e.subsystem().equals(current)) {
                current = e.subsystem();
                sb.append("\n## ").append(current).append("\n\n");
                sb.append("| ID | Statement | Where the kernel states or relies on it |\n");
                sb.append("|---|---|---|\n");
            }
            sb.append("| `").append(e.id()).append("` | ").append(escape(e.statement())).append(" | ")
              .append(escape(e.citation())).append(" |\n");
            n++;
        }
        sb.append("\n").append(n).append(" invariants.\n");
        return sb.toString();
    }

    private static String escape(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}
