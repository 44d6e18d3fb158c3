package org.mmspec.invariants.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.mmspec.reference.alloc.MachineConfig;

/**
 * Shrinks a failing run to a minimal one that still violates the same invariant: delta debugging
 * over the steps (Zeller's ddmin, down to 1-minimality), then simpler arguments step by step,
 * repeated until nothing changes; skipped steps are dropped and handles renumbered.
 */
public final class Shrinker<S extends ModelState<S>> {
    private final Subsystem<S> sub;
    private final MachineConfig config;
    private final String targetId;
    private int replays;

    public Shrinker(Subsystem<S> sub, MachineConfig config, String targetId) {
        this.sub = sub;
        this.config = config;
        this.targetId = targetId;
    }

    /** Number of replays the shrink took. */
    public int replays() {
        return replays;
    }

    private Execution<S> replay(List<Step> steps) {
        replays++;
        return Execution.run(sub, config, steps, new Checker<>(sub.invariants()));
    }

    /** The violating prefix of steps with skipped steps removed, or null when it does not fail. */
    private List<Step> failing(List<Step> steps) {
        Execution<S> ex = replay(steps);
        if (ex.violationStep == -1 || !ex.violated(targetId)) return null;
        List<Step> kept = new ArrayList<>();
        for (int i = 0; i <= ex.violationStep && i < steps.size(); i++) {
            if (ex.outcomes.get(i).kind() != Outcome.Kind.SKIPPED) kept.add(steps.get(i));
        }
        return kept;
    }

    public List<Step> shrink(List<Step> steps) {
        List<Step> cur = failing(steps);
        if (cur == null) throw new IllegalStateException("the steps to shrink do not violate " + targetId);
        for (int round = 0; round < 20; round++) {
            int before = size(cur);
            cur = ddmin(cur);
            cur = simplifyArgs(cur);
            cur = removePairs(cur);
            cur = removeAndReplace(cur);
            if (size(cur) == before && round > 0) break;
        }
        return renumber(cur);
    }

    private static int size(List<Step> steps) {
        int n = steps.size() * 1000;
        for (Step s : steps) n += s.args().toString().length();
        return n;
    }

    private List<Step> ddmin(List<Step> steps) {
        int n = 2;
        while (steps.size() >= 2) {
            int chunk = (int) Math.ceil(steps.size() / (double) n);
            boolean reduced = false;
            for (int start = 0; start < steps.size(); start += chunk) {
                List<Step> complement = new ArrayList<>(steps.subList(0, start));
                complement.addAll(steps.subList(Math.min(steps.size(), start + chunk), steps.size()));
                List<Step> f = failing(complement);
                if (f != null) {
                    steps = f;
                    n = Math.max(n - 1, 2);
                    reduced = true;
                    break;
                }
            }
            if (!reduced) {
                if (n >= steps.size()) break;
                n = Math.min(steps.size(), n * 2);
            }
        }
        if (steps.size() == 1) return steps;
        return steps;
    }

    /** Longest run on which {@link #removePairs} tries every pair: n(n-1)/2 replays of at most n steps. */
    static final int PAIRS_UP_TO = 24;

    /**
     * Two-minimality on short runs: removes any two steps together when that still fails. ddmin
     * stops at one-minimal (no single step can go), which leaves pairs that only go together: two
     * allocations that each, alone, would leave a block in the way of a later one (the
     * boost-small-zone run on {@code small} shrank to 5 steps this way; the bounded explorer's
     * shortest is 3).
     */
    private List<Step> removePairs(List<Step> steps) {
        boolean changed = true;
        while (changed && steps.size() >= 2 && steps.size() <= PAIRS_UP_TO) {
            changed = false;
            search:
            for (int i = 0; i < steps.size(); i++) {
                for (int j = i + 1; j < steps.size(); j++) {
                    List<Step> cand = new ArrayList<>(steps);
                    cand.remove(j);
                    cand.remove(i);
                    List<Step> f = failing(cand);
                    if (f != null) {
                        steps = f;
                        changed = true;
                        break search;
                    }
                }
            }
        }
        return steps;
    }

    /** Longest run on which {@link #removeAndReplace} searches. */
    static final int REPLACE_UP_TO = 8;

    /**
     * On very short runs: removes one or two steps and gives one remaining step other arguments
     * of the same operation, every argument its enumerator offers in the state before that step.
     * Removing steps can change what a later step does (an allocation then takes another block),
     * so a shorter run may need a later step changed too: on {@code small} the boost-small-zone
     * run (order 0, 0, 1 allocations, an isolation, an order-2 allocation) shrinks to the
     * bounded explorer's 3 steps only when the order-1 allocation becomes order 2.
     */
    private List<Step> removeAndReplace(List<Step> steps) {
        boolean changed = true;
        while (changed && steps.size() >= 2 && steps.size() <= REPLACE_UP_TO) {
            changed = false;
            int n = steps.size();
            search:
            for (int i = 0; i < n; i++) {
                for (int j = i; j < n; j++) {
                    List<Step> cand = new ArrayList<>(steps);
                    if (j != i) cand.remove(j);
                    cand.remove(i);
                    replays++;
                    Execution<S> ex = Execution.run(sub, config, cand, new Checker<>(sub.invariants()), true);
                    for (int k = 0; k < cand.size() && k + 1 < ex.snapshots.size(); k++) {
                        Step at = cand.get(k);
                        Operation<S> op = sub.operation(at.op());
                        if (op == null) continue;
                        for (Args alt : op.enumerate(ex.snapshots.get(k))) {
                            if (alt.equals(at.args())) continue;
                            List<Step> c2 = new ArrayList<>(cand);
                            c2.set(k, new Step(at.id(), at.op(), alt));
                            List<Step> f = failing(c2);
                            if (f != null) {
                                steps = f;
                                changed = true;
                                break search;
                            }
                        }
                    }
                }
            }
        }
        return steps;
    }

    private List<Step> simplifyArgs(List<Step> steps) {
        boolean changed = true;
        int guard = 0;
        while (changed && guard++ < 50) {
            changed = false;
            for (int i = 0; i < steps.size(); i++) {
                Step s = steps.get(i);
                Operation<S> op = sub.operation(s.op());
                if (op == null) continue;
                for (Args simpler : op.simpler(s.args())) {
                    List<Step> cand = new ArrayList<>(steps);
                    cand.set(i, new Step(s.id(), s.op(), simpler));
                    List<Step> f = failing(cand);
                    if (f != null) {
                        steps = f;
                        changed = true;
                        break;
                    }
                }
                if (changed) break;
            }
        }
        return steps;
    }

    /** Renumbers step ids 0..n-1 and rewrites handle arguments to match. */
    public List<Step> renumber(List<Step> steps) {
        Map<Long, Long> map = new HashMap<>();
        for (int i = 0; i < steps.size(); i++) map.put((long) steps.get(i).id(), (long) i);
        List<Step> out = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            Args a = s.args();
            Operation<S> op = sub.operation(s.op());
            if (op != null) {
                for (String h : op.handleArgs()) {
                    if (a.has(h)) {
                        Long to = map.get(a.getLong(h));
                        // a handle naming a step that is gone stays dangling: -1 names no step
                        a = a.with(h, to != null ? to : -1L);
                    }
                }
            }
            out.add(new Step(i, s.op(), a));
        }
        return out;
    }
}
