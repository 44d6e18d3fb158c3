package org.mmspec.invariants.rmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.invariants.rmap.RmapKit.A;
import static org.mmspec.invariants.rmap.RmapKit.apply;
import static org.mmspec.invariants.rmap.RmapKit.childAv;
import static org.mmspec.invariants.rmap.RmapKit.childLinkToRoot;
import static org.mmspec.invariants.rmap.RmapKit.forked;
import static org.mmspec.invariants.rmap.RmapKit.idx;
import static org.mmspec.invariants.rmap.RmapKit.r;
import static org.mmspec.invariants.rmap.RmapKit.root;
import static org.mmspec.invariants.rmap.RmapKit.sharedPfn;
import static org.mmspec.invariants.rmap.RmapKit.vma;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Checker;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.RmapCorruption;

/**
 * No rmap invariant is vacuous: for every ID the rmap subsystem defines, at least one case breaks
 * the smallest plausible thing in a healthy state (or runs the known bug) and sees that ID
 * reported, while the healthy variant passes every invariant, the allocator's included.
 * {@link #everyRmapInvariantHasACase()} fails when an invariant is added without a case.
 */
class RmapNonVacuityTest {
    record Result(List<Violation> all, List<Violation> own) {}

    record Case(String id, String how, Function<Boolean, Result> run) {
        @Override
        public String toString() {
            return id + ": " + how;
        }
    }

    static Result result(String id, RmapState s) {
        return new Result(RmapKit.checkAll(s), RmapKit.check(id, s));
    }

    static Case corrupt(String id, String how, Supplier<RmapState> setup, Consumer<RmapState> corruption) {
        return new Case(id, how, broken -> {
            RmapState s = setup.get();
            if (broken) corruption.accept(s);
            return result(id, s);
        });
    }

