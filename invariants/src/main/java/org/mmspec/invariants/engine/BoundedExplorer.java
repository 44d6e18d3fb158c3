package org.mmspec.invariants.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * The bounded explorer: breadth first over every state reachable from the booted configuration
 * with the subsystem's operation model ({@link Operation#enumerate} gives every argument an
 * operation takes in a state), every invariant checked in every new state. States are
 * deduplicated by their 64-bit fingerprints ({@link ModelState#fingerprint}, or the canonical
 * fingerprint of the state's orbit when the subsystem is {@link Symmetric}) in a
 * {@link FingerprintSet}; the queue holds the states still to expand, in a compact byte form when
 * the state has a {@link StateCodec}, else as copies. Because the search goes level by level, the
 * first violation it meets is at the smallest depth there is: the counterexample is a shortest
 * path.
 *
 * <p>Steps are numbered by depth: the step that leaves a state at depth d has id d, so a handle
 * is the depth of the step that made it, and every queued state's handles are those of the path
 * that first reached it. On a violation the explorer searches again, breadth first to the depth
 * of the violation, this time remembering each state's parent and step, and follows the links
 * back from the first violating state: the same deterministic order gives the same path every
 * run, and no memory is spent on parent links unless a violation is found.
 *
 * <p>Same subsystem, configuration and bounds: same figures (time aside) and the same
 * counterexample, byte for byte.
 */
public final class BoundedExplorer<S extends ModelState<S>> {
    private final Subsystem<S> sub;
    private final MachineConfig config;
    private int maxDepth = Integer.MAX_VALUE;
    private long maxStates = Long.MAX_VALUE;
    private boolean useSymmetry = true;
    private boolean useCodec = true;
    private Consumer<BoundedReport> progress = r -> { };
    private long progressNanos = 5_000_000_000L;

    public BoundedExplorer(Subsystem<S> sub, MachineConfig config) {
        this.sub = sub;
        this.config = config;
    }

    /** Expand no state at this depth or deeper: paths of at most {@code d} steps. */
    public BoundedExplorer<S> maxDepth(int d) {
        if (d < 0) throw new IllegalArgumentException("max depth must be at least 0, got " + d);
        this.maxDepth = d;
        return this;
    }

    /** Stop once this many distinct states are found. */
    public BoundedExplorer<S> maxStates(long n) {
        if (n < 1) throw new IllegalArgumentException("max states must be at least 1, got " + n);
        this.maxStates = n;
        return this;
    }

    /** Use the subsystem's symmetry reduction, if it has one (default on). */
    public BoundedExplorer<S> symmetry(boolean on) {
        this.useSymmetry = on;
        return this;
    }

    /** Keep queued states in their compact byte form when the state has a codec (default on). */
    public BoundedExplorer<S> compactQueue(boolean on) {
        this.useCodec = on;
        return this;
    }

    /** Called about every {@code everyMillis} with the figures so far (TLC's progress lines). */
    public BoundedExplorer<S> onProgress(Consumer<BoundedReport> p, long everyMillis) {
        this.progress = p;
        this.progressNanos = everyMillis * 1_000_000L;
        return this;
    }

    public BoundedReport run() {
        long t0 = System.nanoTime();
        BoundedReport r = new BoundedReport();
        r.subsystem = sub.name();
        r.configName = config.name();
        r.maxDepth = maxDepth;
        r.maxStates = maxStates;
        r.threads = 1;
        Symmetric<S> sym = symmetry();
        r.symmetry = sym == null ? null : sym.symmetry();
        Checker<S> checker = new Checker<>(sub.invariants());
        Search s = new Search(checker, false, maxDepth, r, t0);
        s.run();
        r.nanos = System.nanoTime() - t0;
        r.seenBytes = s.seen.bytes();
        r.collisionProbability = s.seen.collisionProbability();
        r.queueForm = s.codec != null ? "encoded" : "objects";
        List<Invariant<S>> invs = checker.invariants();
        for (int i = 0; i < invs.size(); i++) {
            Invariant<S> inv = invs.get(i);
            r.invariants.add(new RunReport.InvariantRow(inv.id(), inv.statement(), inv.citation(), checker.checks(i),
                    checker.violations(i)));
        }
        if (s.violationDepth >= 0) {
            r.stoppedBy = "violation";
            r.counterexample = shortestPath(s.violationDepth, r);
        }
        r.nanos = System.nanoTime() - t0;
        return r;
    }

    @SuppressWarnings("unchecked")
    private Symmetric<S> symmetry() {
        return useSymmetry && sub instanceof Symmetric<?> sy ? (Symmetric<S>) sy : null;
    }

    @SuppressWarnings("unchecked")
    private StateCodec<S> codec(S root) {
        return useCodec && root instanceof CompactState<?> cp ? ((CompactState<S>) cp).codec() : null;
    }

    /**
     * Searches again to the depth of the violation, keeping parent links, and builds the
     * counterexample from the first violating state in breadth-first order.
     */
    private Counterexample shortestPath(int depth, BoundedReport first) {
        BoundedReport scratch = new BoundedReport();
        Checker<S> checker = new Checker<>(sub.invariants());
        Search s = new Search(checker, true, depth, scratch, System.nanoTime());
        s.run();
        if (s.violationDepth != depth) {
            throw new IllegalStateException("the second search found its first violation at depth " + s.violationDepth
                    + ", the first at " + depth + ": the model is not deterministic");
        }
        List<Step> steps = new ArrayList<>();
        for (int id = s.violationId; id > 0; id = s.parents.get(id)) steps.add(s.stepOf.get(id));
        java.util.Collections.reverse(steps);
        if (s.violationStep != null) steps.add(s.violationStep); // a crash: the step that threw
        Execution<S> ex = Execution.run(sub, config, steps, new Checker<>(sub.invariants()));
        if (ex.violations.isEmpty()) {
            throw new IllegalStateException("the shortest path " + steps + " does not replay to a violation");
        }
        int vstep = ex.violationStep == -2 ? -1 : ex.violationStep;
        Violation v = ex.violations.get(0);
        String statement = "";
        String citation = "";
        for (Invariant<S> inv : sub.invariants()) {
            if (inv.id().equals(v.invariantId())) {
                statement = inv.statement();
                citation = inv.citation();
            }
        }
        if (v.invariantId().equals(Checker.CRASH)) {
            statement = "No operation crashes the reference: each completes, fails as the kernel would, or is rejected.";
            citation = "mmspec engine";
        }
        List<Violation> same = new ArrayList<>();
        for (Violation x : ex.violations) if (x.invariantId().equals(v.invariantId())) same.add(x);
        Map<String, Object> engine = new LinkedHashMap<>();
        engine.put("explorer", "bounded");
        engine.put("states", first.distinct);
        engine.put("generated", first.generated);
        engine.put("depth", steps.size());
        engine.put("queue", first.queueLeft);
        engine.put("maxDepth", maxDepth == Integer.MAX_VALUE ? -1 : maxDepth);
        engine.put("maxStates", maxStates == Long.MAX_VALUE ? -1 : maxStates);
        engine.put("symmetry", first.symmetry == null ? "none" : first.symmetry);
        engine.put("shortest", true);
        return new Counterexample(sub.name(), config, 0, 0, 0, List.copyOf(steps), List.copyOf(ex.outcomes), vstep, v,
                same, statement, citation, engine);
    }

    /** One breadth-first search; the second, on a violation, keeps parent links. */
    private final class Search {
        final Checker<S> checker;
        final boolean recordParents;
        final int depthLimit;
        final BoundedReport r;
        final long t0;
        final FingerprintSet seen = new FingerprintSet();
        final Symmetric<S> sym = symmetry();
        StateCodec<S> codec;
        final List<Operation<S>> ops = sub.operations();
        /** Parent links of the second search: state id -> parent id, and the step that led to it. */
        final IntList parents = new IntList();
        final List<Step> stepOf = new ArrayList<>();
        int violationDepth = -1;
        int violationId = -1;
        /** The step that crashed the reference (its state is not a state of the model). */
        Step violationStep;
        long nextProgress;

        Search(Checker<S> checker, boolean recordParents, int depthLimit, BoundedReport r, long t0) {
            this.checker = checker;
            this.recordParents = recordParents;
            this.depthLimit = depthLimit;
            this.r = r;
            this.t0 = t0;
            this.nextProgress = t0 + progressNanos;
        }

        long key(S s) {
            return sym != null ? sym.canonicalFingerprint(s) : s.fingerprint();
        }

        void run() {
            S root = sub.init(config);
            codec = codec(root);
            r.generated = 1;
            long rootKey = key(root);
            seen.add(rootKey);
            r.distinct = 1;
            r.perDepth.add(1L);
            if (recordParents) {
                parents.add(-1);
                stepOf.add(null);
            }
            if (!checker.check(root).isEmpty()) {
                violationDepth = 0;
                violationId = 0;
                r.stoppedBy = "violation";
                return;
            }
            StateQueue<S> queue = codec != null ? new StateQueue.Encoded<>(codec) : new StateQueue.Objects<>();
            queue.push(root, rootKey, 0);
            S pristine = null;
            S work = null;
            if (codec != null) {
                pristine = sub.init(config);
                work = sub.init(config);
            }
            int depth = 0;
            long levelLeft = 1; // states of this depth still to expand
            long nextLevel = 0; // states of the next depth found so far
            notePeak(queue);
            while (!queue.isEmpty()) {
                if (levelLeft == 0) {
                    r.perDepth.add(nextLevel);
                    depth++;
                    r.depth = depth;
                    levelLeft = nextLevel;
                    nextLevel = 0;
                }
                if (depth >= depthLimit) {
                    r.queueLeft = queue.size();
                    r.stoppedBy = "max-depth";
                    return;
                }
                S s = queue.pop(pristine);
                levelLeft--;
                long stored = queue.lastKey;
                int parentId = queue.lastId;
                if (codec != null) {
                    long k0 = key(s);
                    if (k0 != stored) {
                        throw new IllegalStateException("the state codec of " + sub.name() + " does not round-trip: a "
                                + "queued state decodes to fingerprint " + Long.toHexString(k0) + ", not "
                                + Long.toHexString(stored));
                    }
                }
                for (Operation<S> op : ops) {
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
                        r.generated++;
                        r.count(r.opsByKind, op.name());
                        r.count(r.outcomesByKind, out.kind().name());
                        if (!Execution.crash(out).isEmpty()) {
                            violationDepth = depth + 1;
                            violationId = parentId;
                            violationStep = st;
                            r.queueLeft = queue.size();
                            return;
                        }
                        long k = key(w);
                        if (!seen.add(k)) continue;
                        r.distinct++;
                        int id = -1;
                        if (recordParents) {
                            id = parents.size();
                            parents.add(parentId);
                            stepOf.add(st);
                        }
                        if (!checker.check(w).isEmpty()) {
                            violationDepth = depth + 1;
                            violationId = id;
                            r.depth = depth + 1;
                            r.queueLeft = queue.size();
                            return;
                        }
                        queue.push(w, k, id);
                        nextLevel++;
                        if (r.distinct >= maxStates) {
                            r.depth = depth + 1;
                            r.perDepth.add(nextLevel);
                            r.queueLeft = queue.size();
                            r.stoppedBy = "max-states";
                            notePeak(queue);
                            return;
                        }
                    }
                }
                notePeak(queue);
                long now = System.nanoTime();
                if (now >= nextProgress && !recordParents) {
                    nextProgress = now + progressNanos;
                    r.queueLeft = queue.size();
                    r.nanos = now - t0;
                    progress.accept(r);
                }
            }
            if (nextLevel > 0) {
                r.perDepth.add(nextLevel);
                r.depth = depth + 1;
            }
            r.queueLeft = 0;
            r.stoppedBy = "complete";
        }

        void notePeak(StateQueue<S> q) {
            long b = q.bytes();
            if (b > r.queuePeakBytes) r.queuePeakBytes = b;
            if (q.size() > r.queuePeakStates) r.queuePeakStates = q.size();
        }
    }

    /** A growable int array. */
    static final class IntList {
        int[] a = new int[16];
        int n;

        void add(int v) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, a.length + (a.length >> 1));
            a[n++] = v;
        }

        int get(int i) {
            return a[i];
        }

        int size() {
            return n;
        }

        int capacity() {
            return a.length;
        }
    }

}
