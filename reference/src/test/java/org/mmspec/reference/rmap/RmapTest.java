package org.mmspec.reference.rmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.rmap.Rmap.AccessKind;

/**
 * The reverse map of the reference against what mm/rmap.c, mm/memory.c, mm/vma.c and
 * mm/migrate.c (v6.18) do: anon_vma trees built by fork and their reuse rule, COW and reuse on
 * write faults, splits and merges, migration, and the failure path of anon_vma_clone.
 */
class RmapTest {
    static final long A = 0x20;

    static Machine machine() {
        return new Machine(Fixtures.normalOnly(0, 256, 6, 3).withMinFreeKbytes(0));
    }

    static Machine machine(MachineConfig c) {
        return new Machine(c);
    }

    static long write(Rmap r, int pid, long addr, long v) {
        return r.access(pid, addr, true, v).pfn();
    }

    static long read(Rmap r, int pid, long addr) {
        return r.access(pid, addr, false, 0).value();
    }

    static VmAreaStruct vma(Rmap r, int pid, long addr) {
        return r.task(pid).findVma(addr);
    }

    @Test
    void firstWriteFaultPreparesARootAnonVmaAndMapsANewExclusivePage() {
        Rmap r = machine().rmap();
        assertEquals(A, r.mmap(1, A, 2));
        assertEquals(0, read(r, 1, A), "a read of an untouched page sees zeros");
        assertNull(vma(r, 1, A).anonVma(), "a read fault maps the zero page and prepares no anon_vma");
        Rmap.Access w = r.access(1, A, true, 7);
        assertEquals(AccessKind.WP_COPY, w.kind(), "a write over the zero page goes through wp_page_copy()");
        long pfn = w.pfn();
        AnonVma av = vma(r, 1, A).anonVma();
        assertNotNull(av);
        assertSame(av, av.root());
        assertSame(av, av.parent());
        assertEquals(1, av.numChildren(), "the self-parent link of a new root");
        assertEquals(1, av.numActiveVmas());
        assertEquals(1, av.refcount());
        assertEquals(av.id, r.mappingId(pfn));
        assertEquals(A, r.index(pfn), "page->index is linear_page_index(): the page number for an anonymous VMA");
        assertEquals(1, r.mapcount(pfn));
        assertTrue(r.pageAnonExclusive(pfn));
        assertEquals(7, read(r, 1, A));
        assertEquals(1, r.task(1).rssAnon());
        Rmap.Access w2 = r.access(1, A + 1, true, 8);
        assertEquals(AccessKind.ANON_PAGE, w2.kind());
        assertEquals(2, r.rmapWalk(pfn, false).size() + r.rmapWalk(w2.pfn(), false).size());
    }

