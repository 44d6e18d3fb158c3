package org.mmspec.invariants.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.invariants.buddy.BuddyKit.alloc;
import static org.mmspec.invariants.buddy.BuddyKit.free;
import static org.mmspec.invariants.buddy.BuddyKit.isolate;
import static org.mmspec.invariants.buddy.BuddyKit.undoIsolate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.buddy.BuddyConfigs;
import org.mmspec.invariants.buddy.BuddyKit;
import org.mmspec.invariants.buddy.BuddyState;
import org.mmspec.invariants.buddy.BuddySubsystem;
import org.mmspec.invariants.buddy.Planted;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * The shrinker: planted allocator bugs are found and shrunk to a few operations that replay to the
 * same invariant, handles stay consistent when steps are renumbered, and steps whose handle
 * vanished are skipped.
 */
class ShrinkerTest {

    /** The buddy subsystem with only alloc and free: no isolation, no sysctl, no bad frees. */
    static final class AllocFreeOnly implements Subsystem<BuddyState> {
        private final BuddySubsystem inner;
        private final List<Operation<BuddyState>> ops = new ArrayList<>();

        AllocFreeOnly(BuddySubsystem inner) {
            this.inner = inner;
            ops.add(inner.operation("alloc"));
            ops.add(inner.operation("free"));
        }

        @Override
        public String name() {
            return "buddy-alloc-free";
        }

        @Override
        public String description() {
            return "alloc and free only";
        }

        @Override
        public Map<String, MachineConfig> configs() {
            return inner.configs();
        }

        @Override
        public BuddyState init(MachineConfig config) {
            return inner.init(config);
        }

        @Override
        public void beginTry(BuddyState state, Rng rng) {
            inner.beginTry(state, rng);
        }

        @Override
        public List<Operation<BuddyState>> operations() {
            return ops;
        }

        @Override
        public List<Invariant<BuddyState>> invariants() {
            return inner.invariants();
        }
    }

    /**
     * Runs the explorer on a planted bug and checks what every counterexample must satisfy: it
     * exists, it replays on a fresh reference to the same invariant at its last step with the
     * same outcomes, and it is 1-minimal (dropping any single step loses the violation).
     */
    static Counterexample findAndCheck(Subsystem<BuddyState> sub, MachineConfig config, int tries, int steps, long seed,
                                       int maxSteps) {
        RunReport r = new RandomExplorer<>(sub, config, tries, steps, seed).run();
        assertNotNull(r.counterexample, "the planted bug was not found on " + config.name() + " with seed " + seed);
        Counterexample ce = r.counterexample;
        String shown = config.name() + " seed " + seed + " try " + ce.tryIndex() + ": " + ce.violation()
                + " after " + ce.steps().size() + " steps (from " + ce.engine().get("originalSteps") + ")"
                + BuddyKit.describe(ce.steps(), ce.outcomes());
        System.out.println(sub.name() + " / " + shown);
        assertTrue(ce.steps().size() <= maxSteps, "not shrunk to at most " + maxSteps + " steps: " + shown);
        String id = ce.violation().invariantId();

        Execution<BuddyState> ex = Execution.run(sub, config, ce.steps(), new Checker<>(sub.invariants()));
        assertTrue(ex.violated(id), "the shrunk steps do not replay to " + id + ": " + ex.violations + "\n" + shown);
        assertEquals(ce.steps().size() - 1, ex.violationStep, "the violation should come at the last step: " + shown);
        assertEquals(ce.outcomes(), ex.outcomes, shown);
        assertEquals(ce.steps().size(), ce.engine().get("shrunkSteps"));

        for (int i = 0; i < ce.steps().size(); i++) {
            List<Step> without = new ArrayList<>(ce.steps());
            without.remove(i);
            Execution<BuddyState> e = Execution.run(sub, config, without, new Checker<>(sub.invariants()));
            assertFalse(e.violated(id), "not 1-minimal: still violates " + id + " without step " + i + ": " + shown);
        }
        return ce;
    }

    // ------------------------------------------------------------------ planted bugs