    static Stream<Case> cases() {
        Supplier<RmapState> f = RmapKit::forked;
        List<Case> cs = new ArrayList<>();

        cs.add(corrupt("RMAP-WALK-COMPLETE", "pid 2's chain to the root anon_vma is missing from the root's tree", f,
                s -> RmapCorruption.removeFromTree(childLinkToRoot(s))));
        cs.add(corrupt("RMAP-WALK-COMPLETE", "the shared page's mapping points to pid 2's anon_vma, which pid 1 is not linked to",
                f, s -> r(s).mem().mapping()[idx(s, sharedPfn(s))] = org.mmspec.reference.rmap.Rmap.anonMapping(childAv(s).id)));

        cs.add(corrupt("RMAP-WALK-SOUND", "pid 2's VMA moves its page offsets without re-keying its chains", f,
                s -> RmapCorruption.shiftPgoff(vma(s, 2), 1)));
        cs.add(corrupt("RMAP-WALK-SOUND", "pid 2's VMA is linked to the root anon_vma twice", f,
                s -> RmapCorruption.linkAgain(r(s), vma(s, 2), root(s))));

        cs.add(corrupt("RMAP-MAPCOUNT", "the shared page's mapcount counts a third mapping", f,
                s -> r(s).mem().mapcount()[idx(s, sharedPfn(s))]++));
        cs.add(corrupt("RMAP-MAPCOUNT", "pid 2's MM_ANONPAGES is off by one", f,
                s -> RmapCorruption.setRssAnon(r(s).task(2), r(s).task(2).rssAnon() + 1)));

        cs.add(corrupt("RMAP-FOLIO-REFCOUNT", "the shared page holds a reference nobody owns", f,
                s -> r(s).mem().refcount[idx(s, sharedPfn(s))]++));

        cs.add(corrupt("RMAP-AVC-LISTS", "a chain is on pid 2's list but not in the root's tree", f,
                s -> RmapCorruption.removeFromTree(childLinkToRoot(s))));
        cs.add(corrupt("RMAP-AVC-LISTS", "pid 2's VMA is linked to the root anon_vma twice", f,
                s -> RmapCorruption.linkAgain(r(s), vma(s, 2), root(s))));

        cs.add(corrupt("RMAP-ROOT", "pid 2's anon_vma names itself as root while its parent is pid 1's", f,
                s -> RmapCorruption.setRoot(childAv(s), childAv(s))));

        cs.add(corrupt("RMAP-COUNTERS", "the root's num_children forgets pid 2's anon_vma", f,
                s -> RmapCorruption.setNumChildren(root(s), 1)));
        cs.add(corrupt("RMAP-COUNTERS", "pid 2's anon_vma counts two active VMAs", f,
                s -> RmapCorruption.setNumActiveVmas(childAv(s), 2)));

        cs.add(new Case("RMAP-REUSE", "the minimal run of 2555283eb40d, with the old degree rule", broken -> {
            var c = RmapConfigs.small();
            Execution<RmapState> ex = Execution.run(RmapKit.SUB, broken ? RmapKit.withBug(c) : c, RmapKit.doubleReuse(),
                    new Checker<>(RmapKit.SUB.invariants()));
            return result("RMAP-REUSE", ex.state);
        }));
        cs.add(corrupt("RMAP-REUSE", "pid 2's VMA is pointed at pid 1's anon_vma (counters adjusted)", f, s -> {
            RmapCorruption.setNumActiveVmas(childAv(s), 0);
            RmapCorruption.setAnonVma(vma(s, 2), root(s));
            RmapCorruption.setNumActiveVmas(root(s), 2);
        }));

        cs.add(corrupt("RMAP-PAGE-MAPPING", "the shared page's index is off by one", f,
                s -> r(s).mem().index()[idx(s, sharedPfn(s))]++));
        cs.add(corrupt("RMAP-PAGE-MAPPING", "pid 1 has a PTE outside its VMAs", f,
                s -> RmapCorruption.setPte(r(s).task(1), A + 8, Pte.zeroPte())));

        cs.add(corrupt("RMAP-ANON-EXCLUSIVE", "the shared page is marked PageAnonExclusive", f,
                s -> r(s).mem().flags[idx(s, sharedPfn(s))] |= PageFlags.PG_anon_exclusive));

        cs.add(corrupt("RMAP-COW", "fork forgot to write-protect pid 2's PTE of the shared page", f,
                s -> RmapCorruption.setPte(r(s).task(2), A, r(s).task(2).pageTable().get(A) | Pte.WRITE)));

        cs.add(corrupt("RMAP-REFCOUNT", "the root anon_vma forgets pid 2's anon_vma's pin", f,
                s -> RmapCorruption.setRefcount(root(s), 1)));
        cs.add(corrupt("RMAP-REFCOUNT", "pid 2's anon_vma has refcount 0 while its tree is not empty", f,
                s -> RmapCorruption.setRefcount(childAv(s), 0)));

        cs.add(corrupt("RMAP-LIFETIME", "pid 2's anon_vma is freed while its VMA uses it", f,
                s -> RmapCorruption.free(r(s), childAv(s))));
        cs.add(corrupt("RMAP-LIFETIME", "pid 1 maps a free page", f, s -> {
            long free = -1;
            for (long p = 0; p < 0x80 && free < 0; p++) if (r(s).mem().pageBuddy(r(s).mem().idx(p))) free = p;
            RmapCorruption.setPte(r(s).task(1), A + 1, Pte.mkPte(free, false, false, false));
            RmapCorruption.setRssAnon(r(s).task(1), r(s).task(1).rssAnon() + 1);
        }));

        cs.add(corrupt("RMAP-NO-WARN", "the reference reached a VM_WARN_ON", f,
                s -> RmapCorruption.warn(r(s), "unlink_anon_vmas", "VM_WARN_ON(anon_vma->num_children)")));

        cs.add(corrupt("RMAP-REJECT-UNCHANGED", "an operation is rejected after it changed the page table", f,
                s -> RmapOps.guarded(s, () -> {
                    RmapCorruption.setPte(r(s).task(1), A + 1, Pte.zeroPte());
                    throw new RejectedOperationException("SIGSEGV");
                }, null)));

        cs.add(corrupt("RMAP-REFINEMENT", "the shared page's content changes behind both processes' backs", f,
                s -> RmapCorruption.setContent(r(s), sharedPfn(s), 9)));
        cs.add(corrupt("RMAP-REFINEMENT", "a read returns what a stray store left (the spec rejects the outcome)", f, s -> {
            RmapCorruption.setContent(r(s), sharedPfn(s), 9);
            Outcome o = apply(s, 9, "read", "pid", 2, "addr", A);
            assertEquals(Outcome.Kind.OK, o.kind());
            assertFalse(s.pending.isEmpty(), "the spec should have refused the value read");
        }));
        return cs.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsItsId(Case c) {
        Result healthy = c.run().apply(false);
        assertEquals(List.of(), healthy.all(), "the healthy variant of '" + c + "' must pass every invariant");
        Result broken = c.run().apply(true);
        assertFalse(broken.own().isEmpty(), c.id() + " reported nothing for: " + c.how() + "; all violations: " + broken.all());
        for (Violation v : broken.own()) {
            assertEquals(c.id(), v.invariantId(), "wrong ID in " + v);
            assertFalse(v.message().isBlank());
        }
    }

    /** Every violation names what the diagram draws: the anon_vma, VMA or mm involved, or a pfn. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void violationsNameTheirEvidence(Case c) {
        Result broken = c.run().apply(true);
        for (Violation v : broken.own()) {
            if (c.id().equals("RMAP-NO-WARN") || c.id().equals("RMAP-REJECT-UNCHANGED")) continue;
            assertTrue(!v.pfns().isEmpty() || !v.nodes().isEmpty(), "no evidence in " + v);
        }
    }

    @Test
    void everyRmapInvariantHasACase() {
        Set<String> ids = new TreeSet<>();
        for (Invariant<RmapState> inv : RmapKit.SUB.invariants()) if (inv.subsystem().equals("rmap")) ids.add(inv.id());
        Set<String> covered = new TreeSet<>();
        cases().forEach(c -> covered.add(c.id()));
        Set<String> missing = new TreeSet<>(ids);
        missing.removeAll(covered);
        assertEquals(Set.of(), missing, "invariants without a non-vacuity case");
        assertEquals(16, ids.size());
    }
}
