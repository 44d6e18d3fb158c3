package org.mmspec.reference.rmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * VMA merging, splitting and unmapping of mm/vma.c (v6.18) and the anon_vma bookkeeping that
 * goes with it: vma_merge_new_range() with prev, with next, with both (dup_anon_vma() and
 * anon_vma_merge()), refused for an incompatible anon_vma pair, other flags or a pgoff gap;
 * find_mergeable_anon_vma()/reusable_anon_vma() at the first fault; do_vmi_munmap() at exact VMA
 * boundaries; and, from mm/rmap.c, anon_vma_clone()/anon_vma_fork() unwinding a failed fork and
 * the reuse rule at its boundary (two children; degree 2 with the known bug).
 */
class VmaMergeTest {
    static final long A = 0x20;

    static Machine machine() {
        return new Machine(Fixtures.normalOnly(0, 256, 6, 3).withMinFreeKbytes(0));
    }

    static VmAreaStruct vma(Rmap r, int pid, long addr) {
        return r.task(pid).findVma(addr);
    }

    static void noWarnings(Rmap r) {
        assertEquals(0, r.warnings().count(), r.warnings().messages().toString());
    }

    /** The chain of v is in its anon_vma's tree keyed [vm_pgoff, last pgoff], and only once. */
    static void keyed(VmAreaStruct v) {
        for (AnonVmaChain c : v.chain()) {
            assertEquals(v.pgoff(), c.rbStart(), v + " " + c);
            assertEquals(v.lastPgoff(), c.rbLast(), v + " " + c);
            assertTrue(c.anonVma().rbRoot().contains(c));
        }
    }