    /**
     * A merge condition that ignores migratetypes (migratetypes_may_merge always true) is caught
     * and shrunk to at most 4 operations: the acceptance criterion of the foundation issue.
     * Isolating a pageblock splits the free block around it into pageblocks and frees them back,
     * and the wrong condition merges them across the isolated one, so a single isolate_range
     * usually suffices.
     */
    @Test
    void wrongMergeConditionShrinksToAtMostFourSteps() {
        for (MachineConfig c : List.of(BuddyConfigs.bench1k(), BuddyConfigs.tiny())) {
            for (long seed : new long[] {1, 2, 3}) {
                findAndCheck(new BuddySubsystem(Planted.MERGE_ANY_MIGRATETYPE), c, 100, 300, seed, 4);
            }
        }
    }

    /**
     * page_is_buddy() without {@code buddy_order(buddy) == order} is caught and shrunk to at most 5
     * steps. With the whole operation model, isolation (which re-frees a large free block
     * pageblock by pageblock, lowest first) often reaches it in fewer.
     */
    @Test
    void pageIsBuddyWithoutOrderTestShrinksToAtMostFiveSteps() {
        for (MachineConfig c : List.of(BuddyConfigs.tiny(), BuddyConfigs.bench1k())) {
            for (long seed : new long[] {1, 2, 3}) {
                findAndCheck(new BuddySubsystem(Planted.PAGE_IS_BUDDY_IGNORES_ORDER), c, 100, 300, seed, 5);
            }
        }
    }

    /**
     * With alloc and free alone, 5 steps are the minimum for the missing order test, and the
     * shrinker reaches it. Why 5. The wrong merge happens while a free merges its block upward: the
     * block C reached so far, of order o, finds at its buddy position Y a PageBuddy head of a
     * smaller order (a larger one is impossible: that block would contain C). Y's free head is not
     * all of Y's 2^o pages, else it would have order o, so Y also holds a page still allocated.
     * (1) The free that triggers the merge frees a block inside C, which had to be allocated: 2
     * steps. (2) Y's head: at boot (tiny, bench1k: one zone, no holes) every free block is maximal
     * and aligned, and expand() always hands out the lowest piece of a block it splits and puts
     * back only upper halves, never aligned to more than their own order; so a free head at Y, which
     * is aligned to o, comes from freeing an allocation that started at Y: 2 more steps, a different
     * allocation from (1) since C and Y are disjoint and were freed at different times. (3) The page
     * still allocated in Y belongs to a third allocation, live at the end: 1 step. Total 5, e.g.
     * alloc order 1 (0x0), alloc 0 (0x2), alloc 0 (0x3), free 0x2, free 0x0. Isolation can do it in
     * fewer, because split_large_buddy() re-frees a large free block pageblock by pageblock without
     * any allocation.
     */
    @Test
    void pageIsBuddyWithoutOrderTestNeedsExactlyFiveAllocsAndFrees() {
        for (MachineConfig c : List.of(BuddyConfigs.tiny(), BuddyConfigs.bench1k())) {
            for (long seed : new long[] {1, 2}) {
                Counterexample ce = findAndCheck(new AllocFreeOnly(new BuddySubsystem(Planted.PAGE_IS_BUDDY_IGNORES_ORDER)),
                        c, 100, 300, seed, 5);
                assertEquals(5, ce.steps().size(), "fewer than 5 steps contradicts the minimality argument");
                long allocs = ce.steps().stream().filter(s -> s.op().equals("alloc")).count();
                assertEquals(3, allocs, ce.steps().toString());
            }
        }
    }

    /** The shrinker refuses steps that do not fail. */
    @Test
    void shrinkingAPassingRunIsAnError() {
        Shrinker<BuddyState> sh = new Shrinker<>(new BuddySubsystem(), BuddyConfigs.tiny(), "BUDDY-MAX-MERGE");
        assertThrows(IllegalStateException.class, () -> sh.shrink(List.of(alloc(0, "GFP_KERNEL", 0))));
    }

