package org.mmspec.invariants.engine;

import java.util.List;

import org.mmspec.invariants.Violation;

/**
 * One thread's means of expanding states for the bounded explorer: its own working copy of the
 * state, codec (with its own scratch space), checker and counts. {@link #expand} computes every
 * successor of a state through the operations' enumerators, drops those already seen, checks
 * every invariant in the new ones and hands them to a sink.
 */
final class Expander<S extends ModelState<S>> {
    /** What the explorer does with a new state that violates nothing: queue it (and say whether to go on). */
    interface Sink<S> {
        boolean accept(S state, long key, Step step);
    }

    final List<Operation<S>> ops;
    final Symmetric<S> sym;
    final StateCodec<S> codec;
    final Checker<S> checker;
    final S work;
    final long[] opCount;
    final long[] kindCount = new long[Outcome.Kind.values().length];
    long generated;
    long distinct;
    /** Set when expand returns false because of a violation: the step that led there, and whether it crashed. */
    Step violationStep;
    boolean crashed;
    List<Violation> violations = List.of();

    Expander(Subsystem<S> sub, Symmetric<S> sym, StateCodec<S> codec, S work) {
        this.ops = sub.operations();
        this.sym = sym;
        this.codec = codec;
        this.checker = new Checker<>(sub.invariants());
        this.work = work;
        this.opCount = new long[ops.size()];
    }

    long key(S s) {
        return sym != null ? sym.canonicalFingerprint(s) : s.fingerprint();
    }

    /**
     * Expands {@code s}, found at {@code depth} (its steps get id {@code depth}). Returns false
     * when a successor violates an invariant or the reference crashed (see {@link #violationStep})
     * or when the sink says stop; true when every successor was handled.
     */
    boolean expand(S s, int depth, FingerprintSet seen, boolean concurrent, Sink<S> sink) {
        for (int oi = 0; oi < ops.size(); oi++) {
            Operation<S> op = ops.get(oi);
            if (!op.enabled(s)) continue;
            List<Args> all = op.enumerate(s);
            for (int a = 0; a < all.size(); a++) {
                S w;
                if (codec != null) {
                    codec.copy(s, work);
                    w = work;
                } else {
                    w = s.copy();
                }
                Step st = new Step(depth, op.name(), all.get(a));
                Outcome out = Execution.applyGuarded(op, w, st);
                if (out.kind() == Outcome.Kind.SKIPPED) continue;
                generated++;
                opCount[oi]++;
                kindCount[out.kind().ordinal()]++;
                List<Violation> crash = Execution.crash(out);
                if (!crash.isEmpty()) {
                    violationStep = st;
                    crashed = true;
                    violations = crash;
                    return false;
                }
                long k = key(w);
                if (!(concurrent ? seen.addConcurrent(k) : seen.add(k))) continue;
                distinct++;
                List<Violation> vs = checker.check(w);
                if (!vs.isEmpty()) {
                    violationStep = st;
                    violations = vs;
                    return false;
                }
                if (!sink.accept(w, k, st)) return false;
            }
        }
        return true;
    }
}
