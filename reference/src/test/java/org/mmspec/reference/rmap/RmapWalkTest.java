package org.mmspec.reference.rmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.reclaim.Lruvec;
import org.mmspec.reference.reclaim.SwapConfig;
import org.mmspec.reference.reclaim.SwapOutSteps;

/**
 * The reverse-map walks of mm/rmap.c (v6.18) and their users, with what each leaves behind:
 * folio_referenced() (young bits cleared, mappings counted, the walk stopping at the last
 * mapping), try_to_migrate() (writable, readable-exclusive and readable migration entries with
 * the young and dirty bits), remove_migration_ptes() (the PTE rebuilt from the entry and the
 * folio's dirty flag), madvise(MADV_COLD) on one page, migrate_folio_unmap()'s refusals, the
 * walk's -EFAULT and use-after-free reports; the user-visible operations' argument checks; the
 * KSM hooks the rmap calls (include/linux/ksm.h) and madvise_walk_vmas() (mm/madvise.c).
 */
class RmapWalkTest {
    static final long A = 0x20;

    static Machine machine() {
        return new Machine(Fixtures.normalOnly(0, 256, 6, 3).withMinFreeKbytes(0));
    }

    static long pte(Rmap r, int pid, long addr) {
        Long p = r.task(pid).pageTable().get(addr);
        return p == null ? 0 : p;
    }

    static boolean flag(Rmap r, long pfn, int f) {
        return (r.mem.flags[r.page(pfn)] & f) != 0;
    }

    static void noWarnings(Rmap r) {
        assertEquals(0, r.warnings().count(), r.warnings().messages().toString());
    }