    /** Shrinking a hand-written failing run drops the noise and keeps the violated invariant. */
    @Test
    void shrinksAHandWrittenRun() {
        BuddySubsystem bad = new BuddySubsystem(Planted.PAGE_IS_BUDDY_IGNORES_ORDER);
        // the 5-step failure of pageIsBuddyWithoutOrderTestNeedsExactlyFiveAllocsAndFrees, with noise
        List<Step> steps = List.of(
                alloc(0, "GFP_KERNEL", 1),                                                       // 0x0
                alloc(1, "GFP_KERNEL", 0),                                                       // 0x2
                new Step(2, "sysctl", Args.of("name", "min_free_kbytes", "value", "0")),         // noise
                alloc(3, "GFP_KERNEL", 0),                                                       // 0x3
                alloc(4, "GFP_KERNEL", 2),                                                       // noise: 0x4
                free(5, 1),                                                                      // 0x2 free, order 0
                BuddyKit.badFree(6, 0x9, 0),                                                     // noise: rejected
                free(7, 0));                                                                     // 0x0 merges with 0x2
        Execution<BuddyState> before = Execution.run(bad, BuddyConfigs.tiny(), steps, new Checker<>(bad.invariants()));
        assertTrue(before.violationStep >= 0, "the hand-written run should fail: " + before.outcomes);
        String id = before.violations.get(0).invariantId();
        Shrinker<BuddyState> sh = new Shrinker<>(bad, BuddyConfigs.tiny(), id);
        List<Step> shrunk = sh.shrink(steps);
        assertEquals(5, shrunk.size(), shrunk.toString());
        assertTrue(sh.replays() > 0);
        Execution<BuddyState> after = Execution.run(bad, BuddyConfigs.tiny(), shrunk, new Checker<>(bad.invariants()));
        assertTrue(after.violated(id), shrunk + " -> " + after.violations);
        for (int i = 0; i < shrunk.size(); i++) assertEquals(i, shrunk.get(i).id(), "ids are renumbered 0..n-1");
    }

    // ------------------------------------------------------------------ renumbering and handles

    /** Outcomes without their facts (which name the step ids as handles). */
    static List<String> texts(List<Outcome> outcomes) {
        return outcomes.stream().map(o -> o.kind() + " " + o.text()).toList();
    }

    @Test
    void renumberRewritesHandlesToTheNewIds() {
        Shrinker<BuddyState> sh = new Shrinker<>(new BuddySubsystem(), BuddyConfigs.bench1k(), "X");
        List<Step> steps = List.of(
                alloc(3, "GFP_KERNEL", 0),
                alloc(7, "GFP_KERNEL", 2),
                isolate(8, 0x100, 0x120),
                free(9, 3),
                undoIsolate(12, 8),
                free(15, 7));
        List<Step> r = sh.renumber(steps);
        assertEquals(List.of(
                alloc(0, "GFP_KERNEL", 0),
                alloc(1, "GFP_KERNEL", 2),
                isolate(2, 0x100, 0x120),
                free(3, 0),
                undoIsolate(4, 2),
                free(5, 1)), r);
        BuddySubsystem sub = new BuddySubsystem();
        Execution<BuddyState> a = Execution.run(sub, BuddyConfigs.bench1k(), steps, new Checker<>(sub.invariants()));
        Execution<BuddyState> b = Execution.run(sub, BuddyConfigs.bench1k(), r, new Checker<>(sub.invariants()));
        assertEquals(texts(a.outcomes), texts(b.outcomes), "renumbering must not change what the run does");
        assertEquals(a.state.fingerprint(), b.state.fingerprint());
        for (Outcome o : b.outcomes) assertEquals(Outcome.Kind.OK, o.kind(), b.outcomes.toString());
    }