    /**
     * mmap next to a VMA with an anon_vma: vma_expand() of prev (Case 2: the new range has none,
     * prev is no fork child), its chain re-keyed (anon_vma_interval_tree_pre/post_update_vma), so
     * a page faulted into the new part is found by the walk.
     */
    @Test
    void mergeWithPrevRekeysItsChain() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 2);
        r.access(1, A, true, 1);
        assertEquals(A, r.mmap(1, A + 2, 2));
        assertEquals(1, r.stats.mmapMergePrev);
        assertEquals(2, r.stats.mmaps);
        VmAreaStruct v = vma(r, 1, A);
        assertEquals(A + 4, v.end());
        assertEquals(1, v.anonVma().rbRoot().size());
        keyed(v);
        long p = r.access(1, A + 3, true, 2).pfn();
        assertEquals(1, r.rmapWalk(p, false).size());
        noWarnings(r);
    }

    /** mmap just below a VMA: vma_merge_new_range() expands next down (start and pgoff), re-keyed. */
    @Test
    void mergeWithNextMovesItsStartAndPgoff() {
        Rmap r = machine().rmap();
        r.mmap(1, A + 2, 2);
        r.access(1, A + 2, true, 1);
        VmAreaStruct next = vma(r, 1, A + 2);
        assertEquals(A, r.mmap(1, A, 2));
        assertEquals(1, r.stats.mmapMergeNext);
        assertSame(next, vma(r, 1, A));
        assertEquals(A, next.start());
        assertEquals(A, next.pgoff());
        assertEquals(1, r.task(1).mapCount());
        assertEquals(1, next.anonVma().rbRoot().size());
        keyed(next);
        long p = r.access(1, A, true, 2).pfn();
        assertEquals(A, r.index(p));
        assertEquals(1, r.rmapWalk(p, false).size());
        noWarnings(r);
    }

    /**
     * The gap between two VMAs filled: prev grows over it and over next, next is removed.
     * Neither with an anon_vma; only next with one (dup_anon_vma(): prev takes next's anon_vma
     * and chains, num_active_vmas +1, then anon_vma_merge() unlinks next's, -1); both with the
     * same one (after a munmap split: anon_vma_merge()); only prev with one.
     */
    @Test
    void mergeWithBothSides() {
        for (int kase = 0; kase < 4; kase++) {
            Rmap r = machine().rmap();
            if (kase == 2) {
                r.mmap(1, A, 3);
                r.access(1, A, true, 1);
                r.access(1, A + 2, true, 3);
                r.munmap(1, A + 1, 1);
            } else {
                r.mmap(1, A, 1);
                r.mmap(1, A + 2, 1);
                if (kase == 1) r.access(1, A + 2, true, 3);
                if (kase == 3) r.access(1, A, true, 1);
            }
            assertEquals(2, r.task(1).mapCount());
            AnonVma av = kase == 3 ? vma(r, 1, A).anonVma() : vma(r, 1, A + 2).anonVma();
            assertEquals(A, r.mmap(1, A + 1, 1), "case " + kase);
            assertEquals(1, r.stats.mmapMergeBoth);
            assertEquals(1, r.task(1).mapCount());
            VmAreaStruct v = vma(r, 1, A);
            assertEquals(A + 3, v.end());
            assertEquals(A, v.pgoff());
            assertSame(av, v.anonVma());
            if (av != null) {
                assertEquals(1, av.numActiveVmas(), "case " + kase);
                assertEquals(1, av.rbRoot().size(), "case " + kase);
                assertEquals(1, v.chain().size());
                keyed(v);
                long p = r.access(1, A + 2, true, 4).pfn();
                assertEquals(1, r.rmapWalk(p, false).size());
                assertEquals(4, r.peek(1, A + 2));
            }
            noWarnings(r);
        }
    }

    /**
     * can_vma_merge_right() with a left merge possible: prev's and next's anon_vmas must be
     * compatible; two distinct ones (each from its own first fault) leave next alone and only
     * prev grows.
     */
    @Test
    void twoDistinctAnonVmasMergeOnlyLeft() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 1);
        r.mmap(1, A + 2, 1);
        r.access(1, A, true, 1);
        r.access(1, A + 2, true, 2);
        assertFalse(vma(r, 1, A).anonVma() == vma(r, 1, A + 2).anonVma(), "not adjacent: no reuse at the fault");
        assertEquals(2, r.stats.anonVmaPrepareNew);
        assertEquals(A, r.mmap(1, A + 1, 1));
        assertEquals(1, r.stats.mmapMergePrev);
        assertEquals(0, r.stats.mmapMergeBoth);
        assertEquals(2, r.task(1).mapCount());
        assertEquals(A + 2, vma(r, 1, A).end());
        noWarnings(r);
    }

    /**
     * No merge with a neighbour whose flags differ (is_mergeable_vma()), whose pgoff is not
     * contiguous, or that is a fork child (vma_is_fork_child()) on the right.
     */
    @Test
    void noMergeAcrossFlagsPgoffOrAForkChild() {
        Rmap r = machine().rmap();
        r.mmap(1, A + 1, 1);
        vma(r, 1, A + 1).vm_flags |= VmAreaStruct.VM_MERGEABLE;
        assertEquals(A, r.mmap(1, A, 1));
        assertEquals(2, r.task(1).mapCount(), "flags differ on the right");
        r.mmap(1, A + 2, 1);
        assertEquals(3, r.task(1).mapCount(), "flags differ on the left");
        r.mmap(1, A + 5, 1);
        vma(r, 1, A + 5).vm_pgoff = 0x999;
        assertEquals(A + 4, r.mmap(1, A + 4, 1));
        assertEquals(5, r.task(1).mapCount(), "pgoff gap on the right");
        r.mmap(1, A + 9, 1);
        r.access(1, A + 9, true, 1);
        int c = r.fork(1, 0);
        assertEquals(A + 8, r.mmap(c, A + 8, 1));
        assertEquals(r.task(1).mapCount() + 1, r.task(c).mapCount(), "next is a fork child");
        assertEquals(0, r.stats.mmapMergeNext + r.stats.mmapMergePrev + r.stats.mmapMergeBoth);
        assertEquals(Rmap.EEXIST, r.mmap(1, A + 9, 1));
        assertEquals(Rmap.EEXIST, r.mmap(1, A + 8, 2));
        assertEquals(2, r.stats.mmapEexist);
        noWarnings(r);
    }

    /**
     * __anon_vma_prepare() -> find_mergeable_anon_vma(): an adjacent compatible neighbour's
     * anon_vma is reused when its chain is singular (next first, then prev); not a fork child's,
     * not across a pgoff gap.
     */
    @Test
    void theFirstFaultReusesAnAdjacentCompatibleAnonVma() {
        Rmap r = machine().rmap();
        RmapWalkTest.Recorder k = new RmapWalkTest.Recorder();
        r.setKsmHooks(k);
        r.mmap(1, A, 6);
        // split into [A, A+1) [A+1, A+3) [A+3, A+4) [A+4, A+6) by madvise, then equal flags again
        assertEquals(0, r.madvise(1, A + 1, 2, Rmap.MADV_MERGEABLE));
        assertEquals(0, r.madvise(1, A + 4, 2, Rmap.MADV_MERGEABLE));
        assertEquals(0, r.madvise(1, A + 1, 2, Rmap.MADV_UNMERGEABLE));
        assertEquals(0, r.madvise(1, A + 4, 2, Rmap.MADV_UNMERGEABLE));
        assertEquals(4, r.task(1).mapCount());
        r.access(1, A + 1, true, 1);
        AnonVma mid = vma(r, 1, A + 1).anonVma();
        assertEquals(1, r.stats.anonVmaPrepareNew);
        r.access(1, A, true, 2);
        assertSame(mid, vma(r, 1, A).anonVma(), "next's, adjacent and compatible");
        r.access(1, A + 3, true, 3);
        assertSame(mid, vma(r, 1, A + 3).anonVma(), "prev's (next has none)");
        assertEquals(2, r.stats.anonVmaPrepareMergeable);
        assertEquals(3, mid.numActiveVmas());
        assertEquals(1, mid.numChildren());
        assertEquals(3, mid.rbRoot().size());
        // [A+4, A+6) with a pgoff gap to its prev: a new root
        vma(r, 1, A + 4).vm_pgoff += 7;
        r.access(1, A + 4, true, 4);
        assertFalse(mid == vma(r, 1, A + 4).anonVma());
        assertEquals(2, r.stats.anonVmaPrepareNew);
        noWarnings(r);

        Rmap r2 = machine().rmap();
        r2.setKsmHooks(k);
        r2.mmap(1, A, 3);
        assertEquals(0, r2.madvise(1, A + 1, 1, Rmap.MADV_MERGEABLE));
        assertEquals(0, r2.madvise(1, A + 1, 1, Rmap.MADV_UNMERGEABLE));
        r2.access(1, A + 1, true, 1);
        int c = r2.fork(1, 0);
        assertEquals(2, vma(r2, c, A + 1).chain().size());
        r2.access(c, A, true, 2);
        assertNotNull(vma(r2, c, A).anonVma());
        assertFalse(vma(r2, c, A).anonVma() == vma(r2, c, A + 1).anonVma(), "the neighbour's chain is not singular");
        assertEquals(1, vma(r2, c, A).chain().size());
        r2.access(1, A + 2, true, 3);
        assertSame(vma(r2, 1, A + 1).anonVma(), vma(r2, 1, A + 2).anonVma(), "prev's, singular in the parent");
        noWarnings(r2);
    }

    /**
     * do_vmi_munmap() at exact VMA boundaries: a range starting at a VMA's start splits only at
     * its end, one ending at a VMA's end only at its start; a range covering a VMA exactly
     * removes it without a split.
     */
    @Test
    void munmapAtExactBoundariesSplitsNothing() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 3);
        r.access(1, A, true, 1);
        r.access(1, A + 2, true, 3);
        AnonVma av = vma(r, 1, A).anonVma();
        r.munmap(1, A, 1);
        assertEquals(1, r.stats.splits, "at the end only: the range starts at the VMA's start");
        assertEquals(1, r.task(1).mapCount());
        assertEquals(A + 1, vma(r, 1, A + 1).start());
        assertEquals(A + 1, vma(r, 1, A + 1).pgoff());
        r.munmap(1, A + 2, 1);
        assertEquals(2, r.stats.splits, "at the start only: the range ends at the VMA's end");
        assertEquals(1, r.task(1).mapCount());
        assertEquals(A + 2, vma(r, 1, A + 1).end());
        keyed(vma(r, 1, A + 1));
        r.munmap(1, A + 3, 4);
        assertEquals(1, r.task(1).mapCount(), "nothing mapped there");
        r.munmap(1, A + 1, 1);
        assertEquals(0, r.task(1).mapCount());
        assertEquals(4, r.stats.munmaps);
        assertTrue(av.freed(), "the last VMA gone: the anon_vma freed");
        r.mmap(1, A, 4);
        r.munmap(1, A + 1, 2);
        assertEquals(4, r.stats.splits, "one split at each end");
        MmStruct mm = r.task(1);
        int c = r.fork(1, 0);
        MmStruct cm = r.task(c);
        assertEquals(2, cm.mapCount());
        r.exit(c);
        assertEquals(0, cm.mapCount(), "exit_mmap() empties the mm");
        assertEquals(2, mm.mapCount());
        noWarnings(r);
    }

    /**
     * anon_vma_clone() failing in a fork (enomem_failure) unlinks what it linked; anon_vma_fork()
     * failing at its anon_vma or its chain unlinks the clone and puts the new anon_vma: the
     * parent's anon_vma trees are as before, the counters say which failed.
     */
    @Test
    void aFailedForkUnlinksItsChainsFromTheParentsTrees() {
        for (int failAt = 1; failAt <= 6; failAt++) {
            Rmap r = machine().rmap();
            r.mmap(1, A, 1);
            r.access(1, A, true, 1);
            int c = r.fork(1, 0);
            AnonVma root = vma(r, 1, A).anonVma();
            AnonVma avC = vma(r, c, A).anonVma();
            int rootTree = root.rbRoot().size();
            int avcTree = avC.rbRoot().size();
            long rootChildren = root.numChildren();
            int anonVmas = r.anonVmas().size();
            // fork of c: vm_area_dup (1), clone: a chain for root (2), one for avC (3),
            // anon_vma_alloc (4), its chain (5)
            int ret = r.fork(c, failAt);
            if (failAt == 6) {
                assertTrue(ret > 0);
                assertEquals(1, r.stats.anonVmaForkNew - 1);
                break;
            }
            assertEquals(Rmap.ENOMEM, ret, "fail_at " + failAt);
            assertEquals(rootTree, root.rbRoot().size(), "fail_at " + failAt);
            assertEquals(avcTree, avC.rbRoot().size(), "fail_at " + failAt);
            assertEquals(rootChildren, root.numChildren(), "fail_at " + failAt);
            assertEquals(anonVmas, r.anonVmas().size(), "fail_at " + failAt);
            assertEquals(1, avC.numActiveVmas());
            assertEquals(failAt == 2 || failAt == 3 ? 1 : 0, r.stats.anonVmaCloneEnomem, "fail_at " + failAt);
            assertEquals(failAt >= 4 ? 1 : 0, r.stats.anonVmaForkEnomem, "fail_at " + failAt);
            assertEquals(1, r.stats.forksFailed);
            assertEquals(1, r.stats.forks);
            noWarnings(r);
        }
    }

    /**
     * The reuse rule's boundary: an anon_vma with no VMA but two child anon_vmas is not reused
     * ("only one anon_vma child"); with KnownBug ANON_VMA_DEGREE, one with degree exactly 2 is
     * not reused either.
     */
    @Test
    void reuseRuleAtItsBoundary() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 1);
        r.access(1, A, true, 1);
        int b = r.fork(1, 0);
        int c = r.fork(b, 0);
        r.fork(b, 0);
        AnonVma avB = vma(r, b, A).anonVma();
        AnonVma avC = vma(r, c, A).anonVma();
        r.exit(b);
        assertEquals(2, avB.numChildren());
        assertEquals(0, avB.numActiveVmas());
        int e = r.fork(c, 0);
        AnonVma avE = vma(r, e, A).anonVma();
        assertFalse(avE == avB, "two children: not reused");
        assertSame(avC, avE.parent());
        assertEquals(0, r.stats.anonVmaReused);
        noWarnings(r);

        MachineConfig bug = Fixtures.normalOnly(0, 256, 6, 3).withMinFreeKbytes(0)
                .withKnownBugs(List.of(KnownBug.ANON_VMA_DEGREE.bugName()));
        Rmap q = new Machine(bug).rmap();
        q.mmap(1, A, 1);
        q.access(1, A, true, 1);
        int qb = q.fork(1, 0);
        int qc = q.fork(qb, 0);
        AnonVma qavB = vma(q, qb, A).anonVma();
        assertEquals(2, qavB.numChildren() + qavB.numActiveVmas(), "degree 2: one child, one VMA");
        int qd = q.fork(qc, 0);
        assertFalse(qavB == vma(q, qd, A).anonVma());
        assertSame(vma(q, qc, A).anonVma(), vma(q, qd, A).anonVma().parent());
    }

    /** AnonVma.foreach() visits the chains overlapping [start, last] in tree order and stops when told. */
    @Test
    void anonVmaForeachStopsWhenTold() {
        AnonVma a = new AnonVma(1);
        for (int i = 0; i < 4; i++) {
            AnonVmaChain c = new AnonVmaChain(10 + i);
            c.rbStart = i;
            c.rbLast = i + 1;
            c.seq = i;
            a.rb_root.add(c);
        }
        List<Integer> seen = new ArrayList<>();
        a.foreach(1, 2, c -> seen.add(c.id) && c.id != 11);
        assertEquals(List.of(10, 11), seen);
        seen.clear();
        a.foreach(1, 2, c -> seen.add(c.id));
        assertEquals(List.of(10, 11, 12), seen);
        assertEquals("anon_vma#1", a.name());
        assertEquals("anon_vma#1", a.toString());
    }

    /** vma_address(): -EFAULT (-1) just outside [vm_start, vm_end); is_cow_mapping() is VM_MAYWRITE without VM_SHARED. */
    @Test
    void vmaAddressAndCowMapping() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 2);
        VmAreaStruct v = vma(r, 1, A);
        assertEquals(A, v.vmaAddress(A));
        assertEquals(A + 1, v.vmaAddress(A + 1));
        assertEquals(-1, v.vmaAddress(A + 2));
        assertEquals(-1, v.vmaAddress(A - 1));
        assertTrue(v.isCowMapping());
        long p = r.access(1, A, true, 1).pfn();
        v.vm_flags &= ~VmAreaStruct.VM_MAYWRITE;
        assertFalse(v.isCowMapping());
        int c = r.fork(1, 0);
        assertTrue(Pte.write(r.task(1).pageTable().get(A)), "not a COW mapping: fork does not write-protect");
        assertEquals(2, r.mapcount(p));
        assertNull(vma(r, c, A + 5));
    }

    /** RmapCorruption's edits do exactly what they say. */
    @Test
    void corruptionHelpersEditOneThing() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 1).pfn();
        VmAreaStruct v = vma(r, 1, A);
        AnonVma av = v.anonVma();
        int next = r.nextAvcId;
        AnonVmaChain again = RmapCorruption.linkAgain(r, v, av);
        assertEquals(next, again.id());
        assertEquals(next + 1, r.nextAvcId);
        assertEquals(2, v.chain().size());
        assertEquals(2, av.rbRoot().size());
        RmapCorruption.shiftPgoff(v, 3);
        assertEquals(A + 3, v.pgoff());
        RmapCorruption.setPte(r.task(1), A, 0);
        assertNull(r.task(1).pageTable().get(A));
        RmapCorruption.setPte(r.task(1), A, 5);
        assertEquals(5L, r.task(1).pageTable().get(A));
        long st = r.contentStamp(p);
        RmapCorruption.setContent(r, p, 9);
        assertEquals(9L, r.contents().get(p));
        assertEquals(st + 1, r.contentStamp(p));
        RmapCorruption.warn(r, "x", "y");
        assertEquals(1, r.warnings().count());
    }

    /**
     * anon_vma_compatible() (mm/vma.c) compares vm_flags "& ~(VM_ACCESS_FLAGS | VM_SOFTDIRTY)": a
     * neighbour made read-only (as mprotect(PROT_READ) leaves it) still lends its anon_vma to the
     * first fault next to it; one that differs in VM_MERGEABLE does not.
     */
    @Test
    void anonVmaCompatibleIgnoresTheAccessFlags() {
        Rmap r = machine().rmap();
        r.setKsmHooks(new RmapWalkTest.Recorder());
        r.mmap(1, A, 3);
        assertEquals(0, r.madvise(1, A + 1, 1, Rmap.MADV_MERGEABLE));
        assertEquals(0, r.madvise(1, A + 1, 1, Rmap.MADV_UNMERGEABLE));
        assertEquals(3, r.task(1).mapCount());
        r.access(1, A, true, 1);
        AnonVma av = vma(r, 1, A).anonVma();
        vma(r, 1, A).vm_flags &= ~(VmAreaStruct.VM_WRITE | VmAreaStruct.VM_READ);
        r.access(1, A + 1, true, 2);
        assertSame(av, vma(r, 1, A + 1).anonVma(), "flags differ only in VM_ACCESS_FLAGS");
        assertEquals(1, r.stats.anonVmaPrepareMergeable);
        vma(r, 1, A + 1).vm_flags |= VmAreaStruct.VM_MERGEABLE;
        r.access(1, A + 2, true, 3);
        assertFalse(av == vma(r, 1, A + 2).anonVma(), "VM_MERGEABLE is not an access flag");
        noWarnings(r);
    }
}
