package org.mmspec.counterexamples.render;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.mmspec.invariants.Violation;

/**
 * What a panel marks: the violations found in the state it shows, each with the pfns and named
 * nodes (zones, {@code free_area[3]}, counter names such as {@code NR_FREE_PAGES}) it gives as
 * evidence. The evidence of the counterexample's own invariant is {@link Mark#PRIMARY} (drawn in
 * red); that of other invariants violated in the same state is {@link Mark#OTHER} (orange), so the
 * reader sees first what the counterexample is about. Empty for every panel but the violated one.
 *
 * @param violations  every violation found in the state, the counterexample's first
 * @param invariantId the counterexample's invariant; null makes every violation primary
 */
public record Highlight(List<Violation> violations, String invariantId) {
    /** Nothing marked. */
    public static final Highlight NONE = new Highlight(List.of(), null);

    /** How strongly something is marked. */
    public enum Mark {
        NONE, OTHER, PRIMARY;

        /** The stronger of two marks. */
        public Mark max(Mark o) {
            return compareTo(o) >= 0 ? this : o;
        }
    }

    public Highlight {
        violations = violations == null ? List.of() : List.copyOf(violations);
    }

    public static Highlight of(List<Violation> violations, String invariantId) {
        return violations == null || violations.isEmpty() ? NONE : new Highlight(violations, invariantId);
    }

    public boolean isEmpty() {
        return violations.isEmpty();
    }

    /** Whether {@code v} is evidence of the counterexample's invariant. */
    public boolean primary(Violation v) {
        return invariantId == null || invariantId.equals(v.invariantId());
    }

    public Mark markOf(Violation v) {
        return primary(v) ? Mark.PRIMARY : Mark.OTHER;
    }

    /** The violations of the counterexample's invariant, then the others. */
    public List<Violation> ordered() {
        List<Violation> out = new ArrayList<>();
        for (Violation v : violations) if (primary(v)) out.add(v);
        for (Violation v : violations) if (!primary(v)) out.add(v);
        return out;
    }

    /** Every pfn named, with the strongest mark naming it, in order. */
    public Map<Long, Mark> pfns() {
        Map<Long, Mark> m = new LinkedHashMap<>();
        for (Violation v : ordered()) for (long p : v.pfns()) m.merge(p, markOf(v), Mark::max);
        return m;
    }

    /** The strongest mark of a violation that lists {@code node} (a zone name, a list, a counter). */
    public Mark node(String node) {
        Mark m = Mark.NONE;
        for (Violation v : violations) if (v.nodes().contains(node)) m = m.max(markOf(v));
        return m;
    }

    /**
     * The strongest mark of a violation that points at {@code name} inside {@code scope} (a zone):
     * it lists the name among its nodes and either lists the scope too or lists none of
     * {@code scopes}; or it lists the scope and its message mentions the name as a whole word.
     * The second case catches counters a message names in words ("DMA watermark_boost is 8 on a
     * zone of 27 managed pages") when the evidence lists only the zone.
     */
    public Mark nodeIn(String scope, Set<String> scopes, String name) {
        Mark m = Mark.NONE;
        for (Violation v : violations) {
            boolean scoped = v.nodes().contains(scope);
            boolean anyScope = false;
            for (String n : v.nodes()) if (scopes.contains(n)) anyScope = true;
            if ((v.nodes().contains(name) && (scoped || !anyScope)) || (scoped && mentions(v.message(), name))) {
                m = m.max(markOf(v));
            }
        }
        return m;
    }

    /** Whether {@code text} contains {@code word} delimited by non-identifier characters. */
    public static boolean mentions(String text, String word) {
        if (text == null || word.isEmpty()) return false;
        return Pattern.compile("(?<![A-Za-z0-9_\\[])" + Pattern.quote(word) + "(?![A-Za-z0-9_\\]])").matcher(text).find();
    }
}
