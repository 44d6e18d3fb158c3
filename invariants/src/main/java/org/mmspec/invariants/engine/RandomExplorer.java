package org.mmspec.invariants.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * The random explorer: {@code tries} runs of up to {@code steps} operations each, drawn from the
 * subsystem's operation model with a seeded source, every invariant checked after every step.
 * The first violation is shrunk to a minimal counterexample. Same seed, same run.
 */
public final class RandomExplorer<S extends ModelState<S>> {
    private final Subsystem<S> sub;
    private final MachineConfig config;
    private final int tries;
    private final int steps;
    private final long seed;
    private IntConsumer progress = t -> { };
    private boolean shrink = true;

    public RandomExplorer(Subsystem<S> sub, MachineConfig config, int tries, int steps, long seed) {
        if (tries < 1) throw new IllegalArgumentException("tries must be at least 1, got " + tries);
        if (steps < 1) throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        this.sub = sub;
        this.config = config;
        this.tries = tries;
        this.steps = steps;
        this.seed = seed;
    }

    /** Called with the number of tries completed so far. */
    public RandomExplorer<S> onProgress(IntConsumer p) {
        this.progress = p;
        return this;
    }

    public RandomExplorer<S> shrink(boolean s) {
        this.shrink = s;
        return this;
    }

    public RunReport run() {
        long t0 = System.nanoTime();
        RunReport r = new RunReport();
        r.subsystem = sub.name();
        r.configName = config.name();
        r.seed = seed;
        r.tries = tries;
        r.stepsPerTry = steps;
        Checker<S> checker = new Checker<>(sub.invariants());
        List<Operation<S>> ops = sub.operations();
        double[] weights = new double[ops.size()];
        Map<String, Long> situations = new LinkedHashMap<>();

        tryLoop:
        for (int t = 0; t < tries; t++) {
            long trySeed = Rng.trySeed(seed, t);
            Rng rng = new Rng(trySeed);
            S state = sub.init(config);
            sub.beginTry(state, rng);
            List<Step> trace = new ArrayList<>();
            List<Violation> boot = checker.check(state);
            if (!boot.isEmpty()) {
                r.counterexample = counterexample(trySeed, t, trace, List.of(), -1, boot, 0, r);
                r.triesRun = t + 1;
                break;
            }
            for (int s = 0; s < steps; s++) {
                Operation<S> op = null;
                Args args = null;
                for (int attempt = 0; attempt < 8 && args == null; attempt++) {
                    op = choose(ops, weights, state, rng);
                    if (op == null) break;
                    args = op.generate(state, rng);
                }
                if (args == null) break;
                Step step = new Step(s, op.name(), args);
                trace.add(step);
                Outcome out = Execution.applyGuarded(op, state, step);
                r.steps++;
                r.count(r.opsByKind, op.name(), 1);
                r.count(r.outcomesByKind, out.kind().name(), 1);
                List<Violation> v = Execution.crash(out);
                if (v.isEmpty()) v = checker.check(state);
                if (!v.isEmpty()) {
                    addAll(situations, sub instanceof Situations<?> ss ? situationsOf(ss, state) : Map.of());
                    r.triesRun = t + 1;
                    r.counterexample = shrinkAndReport(trySeed, t, trace, v, r);
                    break tryLoop;
                }
            }
            if (sub instanceof Situations<?> ss) addAll(situations, situationsOf(ss, state));
            r.triesRun = t + 1;
            progress.accept(t + 1);
        }
        List<Invariant<S>> invs = checker.invariants();
        for (int i = 0; i < invs.size(); i++) {
            Invariant<S> inv = invs.get(i);
            r.invariants.add(new RunReport.InvariantRow(inv.id(), inv.statement(), inv.citation(), checker.checks(i),
                    checker.violations(i)));
        }
        r.situations.putAll(situations);
        r.millis = (System.nanoTime() - t0) / 1_000_000;
        return r;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Long> situationsOf(Situations<?> ss, S state) {
        return ((Situations<S>) ss).situations(state);
    }

    private static void addAll(Map<String, Long> into, Map<String, Long> from) {
        for (Map.Entry<String, Long> e : from.entrySet()) into.merge(e.getKey(), e.getValue(), Long::sum);
    }

    private Operation<S> choose(List<Operation<S>> ops, double[] weights, S state, Rng rng) {
        double total = 0;
        for (int i = 0; i < ops.size(); i++) {
            weights[i] = ops.get(i).enabled(state) ? ops.get(i).weight() : 0;
            total += weights[i];
        }
        if (total <= 0) return null;
        double x = rng.nextDouble() * total;
        for (int i = 0; i < ops.size(); i++) {
            x -= weights[i];
            if (x < 0 && weights[i] > 0) return ops.get(i);
        }
        for (int i = ops.size() - 1; i >= 0; i--) if (weights[i] > 0) return ops.get(i);
        return null;
    }

    private Counterexample shrinkAndReport(long trySeed, int t, List<Step> trace, List<Violation> v, RunReport r) {
        String target = v.get(0).invariantId();
        List<Step> steps = trace;
        int replays = 0;
        if (shrink) {
            Shrinker<S> sh = new Shrinker<>(sub, config, target);
            steps = sh.shrink(trace);
            replays = sh.replays();
        }
        Execution<S> ex = Execution.run(sub, config, steps, new Checker<>(sub.invariants()));
        List<Violation> vs = ex.violationStep == -1 ? v : ex.violations;
        Counterexample ce = counterexample(trySeed, t, steps, ex.outcomes, ex.violationStep, vs, replays, r);
        Map<String, Object> engine = new LinkedHashMap<>(ce.engine());
        engine.put("originalSteps", trace.size());
        return new Counterexample(ce.subsystem(), ce.config(), ce.seed(), ce.tryIndex(), ce.trySeed(), ce.steps(),
                ce.outcomes(), ce.violationStep(), ce.violation(), ce.allViolations(), ce.statement(), ce.citation(), engine);
    }

    private Counterexample counterexample(long trySeed, int t, List<Step> steps, List<Outcome> outcomes, int vstep,
                                          List<Violation> vs, int replays, RunReport r) {
        Violation first = vs.get(0);
        String statement = "";
        String citation = "";
        for (Invariant<S> inv : sub.invariants()) {
            if (inv.id().equals(first.invariantId())) {
                statement = inv.statement();
                citation = inv.citation();
            }
        }
        if (first.invariantId().equals(Checker.CRASH)) {
            statement = "No operation crashes the reference: each completes, fails as the kernel would, or is rejected.";
            citation = "mmspec engine";
        }
        List<Violation> same = new ArrayList<>();
        for (Violation x : vs) if (x.invariantId().equals(first.invariantId())) same.add(x);
        Map<String, Object> engine = new LinkedHashMap<>();
        engine.put("explorer", "random");
        engine.put("tries", t + 1);
        engine.put("stepsPerTry", steps());
        engine.put("shrinkReplays", replays);
        engine.put("shrunkSteps", steps.size());
        return new Counterexample(sub.name(), config, seed, t, trySeed, List.copyOf(steps), List.copyOf(outcomes), vstep,
                first, same, statement, citation, engine);
    }

    private int steps() {
        return steps;
    }
}
