package org.mmspec.counterexamples.render;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.mmspec.invariants.Violation;

/**
 * What a panel draws in red: the violations found in the state the panel shows, with the pfns and
 * the named nodes (zones, {@code free_area[3]}, counter names such as {@code NR_FREE_PAGES}) each
 * one gives as evidence. Empty for every panel but the one after the violating step.
 */
public record Highlight(List<Violation> violations) {
    /** Nothing in red. */
    public static final Highlight NONE = new Highlight(List.of());

    public Highlight {
        violations = violations == null ? List.of() : List.copyOf(violations);
    }

    public static Highlight of(List<Violation> violations) {
        return violations == null || violations.isEmpty() ? NONE : new Highlight(violations);
    }

    public boolean isEmpty() {
        return violations.isEmpty();
    }

    /** Every pfn any violation names, in order. */
    public Set<Long> pfns() {
        Set<Long> s = new LinkedHashSet<>();
        for (Violation v : violations) s.addAll(v.pfns());
        return s;
    }

    /** Every node name any violation names, in order. */
    public Set<String> nodes() {
        Set<String> s = new LinkedHashSet<>();
        for (Violation v : violations) s.addAll(v.nodes());
        return s;
    }

    /** Whether some violation names {@code node} (a zone name, a list, a counter) among its nodes. */
    public boolean names(String node) {
        for (Violation v : violations) if (v.nodes().contains(node)) return true;
        return false;
    }

    /**
     * Whether some violation points at {@code name} inside {@code scope} (a zone): it lists the
     * name among its nodes and either names the scope too or names no scope of {@code scopes} at
     * all; or it names the scope and its message mentions the name as a whole word. The second
     * case catches counters a message names in words ("DMA watermark_boost is 8 on a zone of 27
     * managed pages") when the evidence lists only the zone.
     */
    public boolean namesIn(String scope, Set<String> scopes, String name) {
        for (Violation v : violations) {
            boolean scoped = v.nodes().contains(scope);
            boolean anyScope = false;
            for (String n : v.nodes()) if (scopes.contains(n)) anyScope = true;
            if (v.nodes().contains(name) && (scoped || !anyScope)) return true;
            if (scoped && mentions(v.message(), name)) return true;
        }
        return false;
    }

    /** Whether {@code text} contains {@code word} delimited by non-identifier characters. */
    public static boolean mentions(String text, String word) {
        if (text == null || word.isEmpty()) return false;
        return Pattern.compile("(?<![A-Za-z0-9_\\[])" + Pattern.quote(word) + "(?![A-Za-z0-9_\\]])").matcher(text).find();
    }

    /** The violation messages, {@code ID: message}, one per violation. */
    public List<String> messages() {
        List<String> out = new ArrayList<>();
        for (Violation v : violations) out.add(v.invariantId() + ": " + v.message());
        return out;
    }
}