    /**
     * BUG: a handle that names no step of the list is left as it was by renumber(), so it can
     * alias a renumbered step: here free(handle=0) named nothing (skipped) and, after renumbering,
     * frees the first allocation. The shrinker itself never passes such lists (it keeps only
     * steps that were not skipped), but renumber() is public.
     */
    @Test
    void renumberNeverMakesADanglingHandleNameAStep() {
        Shrinker<BuddyState> sh = new Shrinker<>(new BuddySubsystem(), BuddyConfigs.tiny(), "X");
        List<Step> steps = List.of(alloc(3, "GFP_KERNEL", 0), alloc(5, "GFP_KERNEL", 0), free(7, 0));
        BuddySubsystem sub = new BuddySubsystem();
        Execution<BuddyState> a = Execution.run(sub, BuddyConfigs.tiny(), steps, new Checker<>(sub.invariants()));
        Execution<BuddyState> b = Execution.run(sub, BuddyConfigs.tiny(), sh.renumber(steps), new Checker<>(sub.invariants()));
        assertEquals(Outcome.Kind.SKIPPED, a.outcomes.get(2).kind());
        // the dangling handle stays dangling (renumbered to -1, a step id that cannot exist)
        assertEquals(kinds(a.outcomes), kinds(b.outcomes), "renumbering changed what the run does: " + sh.renumber(steps));
        assertEquals(a.outcomes.subList(0, 2).toString(), b.outcomes.subList(0, 2).toString());
        assertEquals(-1L, sh.renumber(steps).get(2).args().getLong("handle"));
    }

    @Test
    void stepsWhoseHandleVanishedAreSkipped() {
        BuddySubsystem sub = new BuddySubsystem();
        List<Step> steps = List.of(
                free(0, 42),                      // no such allocation
                alloc(1, "GFP_KERNEL", 0),
                free(2, 1),
                free(3, 1),                       // freed already: the handle is gone
                undoIsolate(4, 9),                // no such isolation
                isolate(5, 0x40, 0x60),
                undoIsolate(6, 5),
                undoIsolate(7, 5),                // undone already
                new Step(8, "no_such_op", Args.NONE),
                alloc(9, "GFP_KERNEL", 0));
        Execution<BuddyState> ex = Execution.run(sub, BuddyConfigs.bench1k(), steps, new Checker<>(sub.invariants()));
        assertEquals(-1, ex.violationStep, ex.violations.toString());
        assertEquals(steps.size(), ex.outcomes.size());
        List<Outcome.Kind> kinds = ex.outcomes.stream().map(Outcome::kind).toList();
        assertEquals(List.of(Outcome.Kind.SKIPPED, Outcome.Kind.OK, Outcome.Kind.OK, Outcome.Kind.SKIPPED,
                Outcome.Kind.SKIPPED, Outcome.Kind.OK, Outcome.Kind.OK, Outcome.Kind.SKIPPED, Outcome.Kind.SKIPPED,
                Outcome.Kind.OK), kinds, ex.outcomes.toString());
    }

    /** After shrinking, every free names an allocation of the shrunk list and no step is skipped. */
    @Test
    void shrunkFreesNameLiveAllocations() {
        BuddySubsystem bad = new BuddySubsystem(Planted.PAGE_IS_BUDDY_IGNORES_ORDER);
        List<Step> steps = List.of(
                alloc(0, "GFP_KERNEL", 1),
                alloc(1, "GFP_KERNEL", 0),
                alloc(2, "GFP_KERNEL", 0),
                free(3, 1),
                free(4, 0));
        Execution<BuddyState> ex = Execution.run(bad, BuddyConfigs.tiny(), steps, new Checker<>(bad.invariants()));
        assertEquals(4, ex.violationStep, ex.outcomes + " " + ex.violations);
        String id = ex.violations.get(0).invariantId();
        List<Step> shrunk = new Shrinker<>(bad, BuddyConfigs.tiny(), id).shrink(steps);
        for (Step s : shrunk) {
            if (s.op().equals("free")) {
                long h = s.args().getLong("handle");
                assertTrue(h < shrunk.size() && shrunk.get((int) h).op().equals("alloc"),
                        "free names a step that is no allocation: " + shrunk);
            }
        }
        Execution<BuddyState> again = Execution.run(bad, BuddyConfigs.tiny(), shrunk, new Checker<>(bad.invariants()));
        for (Outcome o : again.outcomes) assertFalse(o.kind() == Outcome.Kind.SKIPPED, "skipped step kept: " + shrunk);
    }

    private static List<Outcome.Kind> kinds(List<Outcome> outs) {
        List<Outcome.Kind> k = new java.util.ArrayList<>();
        for (Outcome o : outs) k.add(o.kind());
        return k;
    }
}
