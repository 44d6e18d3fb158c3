package org.mmspec.invariants.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.invariants.ksm.KsmKit.A;
import static org.mmspec.invariants.ksm.KsmKit.apply;
import static org.mmspec.invariants.ksm.KsmKit.chain;
import static org.mmspec.invariants.ksm.KsmKit.firstUnstable;
import static org.mmspec.invariants.ksm.KsmKit.ksmPfn;

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
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.ksm.Ksm;
import org.mmspec.reference.ksm.KsmCorruption;
import org.mmspec.reference.ksm.KsmRmapItem;
import org.mmspec.reference.ksm.KsmStableNode;
import org.mmspec.reference.ksm.RbNode;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.RmapCorruption;
import org.mmspec.reference.rmap.VmAreaStruct;

/**
 * No KSM invariant is vacuous: for every ID the KSM subsystem defines, a case breaks the smallest
 * plausible thing in a healthy state (a chain of two full dups, a node, unique pages, a scan in
 * progress with two items in its unstable tree) or runs the known bug, and sees that ID reported,
 * while the healthy variant passes every invariant, the reverse map's and the allocator's
 * included. {@link #everyKsmInvariantHasACase()} fails when an invariant is added without a case.
 */
class KsmNonVacuityTest {
    record Result(List<Violation> all, List<Violation> own) {}

    record Case(String id, String how, Function<Boolean, Result> run) {
        @Override
        public String toString() {
            return id + ": " + how;
        }
    }

    static Result result(String id, KsmState s) {
        return new Result(KsmKit.checkAll(s), KsmKit.check(id, s));
    }

    static Case corrupt(String id, String how, Supplier<KsmState> setup, Consumer<KsmState> corruption) {
        return new Case(id, how, broken -> {
            KsmState s = setup.get();
            if (broken) corruption.accept(s);
            return result(id, s);
        });
    }

    static Ksm k(KsmState s) {
        return s.ksm();
    }

