package org.mmspec.invariants.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

import org.mmspec.invariants.Violation;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * Tests a claimed reduction ({@link Symmetric}) instead of trusting it: over the states a bounded
 * search reaches (without the reduction), for each state s and another member p of its class
 * ({@link Symmetric#permuted}) it checks that the canonical fingerprints agree, that the same
 * invariants fail in both, and that the canonical fingerprints of their successors are the same
 * multiset. Classes that lump together states which behave differently fail one of the three on
 * some state of a small configuration.
 */
public final class SymmetryAudit {
    private SymmetryAudit() {}

    /**
     * Audits up to {@code maxStates} states of {@code config}, {@code perms} permutations each;
     * returns what failed, in words (empty: the symmetry held on every state looked at).
     */
    public static <S extends ModelState<S>> List<String> audit(Subsystem<S> sub, MachineConfig config, long maxStates,
                                                               int perms, long seed) {
        if (!(sub instanceof Symmetric<?>)) return List.of(sub.name() + " declares no symmetry");
        @SuppressWarnings("unchecked")
        Symmetric<S> sym = (Symmetric<S>) sub;
        List<String> failures = new ArrayList<>();
        Rng rng = new Rng(seed);
        Checker<S> checker = new Checker<>(sub.invariants());
        FingerprintSet seen = new FingerprintSet();
        List<S> level = new ArrayList<>();
        S root = sub.init(config);
        level.add(root);
        seen.add(root.fingerprint());
        long looked = 0;
        int depth = 0;
        while (!level.isEmpty() && looked < maxStates && failures.size() < 10) {
            List<S> next = new ArrayList<>();
            for (S s : level) {
                if (looked++ >= maxStates || failures.size() >= 10) break;
                long canon = sym.canonicalFingerprint(s);
                TreeSet<String> bad = ids(checker.check(s));
                long[] succ = successors(sub, sym, s, depth);
                for (int k = 0; k < perms; k++) {
                    S p = sym.permuted(s, rng);
                    String where = "state at depth " + depth + " (fingerprint " + Long.toHexString(s.fingerprint()) + ")";
                    if (sym.canonicalFingerprint(p) != canon) {
                        failures.add(where + ": a permutation changes the canonical fingerprint");
                    } else if (!ids(checker.check(p)).equals(bad)) {
                        failures.add(where + ": the invariants violated differ after a permutation: " + bad + " vs "
                                + ids(checker.check(p)));
                    } else if (!Arrays.equals(successors(sub, sym, p, depth), succ)) {
                        failures.add(where + ": the successors of a permuted state are not the permuted successors");
                    }
                }
                if (!bad.isEmpty()) continue;
                for (Operation<S> op : sub.operations()) {
                    if (!op.enabled(s)) continue;
                    for (Args a : op.enumerate(s)) {
                        S w = s.copy();
                        Outcome out = Execution.applyGuarded(op, w, new Step(depth, op.name(), a));
                        if (out.kind() == Outcome.Kind.SKIPPED) continue;
                        if (seen.add(w.fingerprint())) next.add(w);
                    }
                }
            }
            level = next;
            depth++;
        }
        return failures;
    }

    private static TreeSet<String> ids(List<Violation> vs) {
        TreeSet<String> out = new TreeSet<>();
        for (Violation v : vs) out.add(v.invariantId());
        return out;
    }

    /** The sorted canonical fingerprints of every successor (skipped steps left out). */
    private static <S extends ModelState<S>> long[] successors(Subsystem<S> sub, Symmetric<S> sym, S s, int stepId) {
        List<Long> out = new ArrayList<>();
        for (Operation<S> op : sub.operations()) {
            if (!op.enabled(s)) continue;
            for (Args a : op.enumerate(s)) {
                S w = s.copy();
                Outcome o = Execution.applyGuarded(op, w, new Step(stepId, op.name(), a));
                if (o.kind() == Outcome.Kind.SKIPPED) continue;
                out.add(sym.canonicalFingerprint(w));
            }
        }
        long[] a = new long[out.size()];
        for (int i = 0; i < a.length; i++) a[i] = out.get(i);
        Arrays.sort(a);
        return a;
    }
}
