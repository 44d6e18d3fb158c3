package org.mmspec.invariants;

import java.util.List;

/**
 * One invariant found false: its ID, what is wrong in words (pfns in hex, as the kernel prints
 * them), and the evidence a diagram draws in red: pfns and named nodes (zones, lists, anon_vmas).
 */
public record Violation(String invariantId, String message, List<Long> pfns, List<String> nodes) {
    public Violation {
        pfns = pfns == null ? List.of() : List.copyOf(pfns);
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }

    public static Violation of(String id, String message, long... pfns) {
        Long[] boxed = new Long[pfns.length];
        for (int i = 0; i < pfns.length; i++) boxed[i] = pfns[i];
        return new Violation(id, message, List.of(boxed), List.of());
    }

    public Violation withNodes(String... n) {
        return new Violation(invariantId, message, pfns, List.of(n));
    }

    @Override
    public String toString() {
        return invariantId + ": " + message;
    }
}