    /**
     * folio_referenced(): each VMA whose PTE is young counts once and is made old; the walk stops
     * when every mapping has been seen (pra.mapcount reaches 0); the reclaim variant also returns
     * the union of those VMAs' vm_flags. A folio with no mapping (isolated for migration) returns
     * 0 without walking.
     */
    @Test
    void folioReferencedCountsYoungMappingsAndTheirFlags() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 1).pfn();
        int c = r.fork(1, 0);
        long walks = r.stats.rmapWalks;
        long[] flags = new long[1];
        r.task(c).findVma(A).vm_flags |= VmAreaStruct.VM_MERGEABLE;
        assertEquals(1, r.folio_referenced(p, flags), "only the parent's PTE is young");
        assertEquals(Vma.ANON_RW_FLAGS, flags[0], "the child's VM_MERGEABLE is not in: its PTE was old");
        assertEquals(walks + 1, r.stats.rmapWalks);
        assertEquals(1, r.stats.folioReferenced);
        assertEquals(1, r.stats.folioReferencedYoung);
        assertFalse(Pte.young(pte(r, 1, A)));
        assertEquals(0, r.folio_referenced(p, flags));
        assertEquals(0, flags[0]);
        assertEquals(2, r.stats.folioReferenced);
        assertEquals(1, r.stats.folioReferencedYoung, "no young PTE: not counted");
        r.access(c, A, false, 0);
        r.access(1, A, false, 0);
        assertEquals(2, r.folio_referenced(p, flags));
        assertEquals(Vma.ANON_RW_FLAGS | VmAreaStruct.VM_MERGEABLE, flags[0]);
        assertEquals(0, r.folio_referenced(0x7, flags), "not anonymous");
        r.access(1, A, false, 0);
        assertEquals(1, r.folio_referenced(p), "the syscall-side variant");
        assertEquals(4, r.stats.folioReferenced);
        assertEquals(3, r.stats.folioReferencedYoung);

        // the walk stops once it has seen mapcount mappings: a third VMA in the tree after them
        // (added by a fork of the child) is not visited when the first two account for the mapcount
        assertEquals(0, r.migrate_folio_unmap(p));
        long unmappedWalks = r.stats.rmapWalks;
        assertEquals(0, r.folio_referenced(p), "no mapping: nothing to walk");
        assertEquals(0, r.folio_referenced(p, flags));
        assertEquals(unmappedWalks, r.stats.rmapWalks);
        assertEquals(4, r.stats.folioReferenced, "the syscall variant returns before counting");
        noWarnings(r);
    }

    /**
     * try_to_migrate_one(): a writable PTE becomes a writable entry, a read-only PTE of an
     * exclusive page a readable-exclusive one, any other a readable one; young and dirty are
     * carried; a dirty PTE dirties the folio; PageAnonExclusive is cleared. remove_migration_pte():
     * young and writable from the entry, dirty only if the entry and the folio are dirty,
     * RMAP_EXCLUSIVE unless the entry was readable.
     */
    @Test
    void migrationEntriesCarryWriteExclusiveYoungAndDirty() {
        Machine m = machine();
        Rmap r = m.rmap();
        r.mmap(1, A, 3);
        long w = r.access(1, A, true, 1).pfn(); // rw young dirty, exclusive
        r.access(1, A + 1, true, 2);
        long s = r.access(1, A + 2, true, 3).pfn();
        int c = r.fork(1, 0); // s, w, x shared now
        r.exit(c);
        assertFalse(r.pageAnonExclusive(w));
        // w: after the fork a read-only PTE of a page no longer exclusive, young, dirty
        r.access(1, A + 2, true, 4); // s: reused (wp_can_reuse_anon_folio), rw and exclusive again
        long x = r.access(1, A + 1, true, 2).pfn(); // reused too
        assertTrue(r.pageAnonExclusive(x));
        r.task(1).pgtable.put(A + 1, Pte.mkPte(x, false, false, false)); // read-only (as mprotect leaves it), old, clean
        long unmapped = r.stats.migrationsUnmapped;
        long entries = r.stats.migrationEntries;

        assertEquals(0, r.migrate_folio_unmap(s));
        long es = pte(r, 1, A + 2);
        assertTrue(Pte.migration(es) && Pte.migrationWritable(es) && Pte.young(es) && Pte.dirty(es));
        assertTrue(flag(r, s, PageFlags.PG_dirty), "folio_mark_dirty() from the dirty PTE");
        assertFalse(r.pageAnonExclusive(s));
        assertEquals(0, r.mapcount(s));

        assertEquals(0, r.migrate_folio_unmap(w));
        long ew = pte(r, 1, A);
        assertTrue(Pte.migration(ew));
        assertTrue(Pte.migrationReadable(ew), "not exclusive, not writable: readable");
        assertTrue(Pte.dirty(ew));
        assertTrue(Pte.young(ew), "pte_mkold() at fork is for the child's copy only");

        assertEquals(0, r.migrate_folio_unmap(x));
        long ex = pte(r, 1, A + 1);
        assertFalse(Pte.migrationWritable(ex));
        assertFalse(Pte.migrationReadable(ex), "readable-exclusive");
        assertFalse(Pte.young(ex));
        assertFalse(Pte.dirty(ex));
        assertFalse(flag(r, x, PageFlags.PG_dirty), "a clean PTE does not dirty the folio");
        assertEquals(unmapped + 3, r.stats.migrationsUnmapped);
        assertEquals(entries + 3, r.stats.migrationEntries);
        assertEquals(3, r.migrations().size());
        assertTrue(r.migrations().get(s).pageWasMapped());

        long ds = r.migrate_folio_move(s, false);
        long ps = pte(r, 1, A + 2);
        assertEquals(ds, Pte.pfn(ps));
        assertTrue(Pte.write(ps) && Pte.young(ps) && Pte.dirty(ps));
        assertTrue(r.pageAnonExclusive(ds));
        long dx = r.migrate_folio_move(x, false);
        long px = pte(r, 1, A + 1);
        assertEquals(Pte.mkPte(dx, false, false, false), px);
        assertTrue(r.pageAnonExclusive(dx), "readable-exclusive: RMAP_EXCLUSIVE");
        assertEquals(2, r.stats.migrationsMoved);
        long undone = r.migrate_folio_move(w, true);
        assertEquals(w, undone);
        long pw = pte(r, 1, A);
        assertEquals(w, Pte.pfn(pw));
        assertFalse(Pte.write(pw));
        assertFalse(r.pageAnonExclusive(w), "a readable entry: not exclusive");
        assertEquals(1, r.stats.migrationsUndone);
        assertEquals(2, r.stats.migrationsMoved);
        assertEquals(1, r.peek(1, A));
        noWarnings(r);
    }

    /**
     * remove_migration_pte(): "if (folio_test_dirty(folio) && is_migration_entry_dirty(entry))
     * pte = pte_mkdirty(pte)": of two mappings, the one whose entry was clean comes back clean
     * although the folio is dirty (from the other's PTE).
     */
    @Test
    void aCleanEntryComesBackCleanFromADirtyFolio() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 1).pfn();
        int c = r.fork(1, 0);
        r.task(c).pgtable.put(A, Pte.mkPte(p, false, false, false));
        assertEquals(0, r.migrate_folio_unmap(p));
        assertTrue(Pte.dirty(pte(r, 1, A)));
        assertFalse(Pte.dirty(pte(r, c, A)));
        long d = r.migrate_folio_move(p, false);
        assertTrue(Pte.dirty(pte(r, 1, A)));
        assertFalse(Pte.dirty(pte(r, c, A)));
        assertEquals(d, Pte.pfn(pte(r, c, A)));
        assertEquals(2, r.mapcount(d));
        assertEquals(2, r.rmapWalk(d, false).size());
        noWarnings(r);
    }

    /**
     * migrate_folio_unmap(): a folio off the LRU (isolated by someone else) is -EBUSY and changes
     * nothing; with no destination page it is -ENOMEM and the folio goes back to the LRU.
     */
    @Test
    void migrateFolioUnmapRefusesAnIsolatedFolioAndFailsWithoutAPage() {
        Machine m = machine();
        Rmap r = m.rmap();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 1).pfn();
        long notOurs = p + 1; // a free page: not an anonymous folio of any process
        assertThrows(RejectedOperationException.class, () -> r.migrate_folio_unmap(notOurs));
        r.content.put(notOurs, 0L); // page->mapping stays 0
        assertThrows(RejectedOperationException.class, () -> r.migrate_folio_unmap(notOurs), "content but not anon");
        r.content.remove(notOurs);
        assertTrue(r.lruvec().folio_isolate_lru(p));
        long fp = m.fingerprint();
        assertEquals(Rmap.EBUSY, r.migrate_folio_unmap(p));
        assertEquals(fp, m.fingerprint());
        r.folio_putback_lru(p);
        r.mmap(1, 0x400, 1000);
        int i = 0;
        while (r.access(1, 0x400 + i, true, 1).kind() != Rmap.AccessKind.OOM) i++;
        int refs = m.mem().refcount[m.mem().idx(p)];
        assertEquals(Rmap.ENOMEM, r.migrate_folio_unmap(p));
        assertEquals(1, r.stats.migrationsEnomem);
        assertTrue(flag(r, p, PageFlags.PG_lru), "folio_putback_lru()");
        assertEquals(refs, m.mem().refcount[m.mem().idx(p)]);
        assertTrue(Pte.normal(pte(r, 1, A)));
        assertEquals(0, r.migrations().size());
    }

    /**
     * madvise(MADV_COLD) on one page (madvise_cold_or_pageout_pte_range()): only a folio on the
     * LRU mapped once is touched: its PTE made old, PG_referenced cleared, PG_workingset set if it
     * was active, and folio_deactivate() moves an active one to the inactive list.
     */
    @Test
    void madviseColdDeactivatesAnExclusiveFolio() {
        Machine m = machine();
        Rmap r = m.rmap();
        r.mmap(1, A, 3);
        assertThrows(RejectedOperationException.class, () -> r.madvise_cold(1, A + 5));
        assertEquals("no page mapped", r.madvise_cold(1, A));
        r.access(1, A, false, 0);
        assertEquals("no page mapped", r.madvise_cold(1, A), "the zero page is not a normal page");
        long p = r.access(1, A + 1, true, 1).pfn();
        m.reclaim().folio_mark_accessed(p);
        m.reclaim().folio_mark_accessed(p);
        assertTrue(flag(r, p, PageFlags.PG_active));
        String hex = Long.toHexString(p);
        assertEquals("pfn 0x" + hex + " deactivated", r.madvise_cold(1, A + 1));
        assertFalse(Pte.young(pte(r, 1, A + 1)));
        assertFalse(flag(r, p, PageFlags.PG_active));
        assertFalse(flag(r, p, PageFlags.PG_referenced));
        assertTrue(flag(r, p, PageFlags.PG_workingset));
        assertEquals(Lruvec.LRU_INACTIVE_ANON, m.reclaim().lruvec().folio_lru_list(m.mem().idx(p)));
        long q = r.access(1, A + 2, true, 2).pfn();
        m.reclaim().folio_mark_accessed(q);
        assertTrue(flag(r, q, PageFlags.PG_referenced));
        assertEquals("pfn 0x" + Long.toHexString(q) + " cold", r.madvise_cold(1, A + 2));
        assertFalse(flag(r, q, PageFlags.PG_referenced));
        assertFalse(flag(r, q, PageFlags.PG_workingset));
        assertFalse(Pte.young(pte(r, 1, A + 2)));
        int c = r.fork(1, 0);
        r.access(1, A + 2, false, 0);
        assertEquals("pfn 0x" + Long.toHexString(q) + " left alone", r.madvise_cold(1, A + 2), "mapped twice");
        assertTrue(Pte.young(pte(r, 1, A + 2)));
        r.exit(c);
        assertTrue(r.lruvec().folio_isolate_lru(q));
        assertEquals("pfn 0x" + Long.toHexString(q) + " left alone", r.madvise_cold(1, A + 2), "off the LRU");
        assertTrue(Pte.young(pte(r, 1, A + 2)));
        r.folio_putback_lru(q);
        noWarnings(r);
    }

    /**
     * rmap_walk_anon(): a chain whose VMA does not cover the page's index any more is vma_address()'s
     * -EFAULT, reported and skipped; a page->mapping naming a freed anon_vma is a use after free.
     * The read-only candidates view lists what the walk visits, -1 for -EFAULT.
     */
    @Test
    void theWalkReportsEfaultAndAFreedAnonVma() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 2);
        long p = r.access(1, A, true, 1).pfn();
        long q = r.access(1, A + 1, true, 2).pfn();
        List<Rmap.Mapping> cand = r.rmapCandidates(p);
        assertEquals(1, cand.size());
        assertEquals(A, cand.get(0).address());
        assertEquals(pte(r, 1, A), cand.get(0).pte());
        assertSame(r.task(1).findVma(A), cand.get(0).vma());
        assertTrue(r.rmapCandidates(0x3).isEmpty(), "no anon_vma");
        // an index the VMA's chain is keyed for but its range no longer covers
        r.mem.index()[r.page(q)] = A + 1;
        VmAreaStruct v = r.task(1).findVma(A);
        v.vm_end = A + 1; // shrunk without the interval-tree update (corrupted on purpose)
        List<Rmap.Mapping> c2 = r.rmapCandidates(q);
        assertEquals(1, c2.size());
        assertEquals(-1, c2.get(0).address());
        assertEquals(0, c2.get(0).pte());
        assertTrue(r.rmapWalk(q, false).isEmpty());
        assertEquals(0, r.warnings().count(), "the invariants' walk reports nothing");
        r.folio_referenced(q);
        assertEquals(1, r.warnings().count(), "VM_BUG_ON_VMA(address == -EFAULT)");
        assertTrue(r.warnings().messages().get(0).contains("pgoff 0x" + Long.toHexString(A + 1)));
        v.vm_end = A + 2;
        // page->mapping naming a freed anon_vma
        r.mem.mapping()[r.page(q)] = Rmap.anonMapping(77);
        assertNull(r.folioAnonVma(q));
        assertEquals(77, r.mappingId(q));
        assertTrue(r.rmapWalk(q, false).isEmpty());
        assertEquals(1, r.warnings().count());
        long walks = r.stats.rmapWalks;
        r.folio_referenced(q);
        assertEquals(2, r.warnings().count(), "use after free");
        assertTrue(r.warnings().messages().get(1).contains("anon_vma#77"));
        assertEquals(walks, r.stats.rmapWalks, "not counted as a walk");
        assertEquals(0, r.mappingId(0x3));
        assertTrue(r.rmapWalk(-5, false).isEmpty());
    }

    /** The accessed and dirty bits an access sets, the zero page, peek() and the rejected accesses. */
    @Test
    void accessSetsTheHardwareBitsAndPeekReadsWithoutTouching() {
        Machine m = new Machine(Fixtures.normalOnly(0, 256, 6, 3).withMinFreeKbytes(0).withSwap(SwapConfig.of(9, true)));
        Rmap r = m.rmap();
        r.mmap(1, A, 3);
        RejectedOperationException e = assertThrows(RejectedOperationException.class, () -> r.access(1, A + 9, true, 1));
        assertTrue(e.getMessage().contains("0x" + Long.toHexString((A + 9) << 12)), e.getMessage());
        assertTrue(e.getMessage().contains("write"));
        assertEquals(0, r.peek(9, A), "no such process");
        assertEquals(0, r.peek(1, A), "nothing mapped");
        r.access(1, A, false, 0);
        assertEquals(0, r.peek(1, A), "the zero page");
        assertEquals(Rmap.AccessKind.HIT, r.access(1, A, false, 0).kind());
        long loads = r.stats.loads;
        long p = r.access(1, A + 1, true, 5).pfn();
        assertEquals(1, r.stats.stores);
        assertEquals(5, r.peek(1, A + 1));
        r.task(1).pgtable.put(A + 1, Pte.mkPte(p, true, false, false));
        Rmap.Access hit = r.access(1, A + 1, false, 0);
        assertEquals(Rmap.AccessKind.HIT, hit.kind());
        assertEquals(5, hit.value());
        assertEquals(loads + 1, r.stats.loads);
        assertEquals(Pte.mkPte(p, true, true, false), pte(r, 1, A + 1), "a load sets the accessed bit only");
        r.access(1, A + 1, true, 6);
        assertEquals(Pte.mkPte(p, true, true, true), pte(r, 1, A + 1));
        long st = r.contentStamp(p);
        assertNotEquals(0, st);
        r.access(1, A + 1, true, 6);
        assertEquals(st + 1, r.contentStamp(p), "every store is a new stamp");
        // a store through the read-only zero page is a model bug report
        r.task(1).pgtable.put(A + 2, Pte.zeroPte() | Pte.WRITE);
        assertEquals(-1, r.access(1, A + 2, true, 1).pfn());
        assertEquals(1, r.warnings().count());
        // a swapped-out page peeks at its slot
        long off = SwapOutSteps.swapOut(m, p);
        assertTrue(Pte.swap(pte(r, 1, A + 1)));
        assertEquals(6, r.peek(1, A + 1));
        assertEquals(6, r.swapEntryValue(Pte.swapEntry(off, true)));
        assertFalse(r.contents().containsKey(p), "forget_folio(): the content now lives in the slot");
        assertEquals(1, r.stats.pagesFreed, "forget_folio() counts the free");
        assertEquals(0, r.contentStamp(p));
    }

    /** Without a reclaim model, a swap entry reads 0. */
    @Test
    void swapEntryValueWithoutSwapIsZero() {
        Rmap r = new Rmap(Fixtures.normalOnly(0, 256, 6, 3).withMinFreeKbytes(0), machine().pageAlloc());
        assertEquals(0, r.swapEntryValue(Pte.swapEntry(3, false)));
    }

    /**
     * The range and argument checks of mmap/munmap/madvise/fork: [mmap_min_addr, TASK_SIZE) with
     * both ends exact, no wrap-around, at least one page; fork's fail_at and set_tid.
     */
    @Test
    void argumentChecksAtTheirBoundaries() {
        Rmap r = machine().rmap();
        assertEquals(Rmap.MMAP_MIN_ADDR, r.mmap(1, Rmap.MMAP_MIN_ADDR, 1));
        assertThrows(RejectedOperationException.class, () -> r.mmap(1, Rmap.MMAP_MIN_ADDR - 1, 1));
        assertEquals(Rmap.TASK_SIZE - 1, r.mmap(1, Rmap.TASK_SIZE - 1, 1));
        assertThrows(RejectedOperationException.class, () -> r.mmap(1, Rmap.TASK_SIZE - 1, 2));
        assertThrows(RejectedOperationException.class, () -> r.mmap(1, Long.MAX_VALUE - 1, 5), "wraps around");
        assertThrows(RejectedOperationException.class, () -> r.munmap(1, Rmap.MMAP_MIN_ADDR - 1, 1));
        assertThrows(RejectedOperationException.class, () -> r.madvise(1, Rmap.MMAP_MIN_ADDR - 1, 1, Rmap.MADV_MERGEABLE));
        assertThrows(RejectedOperationException.class, () -> r.madvise(1, A, 1, 4));
        assertThrows(RejectedOperationException.class, () -> r.madvise(1, A, 0, Rmap.MADV_MERGEABLE));
        assertThrows(RejectedOperationException.class, () -> r.fork(1, -1));
        assertThrows(RejectedOperationException.class, () -> r.fork(1, 1, 0));
        assertEquals(2, r.nextPid());
        assertEquals(5, r.fork(1, 5, 0));
        assertEquals(6, r.nextPid());
        assertThrows(RejectedOperationException.class, () -> r.fork(1, 5, 0), "alive");
        assertEquals(3, r.fork(1, 3, 0));
        assertEquals(6, r.nextPid(), "a lower set_tid does not move the next pid back");
        assertEquals(2, r.stats.forks);
        r.exit(3);
        assertEquals(1, r.stats.exits);
        assertEquals(2, r.task(1).mapCount());
        VmAreaStruct lo = r.task(1).findVma(Rmap.MMAP_MIN_ADDR);
        VmAreaStruct hi = r.task(1).findVma(Rmap.TASK_SIZE - 1);
        assertEquals(lo.id() + 1, hi.id(), "vm_area_alloc() hands out ids in order");
        noWarnings(r);
    }

    /** A KSM model's hooks, recording the calls the rmap makes. */
    static final class Recorder implements KsmHooks {
        final List<String> calls = new ArrayList<>();
        long madviseResult = Long.MIN_VALUE;

        @Override
        public void ksm_exit(MmStruct mm) {
            calls.add("ksm_exit " + mm.pid);
        }

        @Override
        public void madvise_check(MmStruct mm, long start, long end, int advice) {
            calls.add("madvise_check " + start + " " + end + " " + advice);
        }

        @Override
        public long ksm_madvise(VmAreaStruct vma, long start, long end, int advice, long vmFlags) {
            calls.add("ksm_madvise " + start + " " + end);
            if (madviseResult != Long.MIN_VALUE) return madviseResult;
            // mm/ksm.c ksm_madvise(): MADV_MERGEABLE sets VM_MERGEABLE, MADV_UNMERGEABLE clears it
            return advice == Rmap.MADV_MERGEABLE ? vmFlags | VmAreaStruct.VM_MERGEABLE : vmFlags & ~VmAreaStruct.VM_MERGEABLE;
        }

        @Override
        public void rmap_walk_ksm(long pfn, BiPredicate<VmAreaStruct, Long> rmapOne) {
            calls.add("rmap_walk_ksm");
        }

        @Override
        public void rmapWalkKsmCandidates(long pfn, BiConsumer<VmAreaStruct, Long> visit) {
            calls.add("candidates");
            visit.accept(null, -1L);
        }
    }

    /**
     * madvise_walk_vmas(): each VMA the range overlaps, clamped to it, goes through
     * ksm_madvise() and madvise_update_vma(), which splits off the part that changes; a hole makes
     * the result -ENOMEM after the mapped parts are done; ksm_madvise()'s -ENOMEM becomes -EAGAIN.
     * exit() calls ksm_exit() before exit_mmap().
     */
    @Test
    void madviseWalksTheVmasAndSplitsWhatChanges() {
        Rmap r = machine().rmap();
        Recorder k = new Recorder();
        r.setKsmHooks(k);
        assertSame(k, r.ksmHooks());
        r.mmap(1, A, 4);
        r.mmap(1, A + 6, 2);
        assertEquals(0, r.madvise(1, A + 1, 2, Rmap.MADV_MERGEABLE));
        assertEquals(List.of("madvise_check " + (A + 1) + " " + (A + 3) + " " + Rmap.MADV_MERGEABLE,
                "ksm_madvise " + (A + 1) + " " + (A + 3)), k.calls);
        assertEquals(3, r.task(1).mapCount() - 1, "[A, A+1) [A+1, A+3) [A+3, A+4) and the other");
        VmAreaStruct mid = r.task(1).findVma(A + 1);
        assertEquals(A + 1, mid.start());
        assertEquals(A + 3, mid.end());
        assertEquals(A + 1, mid.pgoff());
        assertTrue((mid.flags() & VmAreaStruct.VM_MERGEABLE) != 0);
        assertEquals(0, r.task(1).findVma(A).flags() & VmAreaStruct.VM_MERGEABLE);
        assertEquals(0, r.task(1).findVma(A + 3).flags() & VmAreaStruct.VM_MERGEABLE);
        assertEquals(2, r.stats.splits);
        k.calls.clear();
        // over a hole: both VMAs done, -ENOMEM
        assertEquals(Rmap.ENOMEM, r.madvise(1, A + 3, 5, Rmap.MADV_MERGEABLE));
        assertEquals(List.of("madvise_check " + (A + 3) + " " + (A + 8) + " " + Rmap.MADV_MERGEABLE,
                "ksm_madvise " + (A + 3) + " " + (A + 4), "ksm_madvise " + (A + 6) + " " + (A + 8)), k.calls);
        assertTrue((r.task(1).findVma(A + 7).flags() & VmAreaStruct.VM_MERGEABLE) != 0);
        // a range starting in a hole, and one entirely past the last VMA
        k.calls.clear();
        assertEquals(Rmap.ENOMEM, r.madvise(1, A + 4, 3, Rmap.MADV_UNMERGEABLE));
        assertEquals(List.of("madvise_check " + (A + 4) + " " + (A + 7) + " " + Rmap.MADV_UNMERGEABLE,
                "ksm_madvise " + (A + 6) + " " + (A + 7)), k.calls);
        assertEquals(0, r.task(1).findVma(A + 6).flags() & VmAreaStruct.VM_MERGEABLE);
        assertEquals(Rmap.ENOMEM, r.madvise(1, A + 20, 2, Rmap.MADV_MERGEABLE));
        assertEquals(Rmap.ENOMEM, r.madvise(1, A + 4, 2, Rmap.MADV_MERGEABLE), "a hole only");
        // the range's end exactly at a VMA's end, and unchanged flags: no split
        int vmas = r.task(1).mapCount();
        assertEquals(0, r.madvise(1, A + 1, 2, Rmap.MADV_MERGEABLE));
        assertEquals(vmas, r.task(1).mapCount());
        k.madviseResult = Rmap.ENOMEM;
        assertEquals(Rmap.EAGAIN, r.madvise(1, A, 1, Rmap.MADV_UNMERGEABLE));
        k.madviseResult = -22;
        assertEquals(-22, r.madvise(1, A, 1, Rmap.MADV_UNMERGEABLE));
        k.madviseResult = Long.MIN_VALUE;
        int c = r.fork(1, 0);
        k.calls.clear();
        r.exit(c);
        assertEquals(List.of("ksm_exit " + c), k.calls);
        r.setKsmHooks(null);
        assertSame(KsmHooks.NONE, r.ksmHooks());
        noWarnings(r);
    }

    /** A KSM page (both mapping bits) is walked by rmap_walk_ksm() and listed by its candidates. */
    @Test
    void aKsmPageIsWalkedByTheKsmHooks() {
        Rmap r = machine().rmap();
        Recorder k = new Recorder();
        r.setKsmHooks(k);
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 1).pfn();
        r.mem.mapping()[r.page(p)] = Rmap.ksmMapping(5);
        assertTrue(r.folioTestKsm(p));
        assertEquals(5, r.stableNodeId(p));
        assertEquals(0, r.mappingId(p));
        List<Rmap.Mapping> cand = r.rmapCandidates(p);
        assertEquals(1, cand.size());
        assertNull(cand.get(0).vma());
        assertEquals(-1, cand.get(0).address());
        long walks = r.stats.rmapWalks;
        r.folio_referenced(p, new long[1]);
        assertTrue(k.calls.contains("rmap_walk_ksm"));
        assertEquals(walks + 1, r.stats.rmapWalks, "rmap_walk_ksm() is a walk too");
    }

    /** The describe() strings of every kind of entry, and names(). */
    @Test
    void pteDescribeAndNames() {
        assertEquals("pfn 0x104 rw young dirty", Pte.describe(Pte.mkPte(0x104, true, true, true)));
        assertEquals("pfn 0x104 ro", Pte.describe(Pte.mkPte(0x104, false, false, false)));
        assertEquals("zero page", Pte.describe(Pte.zeroPte()));
        assertEquals("KSM zero page young dirty", Pte.describe(Pte.ksmZeroPte()));
        assertEquals("writable migration entry pfn 0x9 young", Pte.describe(Pte.migrationEntry(9, true, false, true, false)));
        assertEquals("readable-exclusive migration entry pfn 0x9 dirty", Pte.describe(Pte.migrationEntry(9, false, true, false, true)));
        assertEquals("readable migration entry pfn 0x9", Pte.describe(Pte.migrationEntry(9, false, false, false, false)));
        assertEquals("swap entry slot 0x7 exclusive", Pte.describe(Pte.swapEntry(7, true)));
        assertEquals("swap entry slot 0x7", Pte.describe(Pte.swapEntry(7, false)));
        assertTrue(Pte.names(Pte.mkPte(9, false, false, false), 9));
        assertTrue(Pte.names(Pte.migrationEntry(9, false, false, false, false), 9));
        assertFalse(Pte.names(Pte.mkPte(9, false, false, false), 8));
        assertFalse(Pte.names(Pte.zeroPte(), 0));
        assertFalse(Pte.names(Pte.swapEntry(9, false), 9));
        assertFalse(Pte.isKsmZeroPte(Pte.zeroPte()));
        assertFalse(Pte.dirty(Pte.mkPte(1, true, true, false)));
        assertEquals(Pte.PRESENT | Pte.WRITE | (3L << Pte.PFN_SHIFT), Pte.mkPte(3, true, false, false));
        assertEquals(Pte.PRESENT | Pte.YOUNG | (3L << Pte.PFN_SHIFT), Pte.mkPte(3, false, true, false));
        assertEquals(Pte.MIGRATION | Pte.MIGRATION_WRITE | (3L << Pte.PFN_SHIFT), Pte.migrationEntry(3, true, false, false, false));
        assertEquals(Pte.MIGRATION | Pte.MIGRATION_EXCLUSIVE | (3L << Pte.PFN_SHIFT), Pte.migrationEntry(3, false, true, false, false));
        assertEquals(Pte.MIGRATION | Pte.YOUNG | (3L << Pte.PFN_SHIFT), Pte.migrationEntry(3, false, false, true, false));
        assertEquals(Pte.MIGRATION | Pte.DIRTY | (3L << Pte.PFN_SHIFT), Pte.migrationEntry(3, false, false, false, true));
        assertEquals(Pte.SWAP | Pte.SWP_EXCLUSIVE | (3L << Pte.PFN_SHIFT), Pte.swapEntry(3, true));
        assertFalse(Pte.swpExclusive(Pte.swapEntry(3, false)));
        assertFalse(Pte.migrationWritable(Pte.migrationEntry(3, false, true, false, false)));
    }

    /** RmapKsm.nextPte(): the next PTE at or after addr below end, by probing then by the tree. */
    @Test
    void nextPteFindsTheNextEntryBelowEnd() {
        Rmap r = machine().rmap();
        RmapKsm k = new RmapKsm(r);
        assertSame(r, k.rmap());
        assertSame(r.mem, k.mem());
        assertSame(r.lruvec(), k.lruvec());
        MmStruct mm = r.task(1);
        mm.pgtable.put(A + 3, 33L);
        mm.pgtable.put(A + 8, 88L);
        mm.pgtable.put(A + 20, 200L);
        long[] at = new long[1];
        assertEquals(33, k.nextPte(mm, A, A + 100, at));
        assertEquals(A + 3, at[0]);
        assertEquals(88, k.nextPte(mm, A + 4, A + 100, at), "found by probing");
        assertEquals(A + 8, at[0]);
        assertEquals(0, k.nextPte(mm, A + 4, A + 8, at), "end is exclusive");
        assertEquals(200, k.nextPte(mm, A + 9, A + 100, at), "found in the tree");
        assertEquals(A + 20, at[0]);
        assertEquals(0, k.nextPte(mm, A + 9, A + 20, at), "the tree's entry at end is out");
        assertEquals(200, k.nextPte(mm, A + 9, A + 21, at));
        assertEquals(0, k.nextPte(mm, A + 21, A + 100, at));
        assertEquals(0, k.nextPte(mm, A + 10, A + 18, at));
        assertEquals(Pte.mkPte(1, false, false, false), 1L << Pte.PFN_SHIFT | Pte.PRESENT);
        assertEquals(mm.pgtable.ceilingEntry(A + 4), k.ptepCeiling(mm, A + 4));
        r.mmap(1, 0x200, 1);
        assertTrue(k.ownsPage(r.access(1, 0x200, true, 4).pfn()));
        assertFalse(k.ownsPage(0x3));
        assertTrue(k.anonVmaLive(r.task(1).findVma(0x200).anonVma()));
        assertFalse(k.anonVmaLive(null));
        assertFalse(k.anonVmaLive(new AnonVma(r.task(1).findVma(0x200).anonVma().id)), "another object with the same id");
        AnonVma freed = r.task(1).findVma(0x200).anonVma();
        assertSame(freed, k.anonVma(freed.id));
        assertEquals(r.task(1).findVma(0x200).flags(), k.vmFlags(r.task(1).findVma(0x200)));
        long p = Pte.pfn(r.task(1).pageTable().get(0x200L));
        assertEquals(r.contentStamp(p), k.contentStamp(p));
        assertNotEquals(0, k.contentStamp(p));
        assertTrue(k.folio_trylock(p));
        assertFalse(k.migrationsPending());
        assertEquals(0, r.migrate_folio_unmap(p));
        assertFalse(k.folio_trylock(p));
        assertTrue(k.migrationsPending());
        r.migrate_folio_move(p, false);
        r.munmap(1, 0x200, 1);
        assertTrue(freed.freed());
        assertFalse(k.anonVmaLive(freed));
    }

    /**
     * folio_put() of a page with no reference left is VM_BUG_ON_FOLIO and changes nothing; the
     * last put of a page still mapped is bad_page() (free_pages_prepare()).
     */
    @Test
    void folioPutReportsAMissingReferenceAndAMappedFree() {
        Machine m = machine();
        Rmap r = m.rmap();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 1).pfn();
        long free = m.zone(ZoneType.NORMAL).nrFreePages;
        long freed = r.stats.pagesFreed;
        r.folio_put(p); // the PTE's reference, while the PTE is still there
        assertEquals(1, r.warnings().count());
        assertTrue(r.warnings().messages().get(0).contains("bad_page"));
        assertEquals(free + 1, m.zone(ZoneType.NORMAL).nrFreePages);
        assertEquals(freed + 1, r.stats.pagesFreed);
        assertEquals(0, r.mapcount(p));
        r.folio_put(p);
        assertEquals(2, r.warnings().count(), "VM_BUG_ON_FOLIO(folio_ref_count(folio) <= 0)");
        assertEquals(free + 1, m.zone(ZoneType.NORMAL).nrFreePages);
        assertEquals(freed + 1, r.stats.pagesFreed);
    }

    /**
     * The anon_vma lifecycle's counters and the tree's sequence: anon_vma_alloc/free counted, a
     * chain's seq strictly increasing in link order, put_anon_vma() of the last reference freeing
     * the anon_vma and dropping its root's reference.
     */
    @Test
    void anonVmaLifecycleIsCounted() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 1);
        r.access(1, A, true, 1);
        assertEquals(1, r.stats.anonVmasAllocated);
        assertEquals(1, r.stats.anonVmaPrepareNew);
        int c = r.fork(1, 0);
        assertEquals(2, r.stats.anonVmasAllocated);
        assertEquals(1, r.stats.anonVmaForkNew);
        List<AnonVmaChain> tree = new ArrayList<>(r.task(1).findVma(A).anonVma().rbRoot());
        assertEquals(2, tree.size());
        assertTrue(tree.get(0).seq < tree.get(1).seq);
        assertTrue(tree.get(0).id < tree.get(1).id);
        r.exit(c);
        assertEquals(1, r.stats.anonVmasFreed);
        AnonVma root = r.task(1).findVma(A).anonVma();
        assertEquals(1, root.refcount());
        AnonVma extra = r.anon_vma_alloc();
        extra.root = root;
        extra.parent = root;
        Rmap.get_anon_vma(root);
        r.put_anon_vma(extra);
        assertTrue(extra.freed());
        assertEquals(1, root.refcount(), "__put_anon_vma(): the root's reference dropped");
        assertEquals(2, r.stats.anonVmasFreed);
        r.put_anon_vma(extra);
        assertEquals(1, r.warnings().count(), "refcount went negative");
        noWarningsBut(r, 1);
    }

    static void noWarningsBut(Rmap r, int n) {
        assertEquals(n, r.warnings().count(), r.warnings().messages().toString());
    }

    /** The counters the figures list names. */
    @Test
    void figuresNameEveryCounter() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 1);
        r.access(1, A, true, 1);
        assertEquals(1L, r.stats.figures().get("do_anonymous_page: new page"));
        assertEquals(1, r.stats.pagesAllocated);
        long p = r.task(1).pageTable().get(A) >>> Pte.PFN_SHIFT;
        assertEquals(0, r.folio_referenced(p) - 1, "the store left it young");
        long young = r.stats.folioReferencedYoung;
        assertEquals(0, r.folio_referenced(p));
        assertEquals(young, r.stats.folioReferencedYoung, "no young PTE: not counted");
        r.munmap(1, A, 1);
        assertEquals(1, r.stats.pagesFreed);
        assertFalse(r.contents().containsKey(-1L));
        assertEquals(35, r.stats.figures().size());
    }

    /**
     * remove_migration_ptes() walks the whole tree: a candidate whose PTE is no migration entry
     * for the folio (the parent, which copied its page away before) is skipped, and the mapping
     * after it is restored. folio_get_anon_vma() pins the anon_vma of a mapped folio only.
     */
    @Test
    void removeMigrationPtesSkipsOtherCandidates() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 1).pfn();
        int c = r.fork(1, 0);
        long copy = r.access(1, A, true, 2).pfn(); // the parent copies: p is the child's alone
        assertNotEquals(p, copy);
        AnonVma root = r.task(1).findVma(A).anonVma();
        assertEquals(root.id(), r.mappingId(p));
        int refs = root.refcount();
        assertSame(root, r.folio_get_anon_vma(p));
        assertEquals(refs + 1, root.refcount());
        r.put_anon_vma(root);
        assertEquals(0, r.migrate_folio_unmap(p));
        assertNull(r.folio_get_anon_vma(p), "not mapped");
        long d = r.migrate_folio_move(p, false);
        assertEquals(d, Pte.pfn(pte(r, c, A)));
        assertTrue(Pte.normal(pte(r, c, A)));
        assertEquals(copy, Pte.pfn(pte(r, 1, A)));
        assertEquals(1, r.mapcount(d));
        assertEquals(refs, root.refcount());
        long walks = r.stats.rmapWalks;
        r.rmapWalk(d, false);
        r.rmapCandidates(d);
        assertEquals(walks, r.stats.rmapWalks, "the invariants' walks are not counted");
        noWarnings(r);
    }

    static int warnings(Rmap r, String where) {
        int n = 0;
        for (String m : r.warnings().messages()) if (m.contains(where)) n++;
        return n;
    }

    /**
     * The debug checks of mm/rmap.c and mm/memory.c fire on the states they guard against (each
     * made directly): folio_add_anon_rmap_ptes() on a non-anon folio and on an exclusive page
     * mapped twice, __page_check_anon_rmap()'s root and index checks, folio_remove_rmap_pte()
     * below zero, folio_move_anon_rmap() and __folio_set_anon() without an anon_vma,
     * folio_add_new_anon_rmap() outside the VMA, anon_vma_free() with references,
     * anon_vma_interval_tree_remove() of a chain not in the tree, wp_page_reuse() of a page not
     * exclusive, try_to_migrate_one() of a writable PTE of a shared page, anon_vma_merge() of
     * different anon_vmas, exit_mmap() leaving PTEs, copy_nonpresent_pte() of an unknown entry.
     */
    @Test
    void debugChecksFireOnTheStatesTheyGuard() {
        Machine m = machine();
        Rmap r = m.rmap();
        r.mmap(1, A, 4);
        long p = r.access(1, A, true, 1).pfn();
        VmAreaStruct v = r.task(1).findVma(A);
        long free = m.zone(ZoneType.NORMAL).nrFreePages;
        noWarnings(r);
        long other = p + 100; // a free page: no mapping
        r.folio_add_anon_rmap_pte(other, v, A, false);
        assertEquals(1, warnings(r, "!folio_test_anon"));
        assertEquals(1, warnings(r, "->root != vma->anon_vma->root"));
        r.mem.mapcount()[r.page(other)] = 0;
        r.__page_check_anon_rmap(p, v, A + 1);
        assertEquals(2, warnings(r, "linear_page_index"), "the non-anon folio's index did not match either");
        r.__page_check_anon_rmap(p, v, A);
        assertEquals(4, r.warnings().count(), "the right VMA and address: no report");
        r.folio_add_anon_rmap_pte(p, v, A, true);
        assertEquals(1, warnings(r, "PageAnonExclusive(page) && _mapcount > 0"));
        r.mem.mapcount()[r.page(p)] = 1;
        r.folio_remove_rmap_pte(other);
        assertEquals(1, warnings(r, "folio_mapcount(folio) < 0"));
        r.mem.mapcount()[r.page(other)] = 0;
        VmAreaStruct bare = r.task(1).findVma(A);
        AnonVma saved = bare.anon_vma;
        bare.anon_vma = null;
        r.folio_move_anon_rmap(p, bare);
        assertEquals(1, warnings(r, "VM_BUG_ON_VMA(!anon_vma"));
        assertEquals(saved.id(), r.mappingId(p), "not moved");
        r.__folio_set_anon(p, bare, A, true);
        assertEquals(1, warnings(r, "BUG_ON(!anon_vma)"));
        bare.anon_vma = saved;
        r.folio_add_new_anon_rmap(other, v, A + 4, true);
        assertEquals(1, warnings(r, "address >= vma->vm_end"));
        r.folio_add_new_anon_rmap(other, v, A - 1, true);
        assertEquals(2, warnings(r, "address >= vma->vm_end"));
        r.folio_add_new_anon_rmap(other, v, A + 3, true);
        assertEquals(2, warnings(r, "address >= vma->vm_end"), "the last page of the VMA is inside");
        r.mem.mapcount()[r.page(other)] = 0;
        r.mem.mapping()[r.page(other)] = 0;
        r.mem.flags[r.page(other)] = 0;
        AnonVma a = new AnonVma(500);
        a.refcount = 1;
        r.anonVmas.put(a.id, a);
        r.anon_vma_free(a);
        assertEquals(1, warnings(r, "VM_BUG_ON(atomic_read(&anon_vma->refcount))"));
        r.anon_vma_interval_tree_remove(new AnonVmaChain(900), saved);
        assertEquals(1, warnings(r, "is not in"));
        int c = r.fork(1, 0);
        r.memory.wp_page_reuse(v, A, r.task(1).pageTable().get(A), p);
        assertEquals(1, warnings(r, "wp_page_reuse"));
        r.task(1).pgtable.put(A, r.task(1).pageTable().get(A) | Pte.WRITE);
        assertEquals(0, r.migrate_folio_unmap(p));
        assertEquals(1, warnings(r, "writable && folio_test_anon(folio) && !anon_exclusive"));
        r.migrate_folio_move(p, false);
        VmAreaStruct cv = r.task(c).findVma(A);
        r.vma.anon_vma_merge(v, cv);
        assertEquals(1, warnings(r, "vma->anon_vma != next->anon_vma"));
        r.warnings.clear(); // KernelWarnings keeps the first 16 messages
        int w = (int) r.warnings().count();
        int d = r.fork(1, 0);
        r.task(d).pgtable.put(0x900L, Pte.mkPte(3, false, false, false));
        r.exit(d);
        assertEquals(w + 1, r.warnings().count(), "exit_mmap(): a PTE outside every VMA is left");
        assertEquals(1, warnings(r, "Bad rss-counter"));
        r.task(1).pgtable.put(A + 3, 1L << 20); // neither present, nor swap, nor migration
        r.fork(1, 0);
        assertEquals(1, warnings(r, "unknown non-present entry"));
        assertTrue(m.zone(ZoneType.NORMAL).nrFreePages <= free);
    }

    /**
     * unlink_anon_vmas(): an anon_vma whose tree empties must have no children and no VMAs left
     * (VM_WARN_ON); a corrupted count is reported.
     */
    @Test
    void unlinkAnonVmasReportsCountsLeftOver() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 1);
        r.access(1, A, true, 1);
        int c = r.fork(1, 0);
        AnonVma avC = r.task(c).findVma(A).anonVma();
        avC.num_children = 1;
        avC.num_active_vmas = 2;
        r.exit(c);
        assertEquals(1, warnings(r, "VM_WARN_ON(anon_vma->num_children)"));
        assertEquals(1, warnings(r, "VM_WARN_ON(anon_vma->num_active_vmas)"));
    }

    /**
     * A chain in the tree without a VMA (corrupted) is reported as -EFAULT and skipped, and the
     * walk goes on to the real mapping after it.
     */
    @Test
    void theWalkGoesOnAfterAChainWithoutAVma() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 1).pfn();
        AnonVma av = r.task(1).findVma(A).anonVma();
        AnonVmaChain orphan = new AnonVmaChain(777);
        orphan.anon_vma = av;
        orphan.rbStart = A - 1;
        orphan.rbLast = A + 1;
        orphan.seq = 0;
        av.rb_root.add(orphan);
        assertEquals(orphan, av.rbRoot().first());
        assertEquals(2, r.rmapCandidates(p).size());
        assertNull(r.rmapCandidates(p).get(0).vma());
        assertEquals(1, r.folio_referenced(p), "the real mapping after the orphan is still found");
        assertEquals(1, warnings(r, "avc#777 without a VMA"));
        r.try_to_migrate(p + 50); // not anonymous: nothing to walk, nothing reported
        assertEquals(1, r.warnings().count());
    }

    /**
     * The candidates and confirmed mappings of a page shared by fork: both VMAs; during migration
     * the migration entries are what PVMW_MIGRATION finds.
     */
    @Test
    void candidatesAndMigrationMappingsOfASharedPage() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 1).pfn();
        int c = r.fork(1, 0);
        assertEquals(2, r.rmapCandidates(p).size());
        assertEquals(2, r.rmapWalk(p, false).size());
        assertEquals(0, r.rmapWalk(p, true).size());
        assertEquals(0, r.migrate_folio_unmap(p));
        assertEquals(0, r.rmapWalk(p, false).size());
        List<Rmap.Mapping> mig = r.rmapWalk(p, true);
        assertEquals(2, mig.size());
        assertTrue(Pte.migration(mig.get(0).pte()));
        assertEquals(c, mig.get(1).vma().mm().pid());
        assertNull(r.folioAnonVma(-5));
        assertEquals(0, r.mappingId(-5));
        assertEquals(r.task(1).findVma(A).anonVma(), r.folioAnonVma(p));
        r.migrate_folio_move(p, false);
        noWarnings(r);
    }

    /**
     * do_swap_page() on a SWP_SYNCHRONOUS_IO device whose slot another swap-in holds
     * (swapcache_prepare() fails: SWAP_HAS_CACHE without a cached folio): the folio is put back and
     * the fault retried; the model gives up after 16 retries with a report. The same slot on a
     * device read through the swap cache is __read_swap_cache_async()'s "cannot happen" report;
     * an entry whose slot no longer has a count skips read-ahead ("unused swap slot"): OOM.
     */
    @Test
    void swapInRetriesAndFailures() {
        Machine m = new Machine(Fixtures.normalOnly(0, 256, 6, 3).withMinFreeKbytes(0).withSwap(SwapConfig.of(9, true)));
        Rmap r = m.rmap();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 1).pfn();
        long off = SwapOutSteps.swapOut(m, p);
        long free = m.zone(ZoneType.NORMAL).nrFreePages;
        assertEquals(0, m.reclaim().swapInfo().swapcache_prepare(off));
        Rmap.Access a = r.access(1, A, false, 0);
        assertEquals(Rmap.AccessKind.OOM, a.kind());
        assertEquals(17, r.stats.faultRetries);
        assertEquals(1, warnings(r, "kept changing"));
        assertEquals(free, m.zone(ZoneType.NORMAL).nrFreePages, "every folio put back");
        assertTrue(Pte.swap(pte(r, 1, A)));

        Machine m2 = new Machine(Fixtures.normalOnly(0, 256, 6, 3).withMinFreeKbytes(0).withSwap(SwapConfig.of(9, false)));
        Rmap r2 = m2.rmap();
        r2.mmap(1, A, 2);
        long q = r2.access(1, A, true, 1).pfn();
        long off2 = SwapOutSteps.swapOut(m2, q);
        assertEquals(0, m2.reclaim().swapInfo().swapcache_prepare(off2));
        long oom = r2.stats.faultOom;
        long free2 = m2.zone(ZoneType.NORMAL).nrFreePages;
        assertEquals(Rmap.AccessKind.OOM, r2.access(1, A, false, 0).kind());
        assertEquals(free2, m2.zone(ZoneType.NORMAL).nrFreePages, "the new folio put back");
        assertEquals(1, warnings(r2, "swapcache_prepare() failed"));
        assertEquals(oom + 1, r2.stats.faultOom);
        r2.task(1).pgtable.put(A + 1, Pte.swapEntry(5, false)); // a slot with no count
        r2.task(1).rssSwap++;
        assertEquals(Rmap.AccessKind.OOM, r2.access(1, A + 1, false, 0).kind());
        assertEquals(oom + 2, r2.stats.faultOom);
        assertEquals(1, r2.warnings().count());
    }

    /** do_swap_page(): BUG_ON(folio_test_anon(folio) && PageAnonExclusive(page)) for a swap cache folio still marked exclusive. */
    @Test
    void doSwapPageReportsAnExclusiveSwapCacheFolio() {
        Machine m = new Machine(Fixtures.normalOnly(0, 256, 6, 3).withMinFreeKbytes(0).withSwap(SwapConfig.of(9, true)));
        Rmap r = m.rmap();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 1).pfn();
        SwapOutSteps.unmapIntoSwapCache(m, p, true);
        r.mem.flags[r.page(p)] |= PageFlags.PG_anon_exclusive;
        r.access(1, A, false, 0);
        assertEquals(1, warnings(r, "BUG_ON(folio_test_anon(folio) && PageAnonExclusive(page))"));
    }

    /**
     * munmap of a range starting exactly at a VMA's end splits nothing; madvise with advice that
     * changes nothing splits nothing (madvise_update_vma(): "if (new_flags == vma->vm_flags)");
     * a range ending in a hole right at the next VMA's start stops there; a __split_vma() whose
     * anon_vma_clone() fails is reported.
     */
    @Test
    void boundariesOfMunmapAndMadvise() {
        Rmap r = machine().rmap();
        Recorder k = new Recorder();
        r.setKsmHooks(k);
        r.mmap(1, A, 2);
        r.mmap(1, A + 3, 1);
        r.munmap(1, A + 2, 2);
        assertEquals(0, r.stats.splits);
        assertEquals(1, r.task(1).mapCount());
        assertEquals(A + 2, r.task(1).findVma(A).end());
        r.mmap(1, A + 3, 1);
        assertEquals(0, r.madvise(1, A, 1, Rmap.MADV_UNMERGEABLE));
        assertEquals(0, r.stats.splits, "flags unchanged: no split");
        k.calls.clear();
        assertEquals(Rmap.ENOMEM, r.madvise(1, A + 2, 1, Rmap.MADV_MERGEABLE));
        assertEquals(1, k.calls.size(), "the hole ends where the next VMA starts: nothing to advise");
        r.access(1, A, true, 1);
        r.failAt = 2; // __split_vma(): vm_area_dup succeeds, anon_vma_clone()'s chain does not
        r.slabAllocs = 0;
        r.munmap(1, A + 1, 1);
        r.failAt = 0;
        assertEquals(1, warnings(r, "anon_vma_clone() failed outside a fork"));
    }

    /**
     * try_to_unmap_one() of a folio that is not in the swap cache: WARN_ON_ONCE(swapbacked !=
     * swapcache) and walk_abort, so the second mapping is not visited; the PTEs stay.
     * forget_folio() of a folio still mapped is bad_page(). folio_get_anon_vma() of an anon_vma
     * whose refcount is already 0 gets nothing (atomic_inc_not_zero()).
     */
    @Test
    void moreChecksOfTheSwapAndFreePaths() {
        Machine m = new Machine(Fixtures.normalOnly(0, 256, 6, 3).withMinFreeKbytes(0).withSwap(SwapConfig.of(9, true)));
        Rmap r = m.rmap();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 1).pfn();
        int c = r.fork(1, 0);
        r.try_to_unmap(p);
        assertEquals(1, r.warnings().count(), "walk_abort after the first");
        assertEquals(1, warnings(r, "folio_test_swapbacked(folio) != folio_test_swapcache(folio)"));
        assertTrue(Pte.normal(pte(r, 1, A)));
        assertTrue(Pte.normal(pte(r, c, A)));
        assertEquals(2, r.mapcount(p));
        r.forget_folio(p);
        assertEquals(1, warnings(r, "bad_page: nonzero mapcount"));
        AnonVma root = r.task(1).findVma(A).anonVma();
        int refs = root.refcount;
        root.refcount = 0;
        long q = r.access(1, A, true, 2).pfn(); // the parent's COW copy, in the root
        assertNull(r.folio_get_anon_vma(q));
        root.refcount = refs;
        VmAreaStruct cv = r.task(c).findVma(A);
        AnonVma other = new AnonVma(600);
        other.root = other;
        AnonVma saved = cv.anon_vma;
        cv.anon_vma = other;
        r.__page_check_anon_rmap(q, cv, A);
        assertEquals(1, warnings(r, "->root != vma->anon_vma->root"));
        cv.anon_vma = saved;
        int d = r.fork(1, 0);
        r.task(d).rssAnon += 1;
        r.exit(d);
        assertEquals(1, warnings(r, "Bad rss-counter"));
        int e = r.fork(1, 0);
        r.task(e).rssSwap += 1;
        r.exit(e);
        assertEquals(2, warnings(r, "Bad rss-counter"));
        assertEquals("vma#" + cv.id + "[" + A + ", " + (A + 1) + ")", cv.toString());
        AnonVmaChain x = cv.chain().get(0);
        assertTrue(x.inTree());
        r.exit(c);
        assertFalse(x.inTree(), "unlinked");
        RmapKsm k = new RmapKsm(r);
        int f = r.fork(1, 0);
        assertEquals(Rmap.AccessKind.WP_COPY, k.handle_mm_fault_unshare(r.task(f).findVma(A), A));
    }

    /** __anon_vma_prepare(): anon_vma_alloc() failing after the chain's allocation is VM_FAULT_OOM, nothing attached. */
    @Test
    void anonVmaAllocFailureInPrepare() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 1);
        r.failAt = 2;
        r.slabAllocs = 0;
        assertEquals(Rmap.AccessKind.OOM, r.access(1, A, true, 1).kind());
        r.failAt = 0;
        r.slabAllocs = 0;
        assertNull(r.task(1).findVma(A).anonVma());
        assertTrue(r.task(1).findVma(A).chain().isEmpty());
        assertEquals(0, r.anonVmas().size());
        assertEquals(Rmap.AccessKind.ANON_PAGE, r.access(1, A, true, 1).kind());
    }
}