    @Test
    void forkSharesPagesWriteProtectedAndCowGivesTheWriterACopyInItsOwnAnonVma() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 1);
        long pfn = write(r, 1, A, 5);
        int child = r.fork(1, 0);
        assertEquals(2, child);
        AnonVma root = vma(r, 1, A).anonVma();
        AnonVma mine = vma(r, child, A).anonVma();
        assertNotSame(root, mine);
        assertSame(root, mine.parent());
        assertSame(root, mine.root());
        assertEquals(2, root.numChildren(), "self and the child's anon_vma");
        assertEquals(2, root.refcount(), "its tree, and the child's pin on its root");
        assertEquals(List.of(mine.id, root.id), ids(vma(r, child, A).chain()), "the child's chain, newest first");
        assertEquals(2, r.mapcount(pfn));
        assertFalse(r.pageAnonExclusive(pfn), "fork cleared PageAnonExclusive");
        assertFalse(Pte.write(r.task(1).pageTable().get(A)), "the parent's PTE is write-protected");
        assertEquals(2, r.rmapWalk(pfn, false).size(), "the walk from the root finds both");

        Rmap.Access cow = r.access(child, A, true, 6);
        assertEquals(AccessKind.WP_COPY, cow.kind());
        assertNotEquals(pfn, cow.pfn());
        assertEquals(mine.id, r.mappingId(cow.pfn()), "the COW copy goes to the child's own anon_vma");
        assertEquals(1, r.mapcount(pfn));
        assertEquals(5, read(r, 1, A));
        assertEquals(6, read(r, child, A));

        Rmap.Access reuse = r.access(1, A, true, 9);
        assertEquals(AccessKind.WP_REUSE, reuse.kind(), "the parent is the only user left: wp_can_reuse_anon_folio()");
        assertEquals(pfn, reuse.pfn());
        assertTrue(r.pageAnonExclusive(pfn));
    }

    static void assertNotSame(Object a, Object b) {
        assertFalse(a == b, a + " and " + b + " are the same object");
    }

    static List<Integer> ids(List<AnonVmaChain> chain) {
        List<Integer> out = new ArrayList<>();
        for (AnonVmaChain c : chain) out.add(c.anonVma().id);
        return out;
    }

    /**
     * The scenario of 2555283eb40d: A forks B, B forks Q, B exits, Q forks S (S reuses B's
     * anon_vma, which has no VMA and one child), S forks T. Fixed, T gets a new anon_vma; with
     * the old degree rule T reuses Q's anon_vma, still Q's VMA's anon_vma.
     */
    @Test
    void reuseRuleNeverReusesAnAnonVmaAVmaStillUses() {
        for (boolean bug : new boolean[] {false, true}) {
            MachineConfig c = Fixtures.normalOnly(0, 256, 6, 3).withMinFreeKbytes(0);
            if (bug) c = c.withKnownBugs(List.of(KnownBug.ANON_VMA_DEGREE.bugName()));
            Rmap r = machine(c).rmap();
            r.mmap(1, A, 1);
            write(r, 1, A, 1);
            int b = r.fork(1, 0);
            int q = r.fork(b, 0);
            AnonVma avB = vma(r, b, A).anonVma();
            AnonVma avQ = vma(r, q, A).anonVma();
            r.exit(b);
            assertEquals(1, avB.numChildren());
            assertEquals(0, avB.numActiveVmas());
            int s = r.fork(q, 0);
            assertSame(avB, vma(r, s, A).anonVma(), "S reuses B's anon_vma: no VMA, one child (bug " + bug + ")");
            int t = r.fork(s, 0);
            AnonVma avT = vma(r, t, A).anonVma();
            if (bug) {
                assertSame(avQ, avT, "degree < 2 and not src->anon_vma: Q's anon_vma is reused while Q uses it");
                assertEquals(2, avQ.numActiveVmas());
            } else {
                assertNotSame(avQ, avT);
                assertSame(avB, avT.parent(), "a new anon_vma under S's");
                assertEquals(1, avQ.numActiveVmas());
            }
        }
    }

    @Test
    void rootIsNeverReusedAndAChildWithOneChildAndNoVmaIs() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 1);
        write(r, 1, A, 1);
        int b = r.fork(1, 0);
        int c = r.fork(b, 0);
        AnonVma avB = vma(r, b, A).anonVma();
        r.exit(b);
        int d = r.fork(c, 0);
        assertSame(avB, vma(r, d, A).anonVma());
        assertEquals(1, r.stats.anonVmaReused);
        r.exit(c);
        r.exit(d);
        AnonVma root = vma(r, 1, A).anonVma();
        assertEquals(1, r.anonVmas().size(), "every descendant anon_vma is freed when its tree empties");
        assertEquals(1, root.numChildren());
        assertEquals(1, root.refcount());
    }

    @Test
    void everyFailurePointOfForkUnwindsToTheSameAnonVmasAndPages() {
        int failures = 0;
        for (int k = 1; k < 40; k++) {
            Machine m = machine();
            Rmap r = m.rmap();
            r.mmap(1, A, 2);
            r.mmap(1, A + 4, 1);
            write(r, 1, A, 1);
            write(r, 1, A + 4, 2);
            int bb = r.fork(1, 0);
            write(r, bb, A + 1, 3);
            int anonVmas = r.anonVmas().size();
            long free = m.zone(ZoneType.NORMAL).nrFreePages;
            int ret = r.fork(bb, k);
            if (ret > 0) {
                assertTrue(k > 6, "fail_at " + k + " succeeded although the fork makes more allocations");
                break;
            }
            failures++;
            assertEquals(Rmap.ENOMEM, ret);
            assertEquals(anonVmas, r.anonVmas().size(), "fail_at " + k + " leaked or lost an anon_vma");
            assertEquals(free, m.zone(ZoneType.NORMAL).nrFreePages, "fail_at " + k + " leaked pages");
            assertEquals(2, r.tasks().size());
            assertEquals(0, r.warnings().count(), "fail_at " + k + ": " + r.warnings().messages());
            assertEquals(1, read(r, bb, A));
            assertEquals(3, read(r, bb, A + 1));
            assertEquals(2, read(r, bb, A + 4));
            for (AnonVma a : r.anonVmas().values()) {
                assertTrue(a.refcount() >= 1);
            }
        }
        assertTrue(failures >= 5, "a fork of two VMAs with anon_vma chains makes several slab allocations");
    }

    @Test
    void munmapInTheMiddleSplitsAndBothHalvesShareTheAnonVmaAndChain() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 4);
        for (int i = 0; i < 4; i++) write(r, 1, A + i, i + 1);
        AnonVma av = vma(r, 1, A).anonVma();
        r.munmap(1, A + 1, 2);
        assertEquals(2, r.task(1).mapCount());
        VmAreaStruct lo = vma(r, 1, A);
        VmAreaStruct hi = vma(r, 1, A + 3);
        assertSame(av, lo.anonVma());
        assertSame(av, hi.anonVma());
        assertEquals(2, av.numActiveVmas());
        assertEquals(A + 3, hi.pgoff(), "the upper part keeps its page offsets");
        assertEquals(4, read(r, 1, A + 3));
        assertThrows(RejectedOperationException.class, () -> r.access(1, A + 1, false, 0));
        assertEquals(2, av.rbRoot().size());
    }

    @Test
    void mmapMergesWithASingularNeighbourButNotWithAForkChild() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 2);
        write(r, 1, A, 1);
        assertEquals(A, r.mmap(1, A + 2, 2), "merged into prev");
        assertEquals(1, r.task(1).mapCount());
        assertEquals(A + 4, vma(r, 1, A).end());
        int c = r.fork(1, 0);
        assertEquals(A + 4, r.mmap(c, A + 4, 1), "a fork child's VMA does not merge (vma_is_fork_child)");
        assertEquals(2, r.task(c).mapCount());
        assertEquals(Rmap.EEXIST, r.mmap(1, A + 1, 1));
    }

    @Test
    void migrationReplacesMappingsAndKeepsContents() {
        Machine m = machine();
        Rmap r = m.rmap();
        r.mmap(1, A, 1);
        long pfn = write(r, 1, A, 42);
        int c = r.fork(1, 0);
        AnonVma root = vma(r, 1, A).anonVma();
        assertEquals(0, r.migrate_folio_unmap(pfn));
        assertEquals(3, root.refcount(), "tree, child's root pin, migration's folio_get_anon_vma()");
        assertEquals(0, r.mapcount(pfn));
        assertTrue(Pte.migration(r.task(1).pageTable().get(A)));
        assertEquals(AccessKind.MIGRATION_WAIT, r.access(c, A, false, 0).kind());
        assertEquals(Rmap.EBUSY, r.migrate_folio_unmap(pfn));
        int d = r.fork(c, 0);
        assertTrue(Pte.migration(r.task(d).pageTable().get(A)), "fork copies migration entries");
        long dst = r.migrate_folio_move(pfn, false);
        assertNotEquals(pfn, dst);
        assertEquals(3, r.mapcount(dst));
        assertEquals(3, r.rmapWalk(dst, false).size());
        assertEquals(42, read(r, d, A));
        assertEquals(2, root.refcount() - 1, "the migration's reference is gone: tree + two descendants");
        assertFalse(r.contents().containsKey(pfn), "the source page went back to the allocator");

        assertEquals(0, r.migrate_folio_unmap(dst));
        r.exit(c);
        r.exit(d);
        assertEquals(dst, r.migrate_folio_move(dst, true), "undo: remove_migration_ptes(src, src)");
        assertEquals(1, r.mapcount(dst));
        assertEquals(42, read(r, 1, A));
    }

    @Test
    void folioReferencedClearsYoungBitsAndCountsMappings() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 1);
        long pfn = write(r, 1, A, 1);
        int c = r.fork(1, 0);
        assertEquals(1, r.folio_referenced(pfn), "the child's copy of the PTE is old");
        assertEquals(0, r.folio_referenced(pfn));
        read(r, 1, A);
        read(r, c, A);
        assertEquals(2, r.folio_referenced(pfn));
    }

    @Test
    void badOperationsAreRejectedAndChangeNothing() {
        Machine m = machine();
        Rmap r = m.rmap();
        r.mmap(1, A, 1);
        write(r, 1, A, 1);
        long before = m.fingerprint();
        assertThrows(RejectedOperationException.class, () -> r.access(7, A, false, 0));
        assertThrows(RejectedOperationException.class, () -> r.access(1, A + 5, true, 1));
        assertThrows(RejectedOperationException.class, () -> r.fork(3, 0));
        assertThrows(RejectedOperationException.class, () -> r.exit(1));
        assertThrows(RejectedOperationException.class, () -> r.mmap(1, 0, 1));
        assertThrows(RejectedOperationException.class, () -> r.munmap(1, A, 0));
        assertThrows(RejectedOperationException.class, () -> r.folio_referenced(0x3));
        assertThrows(RejectedOperationException.class, () -> r.migrate_folio_move(0x3, false));
        assertEquals(before, m.fingerprint());
    }

    @Test
    void exitOfEveryProcessAndMunmapGiveEveryPageAndAnonVmaBack() {
        Machine m = machine();
        Rmap r = m.rmap();
        long free = m.zone(ZoneType.NORMAL).nrFreePages;
        long boot = m.fingerprint();
        SplittableRandom rnd = new SplittableRandom(3);
        drive(r, rnd, 300);
        for (int pid : new ArrayList<>(r.tasks().keySet())) if (pid != 1) r.exit(pid);
        for (long pfn : new ArrayList<>(r.migrations().keySet())) r.migrate_folio_move(pfn, rnd.nextBoolean());
        r.munmap(1, Rmap.MMAP_MIN_ADDR, 0x100);
        assertEquals(0, r.anonVmas().size());
        assertEquals(0, r.contents().size());
        assertEquals(free, m.zone(ZoneType.NORMAL).nrFreePages);
        assertEquals(0, r.warnings().count(), r.warnings().messages().toString());
        assertNotEquals(boot, m.fingerprint(), "ids moved on");
    }

    /** A seeded mix of every operation; returns a trace of outcomes and fingerprints. */
    static List<Long> drive(Rmap r, SplittableRandom rnd, int steps) {
        List<Long> trace = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            List<Integer> pids = new ArrayList<>(r.tasks().keySet());
            int pid = pids.get(rnd.nextInt(pids.size()));
            long addr = A + rnd.nextInt(8);
            int op = rnd.nextInt(12);
            long res;
            try {
                if (op < 4) res = r.access(pid, addr, op < 2, rnd.nextInt(4)).pfn();
                else if (op == 4) res = r.mmap(pid, addr, 1 + rnd.nextInt(3));
                else if (op == 5) {
                    r.munmap(pid, addr, 1 + rnd.nextInt(2));
                    res = 0;
                } else if (op == 6 && pids.size() < 6) res = r.fork(pid, rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(6) : 0);
                else if (op == 7 && pid != 1) {
                    r.exit(pid);
                    res = 0;
                } else if (op >= 8 && !r.contents().isEmpty()) {
                    List<Long> pfns = new ArrayList<>(r.contents().keySet());
                    long pfn = pfns.get(rnd.nextInt(pfns.size()));
                    if (op == 8) res = r.folio_referenced(pfn);
                    else if (op == 9) res = r.migrate_folio_unmap(pfn);
                    else if (!r.migrations().isEmpty()) {
                        List<Long> ms = new ArrayList<>(r.migrations().keySet());
                        res = r.migrate_folio_move(ms.get(rnd.nextInt(ms.size())), rnd.nextInt(3) == 0);
                    } else res = -2;
                } else res = -3;
            } catch (RejectedOperationException e) {
                res = -4;
            }
            trace.add(res);
        }
        return trace;
    }

    @Test
    void copiesAreIndependentAndRunsDeterministic() {
        Machine a = machine();
        Machine b = machine();
        List<Long> ta = drive(a.rmap(), new SplittableRandom(11), 200);
        List<Long> tb = drive(b.rmap(), new SplittableRandom(11), 200);
        assertEquals(ta, tb);
        assertEquals(a.fingerprint(), b.fingerprint());
        Machine c = a.copy();
        assertEquals(a.fingerprint(), c.fingerprint());
        List<Long> t1 = drive(a.rmap(), new SplittableRandom(5), 150);
        List<Long> t2 = drive(c.rmap(), new SplittableRandom(5), 150);
        assertEquals(t1, t2, "a copy continues exactly like the original");
        assertEquals(a.fingerprint(), c.fingerprint());
        Machine d = machine();
        d.copyFrom(a);
        assertEquals(a.fingerprint(), d.fingerprint());
        drive(d.rmap(), new SplittableRandom(6), 50);
        assertNotEquals(a.fingerprint(), d.fingerprint(), "the copy shares nothing mutable");
        assertEquals(0, a.rmap().warnings().count(), a.rmap().warnings().messages().toString());
    }
}