    static Stream<Case> cases() {
        Supplier<KsmState> f = KsmKit::merged;
        List<Case> cs = new ArrayList<>();
        cs.add(corrupt("KSM-RBTREE", "the stable tree's root is red", f, s -> KsmCorruption.setBlack(k(s).stableTree().node(), false)));
        cs.add(corrupt("KSM-RBTREE", "an unstable tree node's child hangs on the wrong side (a red child under a red node)", f, s -> {
            RbNode root = k(s).unstableTree().node();
            RbNode child = root.rbLeft() != null ? root.rbLeft() : root.rbRight();
            KsmCorruption.setBlack(root, false);
            KsmCorruption.setBlack(child, false);
        }));
        cs.add(corrupt("KSM-STABLE-ORDER", "a stable node stands for a content out of order", f, s -> {
            List<RbNode> order = Ksm.inOrder(k(s).stableTree());
            KsmCorruption.setContent((KsmStableNode) order.get(0), 99);
        }));
        cs.add(corrupt("KSM-CHAIN", "a dup of the chain forgets it is a dup", f,
                s -> KsmCorruption.setDup(chain(s).dupFirst(), false)));
        cs.add(corrupt("KSM-MAX-SHARING", "a dup's rmap_hlist_len counts an rmap_item it does not have", f,
                s -> KsmCorruption.setRmapHlistLen(chain(s).dupFirst(), 3)));
        cs.add(corrupt("KSM-MAX-SHARING", "max_page_sharing drops below what a dup holds", f,
                s -> KsmCorruption.setMaxPageSharing(k(s), 1)));
        cs.add(corrupt("KSM-UNSTABLE", "an item of the unstable tree carries the previous scan's seqnr", f, s -> {
            KsmRmapItem i = (KsmRmapItem) k(s).unstableTree().node();
            KsmCorruption.setAddress(i, (i.address() & ~Ksm.SEQNR_MASK) | ((k(s).seqnr() - 1) & Ksm.SEQNR_MASK));
        }));
        cs.add(corrupt("KSM-UNSTABLE-ORDER", "the unstable tree's second item moves to the wrong side of the root", f,
                s -> KsmCorruption.moveRightChildLeft(k(s).unstableTree().node())));
        cs.add(corrupt("KSM-STABLE-ITEMS", "an item on a dup's hlist loses its STABLE_FLAG", f, s -> {
            KsmRmapItem i = chain(s).dupFirst().hlistFirst();
            KsmCorruption.setAddress(i, i.address() & Ksm.PAGE_MASK);
        }));
        cs.add(corrupt("KSM-KEYHOLE", "a node's kpfn names another page than the one whose key it holds", f, s -> {
            KsmStableNode d = chain(s).dupFirst();
            KsmCorruption.setKpfn(d, d.kpfn() + 0x40);
        }));
        cs.add(corrupt("KSM-CONTENT", "a KSM page's content changes behind everyone's back", f,
                s -> RmapCorruption.setContent(s.rmap(), ksmPfn(s), 7)));
        cs.add(corrupt("KSM-WRPROTECT", "a PTE of a KSM page is writable", f,
                s -> RmapCorruption.setPte(s.rmap().task(1), A, s.rmap().task(1).pageTable().get(A) | Pte.WRITE)));
        cs.add(corrupt("KSM-MERGEABLE-ONLY", "the VMA holding merged pages loses VM_MERGEABLE without unmerging", f, s -> {
            VmAreaStruct v = s.rmap().task(1).findVma(A);
            RmapCorruption.setVmFlags(v, v.flags() & ~VmAreaStruct.VM_MERGEABLE);
        }));
        cs.add(new Case("KSM-RMAP-WALK", "the minimal run of 1105a2fc022f: rmap_walk_ksm() keeps STABLE_FLAG", broken -> {
            var c = KsmConfigs.small();
            Execution<KsmState> ex = Execution.run(KsmKit.SUB, broken ? KsmKit.withBug(c) : c, KsmKit.stableFlagRun(),
                    new Checker<>(KsmKit.SUB.invariants()));
            return result("KSM-RMAP-WALK", ex.state);
        }));
        cs.add(corrupt("KSM-SLOTS", "pid 1's mm loses MMF_VM_MERGEABLE while its slot is on the list", f,
                s -> KsmCorruption.setMmfVmMergeable(k(s).mm(1), false)));
        cs.add(corrupt("KSM-COUNTERS", "pages_sharing counts one more than the stable tree holds", f,
                s -> KsmCorruption.setPagesSharing(k(s), k(s).pagesSharing() + 1)));
        cs.add(corrupt("KSM-ZERO-PAGES", "ksm_zero_pages counts a zero page KSM never placed", f,
                s -> KsmCorruption.setZeroPages(k(s), 1)));
        cs.add(corrupt("KSM-NO-WARN", "the reference reached a WARN_ON", f,
                s -> KsmCorruption.warn(k(s), "stable_tree_append", "WARN_ON_ONCE(rmap_hlist_len > ksm_max_page_sharing)")));
        cs.add(corrupt("KSM-REJECT-UNCHANGED", "a sysfs write is refused after it changed a knob", f,
                s -> KsmOps.guarded(s, () -> {
                    k(s).sysfs_store("smart_scan", "1");
                    throw new RejectedOperationException("EINVAL");
                })));
        cs.add(corrupt("KSM-REFINEMENT", "a VMA becomes VM_MERGEABLE without madvise()", f, s -> {
            apply(s, 50, "mmap", "pid", 1, "addr", A + 0x20, "pages", 1);
            VmAreaStruct v = s.rmap().task(1).findVma(A + 0x20);
            RmapCorruption.setVmFlags(v, v.flags() | VmAreaStruct.VM_MERGEABLE);
        }));
        cs.add(corrupt("KSM-REFINEMENT", "after two quiet scans one content is left in two unmerged frames", f, s -> {
            apply(s, 50, "sysfs", "name", "pages_to_scan", "value", "16");
            apply(s, 51, "ksmd_full_scan");
            apply(s, 52, "ksmd_full_scan");
            apply(s, 53, "ksmd_full_scan");
            // two pages of content 5 that ksmd never saw merged: written behind the spec, its quiet count intact
            RmapCorruption.setContent(s.rmap(), Pte.pfn(s.rmap().task(1).pageTable().get(A + 6)), 5);
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

    /** Every violation names what the diagram draws: a stable node, rmap_item, slot or mm, a counter, or a pfn. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void violationsNameTheirEvidence(Case c) {
        Result broken = c.run().apply(true);
        for (Violation v : broken.own()) {
            if (c.id().equals("KSM-NO-WARN") || c.id().equals("KSM-REJECT-UNCHANGED") || c.id().equals("KSM-REFINEMENT")) continue;
            assertTrue(!v.pfns().isEmpty() || !v.nodes().isEmpty(), "no evidence in " + v);
        }
    }

    @Test
    void everyKsmInvariantHasACase() {
        Set<String> ids = new TreeSet<>();
        for (Invariant<KsmState> inv : KsmKit.SUB.invariants()) if (inv.subsystem().equals("ksm")) ids.add(inv.id());
        Set<String> covered = new TreeSet<>();
        cases().forEach(c -> covered.add(c.id()));
        Set<String> missing = new TreeSet<>(ids);
        missing.removeAll(covered);
        assertEquals(Set.of(), missing, "invariants without a non-vacuity case");
        assertEquals(18, ids.size());
    }
}
