package org.mmspec.invariants.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * The bounded explorer: breadth first over every state reachable from the booted configuration
 * with the subsystem's operation model ({@link Operation#enumerate} gives every argument an
 * operation takes in a state), every invariant checked in every new state. States are
 * deduplicated by their 64-bit fingerprints ({@link ModelState#fingerprint}, or the canonical
 * fingerprint of the state's class when the subsystem declares reductions, {@link Symmetric}) in
 * a {@link FingerprintSet}; the queue holds the states still to expand, in a compact byte form
 * when the state has a {@link StateCodec}, else as copies (states at the depth bound are checked
 * and counted but not queued: they are never expanded). Because the search goes level by level,
 * the first violation it meets is at the smallest depth there is: the counterexample is a
 * shortest path. With several {@link #workers} the levels are shared out in chunks.
 *
 * <p>Steps are numbered by depth: the step that leaves a state at depth d has id d, so a handle
 * is the depth of the step that made it, and every queued state's handles are those of the path
 * that first reached it. On a violation the explorer searches again, breadth first to the depth
 * of the violation, this time remembering each state's parent and step, and follows the links
 * back from the first violating state: the same deterministic order gives the same path every
 * run, and no memory is spent on parent links unless a violation is found.
 *
 * <p>Same subsystem, configuration and bounds: same figures (time aside) and the same
 * counterexample, byte for byte, whatever the number of workers; only a state bound
 * ({@link #maxStates}) with several workers may stop at other states from run to run.
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
    private int workers = 1;

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

    /**
     * Expand states on {@code n} threads (TLC's workers): each level is split into chunks the
     * workers take in turn, the seen-set is shared. The states found, their counts per depth and
     * the counterexample are those of one worker; with a state bound ({@link #maxStates}) which
     * states are in when the bound hits may differ from run to run.
     */
    public BoundedExplorer<S> workers(int n) {
        if (n < 1) throw new IllegalArgumentException("workers must be at least 1, got " + n);
        this.workers = n;
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
        r.threads = workers;
        Symmetric<S> sym = symmetry();
        r.symmetry = sym == null ? null : sym.symmetry();
        Search s = new Search(false, maxDepth, r, t0);
        s.run();
        r.nanos = System.nanoTime() - t0;
        s.report();
        if (s.violationDepth >= 0) {
            r.stoppedBy = "violation";
            r.counterexample = shortestPath(s.violationDepth);
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
    private Counterexample shortestPath(int depth) {
        BoundedReport first = new BoundedReport();
        first.symmetry = symmetry() == null ? null : symmetry().symmetry();
        Search s = new Search(true, depth, first, System.nanoTime());
        s.run();
        s.report();
        if (s.violationDepth != depth) {
            throw new IllegalStateException("the second search found its first violation at depth " + s.violationDepth
                    + ", the first at " + depth + ": the model is not deterministic");
        }
        List<Step> steps = new ArrayList<>();
        for (int id = s.violationId; id > 0; id = s.parents.get(id)) steps.add(s.stepOf.get(id));
        java.util.Collections.reverse(steps);
        if (s.crashStep != null) steps.add(s.crashStep); // the step that threw: its state is not a state of the model
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
        // the figures of the (single-threaded, deterministic) search that built the path, up to the violation
        engine.put("states", first.distinct);
        engine.put("generated", first.generated);
        engine.put("depth", steps.size());
        engine.put("maxDepth", maxDepth == Integer.MAX_VALUE ? -1 : maxDepth);
        engine.put("maxStates", maxStates == Long.MAX_VALUE ? -1 : maxStates);
        engine.put("symmetry", first.symmetry == null ? "none" : first.symmetry);
        engine.put("shortest", true);
        return new Counterexample(sub.name(), config, 0, 0, 0, List.copyOf(steps), List.copyOf(ex.outcomes), vstep, v,
                same, statement, citation, engine);
    }

    /**
     * One breadth-first search. The first runs on {@link #workers} threads; the second, on a
     * violation, on one thread, keeping each state's parent and step ({@code recordParents}).
     */
    private final class Search {
        final boolean recordParents;
        final int depthLimit;
        final BoundedReport r;
        final long t0;
        final FingerprintSet seen = new FingerprintSet();
        final Symmetric<S> sym = symmetry();
        final AtomicLong queueBytes = new AtomicLong();
        final AtomicLong queuePeak = new AtomicLong();
        final List<Expander<S>> expanders = new ArrayList<>();
        final Checker<S> rootChecker = new Checker<>(sub.invariants());
        StateCodec<S> codec;
        /** Parent links of the second search: state id -> parent id, and the step that led to it. */
        final IntList parents = new IntList();
        final List<Step> stepOf = new ArrayList<>();
        volatile int violationDepth = -1;
        int violationId = -1;
        long nextProgress;

        Search(boolean recordParents, int depthLimit, BoundedReport r, long t0) {
            this.recordParents = recordParents;
            this.depthLimit = depthLimit;
            this.r = r;
            this.t0 = t0;
            this.nextProgress = t0 + progressNanos;
        }

        Expander<S> expander(StateCodec<S> c) {
            Expander<S> e = new Expander<>(sub, sym, c, c != null ? sub.init(config) : null);
            expanders.add(e);
            return e;
        }

        long key(S s) {
            return sym != null ? sym.canonicalFingerprint(s) : s.fingerprint();
        }

        StateQueue<S> newQueue(StateCodec<S> c) {
            return c != null ? new StateQueue.Encoded<>(c, queueBytes) : new StateQueue.Objects<>(queueBytes);
        }

        void notePeak(long states) {
            long b = queueBytes.get();
            queuePeak.accumulateAndGet(b, Math::max);
            if (states > r.queuePeakStates) r.queuePeakStates = states;
        }

        /** Decodes (or takes) the next state and checks that it decodes to the fingerprint it was stored under. */
        S next(StateQueue<S> q, S into) {
            S s = q.pop(into);
            if (codec != null) {
                long k0 = key(s);
                if (k0 != q.lastKey) {
                    throw new IllegalStateException("the state codec of " + sub.name() + " does not round-trip: a queued "
                            + "state decodes to fingerprint " + Long.toHexString(k0) + ", not " + Long.toHexString(q.lastKey));
                }
            }
            return s;
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
            if (!rootChecker.check(root).isEmpty()) {
                violationDepth = 0;
                violationId = 0;
                return;
            }
            StateQueue<S> level = newQueue(codec);
            level.push(root, rootKey, 0);
            notePeak(1);
            if (workers > 1 && !recordParents) {
                parallel(level);
            } else {
                sequential(level);
            }
        }

        /** One thread: the queue is first in, first out across levels. */
        void sequential(StateQueue<S> queue) {
            Expander<S> x = expander(codec);
            S pristine = codec != null ? sub.init(config) : null;
            int depth = 0;
            long levelLeft = 1; // states of this depth still to expand
            long[] nextLevel = {0}; // states of the next depth found so far
            int[] parentId = {0};
            int[] expanding = {0}; // the depth of the state being expanded
            long[] unqueued = {0}; // states at the depth bound: checked and counted, never expanded, so not queued
            Expander.Sink<S> sink = (w, k, st) -> {
                int id = -1;
                if (recordParents) {
                    id = parents.size();
                    parents.add(parentId[0]);
                    stepOf.add(st);
                }
                if (expanding[0] + 1 >= depthLimit) {
                    unqueued[0]++;
                } else {
                    queue.push(w, k, id);
                }
                nextLevel[0]++;
                if (r.distinct + x.distinct >= maxStates) {
                    r.stoppedBy = "max-states";
                    return false;
                }
                return true;
            };
            while (!queue.isEmpty()) {
                if (levelLeft == 0) {
                    r.perDepth.add(nextLevel[0]);
                    depth++;
                    r.depth = depth;
                    levelLeft = nextLevel[0];
                    nextLevel[0] = 0;
                }
                if (depth >= depthLimit) {
                    r.queueLeft = queue.size();
                    r.stoppedBy = "max-depth";
                    break;
                }
                S s = next(queue, pristine);
                levelLeft--;
                parentId[0] = queue.lastId;
                expanding[0] = depth;
                if (!x.expand(s, depth, seen, false, sink)) {
                    if (x.violationStep != null) {
                        violationDepth = depth + 1;
                        r.depth = depth + 1;
                        if (recordParents) {
                            if (x.crashed) {
                                violationId = parentId[0];
                                crashStep = x.violationStep;
                            } else {
                                violationId = parents.size();
                                parents.add(parentId[0]);
                                stepOf.add(x.violationStep);
                            }
                        }
                    } else {
                        r.depth = depth + 1;
                        r.perDepth.add(nextLevel[0]);
                    }
                    r.queueLeft = queue.size() + unqueued[0];
                    break;
                }
                notePeak(queue.size());
                progress(queue.size(), depth);
            }
            if (r.stoppedBy == null && violationDepth < 0) {
                if (nextLevel[0] > 0) {
                    r.perDepth.add(nextLevel[0]);
                    r.depth = depth + 1;
                }
                r.queueLeft = unqueued[0];
                r.stoppedBy = unqueued[0] > 0 ? "max-depth" : "complete";
            }
            if (queue instanceof StateQueue.Encoded<S> e) e.discard();
        }

        /** The step that crashed the reference, in the search that keeps parents (its state is not queued). */
        Step crashStep;

        void progress(long queued, int depth) {
            long now = System.nanoTime();
            if (now >= nextProgress && !recordParents) {
                nextProgress = now + progressNanos;
                long generated = r.generated;
                long distinct = r.distinct;
                for (Expander<S> e : expanders) {
                    generated += e.generated;
                    distinct += e.distinct;
                }
                BoundedReport p = new BoundedReport();
                p.generated = generated;
                p.distinct = distinct;
                p.depth = depth;
                p.queueLeft = queued;
                p.nanos = now - t0;
                progress.accept(p);
            }
        }

        /**
         * Several threads, level by level: the level's chunks are taken by the workers in turn,
         * each worker writes what it finds to chunks of its own, which become the next level.
         */
        void parallel(StateQueue<S> level) {
            List<Worker> ws = new ArrayList<>();
            for (int i = 0; i < workers; i++) ws.add(new Worker(codec != null ? codec.fork() : null));
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(workers, t -> {
                Thread th = new Thread(t, "mmspec-explore-worker");
                th.setDaemon(true);
                return th;
            });
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            int depth = 0;
            try {
                while (!level.isEmpty()) {
                    if (depth >= depthLimit) {
                        r.queueLeft = level.size();
                        r.stoppedBy = "max-depth";
                        break;
                    }
                    final int d = depth;
                    final StateQueue<S> cur = level;
                    List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
                    for (Worker w : ws) fs.add(pool.submit(() -> w.runLevel(cur, d, stop)));
                    for (java.util.concurrent.Future<?> f : fs) {
                        while (true) {
                            try {
                                f.get(Math.max(1, progressNanos / 1_000_000), java.util.concurrent.TimeUnit.MILLISECONDS);
                                break;
                            } catch (java.util.concurrent.TimeoutException e) {
                                long queued = 0;
                                for (Worker w : ws) queued += w.queued;
                                progress(queued, depth);
                            }
                        }
                    }
                    StateQueue<S> next = newQueue(codec);
                    long found = 0;
                    long unqueued = 0;
                    for (Worker w : ws) {
                        found += w.out.size() + w.unqueued;
                        unqueued += w.unqueued;
                        next.appendAll(w.out);
                    }
                    if (stop.get()) {
                        long left = level.size() + next.size();
                        for (Worker w : ws) {
                            if (w.violation && (violationDepth < 0 || d + 1 < violationDepth)) violationDepth = d + 1;
                        }
                        r.queueLeft = left + unqueued;
                        r.depth = d + 1;
                        if (violationDepth < 0) {
                            r.stoppedBy = "max-states";
                            r.perDepth.add(found);
                        }
                        if (next instanceof StateQueue.Encoded<S> e) e.discard();
                        if (level instanceof StateQueue.Encoded<S> e) e.discard();
                        return;
                    }
                    if (found > 0) {
                        r.perDepth.add(found);
                        r.depth = d + 1;
                    }
                    notePeak(next.size()); // at a level's end the queue holds the whole next level
                    if (unqueued > 0) { // the level at the depth bound: found, checked, not to be expanded
                        r.queueLeft = unqueued;
                        r.stoppedBy = "max-depth";
                        break;
                    }
                    level = next;
                    depth++;
                }
                if (r.stoppedBy == null) {
                    r.queueLeft = 0;
                    r.stoppedBy = "complete";
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException re) throw re;
                if (c instanceof Error er) throw er;
                throw new IllegalStateException(c);
            } finally {
                pool.shutdownNow();
            }
        }

        /** One parallel worker: its expander, its scratch state, its output chunks. */
        final class Worker {
            final Expander<S> x;
            final StateCodec<S> c;
            final S pristine;
            StateQueue<S> out;
            volatile long queued;
            long unqueued;
            boolean violation;

            Worker(StateCodec<S> c) {
                this.c = c;
                synchronized (Search.this) {
                    this.x = expander(c);
                }
                this.pristine = c != null ? sub.init(config) : null;
                this.out = newQueue(c);
            }

            void runLevel(StateQueue<S> level, int depth, java.util.concurrent.atomic.AtomicBoolean stop) {
                out = newQueue(c);
                unqueued = 0;
                boolean last = depth + 1 >= depthLimit;
                Expander.Sink<S> sink = (w, k, st) -> {
                    if (last) {
                        unqueued++;
                    } else {
                        out.push(w, k, -1);
                    }
                    if (totalDistinct() >= maxStates) {
                        stop.set(true);
                        return false;
                    }
                    return true;
                };
                while (!stop.get()) {
                    StateQueue<S> chunk;
                    synchronized (level) {
                        chunk = level.takeChunk(c);
                    }
                    if (chunk == null) return;
                    while (!chunk.isEmpty() && !stop.get()) {
                        S s = next(chunk, pristine);
                        boolean go;
                        seen.enter();
                        try {
                            go = x.expand(s, depth, seen, true, sink);
                        } finally {
                            seen.leave();
                        }
                        seen.growIfNeeded();
                        queued = out.size();
                        notePeakConcurrent();
                        if (!go) {
                            if (x.violationStep != null) violation = true;
                            stop.set(true);
                        }
                    }
                    if (!chunk.isEmpty()) {
                        synchronized (level) {
                            level.appendAll(chunk); // left unexpanded: counted as queue left
                        }
                    }
                }
            }
        }

        long totalDistinct() {
            return seen.size();
        }

        void notePeakConcurrent() {
            queuePeak.accumulateAndGet(queueBytes.get(), Math::max);
        }

        /** Adds the expanders' counts and checkers to the report. */
        void report() {
            Checker<S> all = new Checker<>(sub.invariants());
            all.add(rootChecker);
            long[] opCount = new long[sub.operations().size()];
            long[] kindCount = new long[Outcome.Kind.values().length];
            for (Expander<S> e : expanders) {
                r.generated += e.generated;
                all.add(e.checker);
                for (int i = 0; i < opCount.length; i++) opCount[i] += e.opCount[i];
                for (int i = 0; i < kindCount.length; i++) kindCount[i] += e.kindCount[i];
            }
            r.distinct = seen.size();
            List<Operation<S>> ops = sub.operations();
            for (int i = 0; i < ops.size(); i++) if (opCount[i] > 0) r.opsByKind.put(ops.get(i).name(), opCount[i]);
            for (Outcome.Kind k : Outcome.Kind.values()) {
                if (kindCount[k.ordinal()] > 0) r.outcomesByKind.put(k.name(), kindCount[k.ordinal()]);
            }
            List<Invariant<S>> invs = all.invariants();
            for (int i = 0; i < invs.size(); i++) {
                Invariant<S> inv = invs.get(i);
                r.invariants.add(new RunReport.InvariantRow(inv.id(), inv.statement(), inv.citation(), all.checks(i),
                        all.violations(i)));
            }
            r.seenBytes = seen.bytes();
            r.collisionProbability = seen.collisionProbability();
            r.queueForm = codec != null ? "encoded" : "objects";
            r.queuePeakBytes = queuePeak.get();
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
