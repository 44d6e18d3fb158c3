package org.mmspec.reference.reclaim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.rmap.Rmap;

/**
 * shrink_inactive_list(), isolate_lru_folios(), shrink_folio_list(), folio_check_references(),
 * pageout(), __remove_mapping() and move_folios_to_lru() of mm/vmscan.c (v6.18), driven directly on
 * small, hand-built LRU lists so that every count can be derived from the kernel's code: which
 * folios are taken, scanned, activated, kept or freed, the reclaim_stat and sc-&gt;nr counts, the
 * vm events and the lists' order afterwards.
 *
 * <p>Notation in the comments: LRU lists are written head (newest) first; isolate_lru_folios()
 * takes from the tail (lru_to_folio()).
 */
class ShrinkListTest {
    static final int NORMAL = ZoneType.NORMAL.idx();

    /** A machine large enough that nothing here allocates into reclaim. */
    static Machine big(SwapConfig swap) {
        return ReclaimTest.machine(1024, swap);
    }

    /** A direct reclaimer's scan_control as try_to_free_pages() builds it for GFP_KERNEL. */
    static Vmscan.ScanControl directSc() {
        Vmscan.ScanControl sc = new Vmscan.ScanControl();
        sc.nr_to_reclaim = Vmscan.SWAP_CLUSTER_MAX;
        sc.gfp_mask = Gfp.GFP_KERNEL;
        sc.reclaim_idx = NORMAL;
        sc.priority = Vmscan.DEF_PRIORITY;
        sc.may_writepage = true;
        sc.may_unmap = true;
        sc.may_swap = true;
        return sc;
    }

    static int idx(Machine m, long pfn) {
        return m.mem().idx(pfn);
    }

    static boolean has(Machine m, long pfn, int flag) {
        return (m.mem().flags[idx(m, pfn)] & flag) != 0;
    }

    static List<Integer> pages(Machine m, int lru) {
        return m.reclaim().lruvec().pages(lru);
    }

    /** A clean page cache folio read once: inactive file, PG_referenced (folio_mark_accessed()). */
    static long readOnce(Machine m, int ino) {
        return m.reclaim().fileRead(ino, 0).pfn();
    }

    /** A dirty page cache folio, written and never read: inactive file, unreferenced, PG_dirty. */
    static long written(Machine m, int ino) {
        return m.reclaim().fileWrite(ino, 0, 100 + ino).pfn();
    }

    /** A page cache folio under writeback: written, then the flusher started its I/O. */
    static long underWriteback(Machine m, int ino) {
        long pfn = written(m, ino);
        assertEquals(1, m.reclaim().flush(ino));
        return pfn;
    }

    /** A clean, unreferenced page cache folio: written, flushed, the I/O completed. */
    static long cleanUnreferenced(Machine m, int ino) {
        long pfn = underWriteback(m, ino);
        m.reclaim().writeback_end(pfn);
        return pfn;
    }

    static void noWarnings(Machine m) {
        ReclaimTest.noWarnings(m);
    }

    // ------------------------------------------------------------------ the file LRU, direct reclaim

    /**
     * mm/vmscan.c, shrink_inactive_list() and shrink_folio_list() on four file folios (list, head
     * first: E C B A; A oldest). isolate_lru_folios() takes all four (nr_taken 4, nr_scanned 4).
     * A: read once, clean: folio_check_references() says FOLIOREF_RECLAIM_CLEAN (no PTEs,
     * PG_referenced, file), clean, __remove_mapping() frees it with a shadow. B: written, dirty:
     * folio_check_dirty_writeback() makes it dirty and unqueued (nr_dirty, nr_unqueued_dirty);
     * FOLIOREF_RECLAIM; dirty file folio and not kswapd: folio_set_reclaim(), activate_locked. C:
     * under writeback, no PG_reclaim: nr_dirty (writeback), not congested; not kswapd: case 2,
     * folio_set_reclaim(), nr_writeback, activate_locked. E: clean and unreferenced: FOLIOREF_RECLAIM,
     * freed. So nr_reclaimed 2, PGSCAN_DIRECT/PGSCAN_FILE 4, PGSTEAL_DIRECT/PGSTEAL_FILE 2,
     * PGACTIVATE 2; move_folios_to_lru() puts C and B on the active file list (head: C B, the
     * order kept) and ages the nonresident age once for each, each eviction once more: +4.
     * lru_note_cost_unlock_irq(file, nr_pageout 0, nr_scanned - nr_reclaimed = 2): file_cost 2,
     * then 2 &gt; lrusize (2) / 4 halves it to 1.
     */
    @Test
    void theFileListSortsCleanDirtyAndWritebackFolios() {
        Machine m = big(SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        long a = readOnce(m, 1);
        long b = written(m, 2);
        long c = underWriteback(m, 3);
        long e = cleanUnreferenced(m, 4);
        assertEquals(List.of(idx(m, e), idx(m, c), idx(m, b), idx(m, a)), pages(m, Lruvec.LRU_INACTIVE_FILE));
        long age = rc.lruvec().nonresidentAge;
        long free = m.zone(ZoneType.NORMAL).nrFreePages;
        rc.trace().enable(true);
        Vmscan.ScanControl sc = directSc();
        long reclaimed = rc.vmscan.shrink_inactive_list(32, sc, Lruvec.LRU_INACTIVE_FILE);
        assertEquals(2, reclaimed);
        assertEquals(4, sc.nr_scanned, "shrink_folio_list(): sc->nr_scanned += nr_pages per folio");
        assertEquals(2, sc.nrDirty);
        assertEquals(1, sc.nrUnqueuedDirty);
        assertEquals(0, sc.nrCongested);
        assertEquals(1, sc.nrWriteback);
        assertEquals(0, sc.nrImmediate);
        assertEquals(4, sc.nrTaken);
        assertEquals(4, sc.nrFileTaken);
        assertEquals(4, rc.stats.pgscanDirect);
        assertEquals(4, rc.stats.pgscanFile);
        assertEquals(0, rc.stats.pgscanKswapd);
        assertEquals(0, rc.stats.pgscanAnon);
        assertEquals(2, rc.stats.pgstealDirect);
        assertEquals(2, rc.stats.pgstealFile);
        assertEquals(0, rc.stats.pgstealKswapd + rc.stats.pgstealAnon);
        assertEquals(2, rc.stats.pgactivate);
        assertEquals(1, rc.stats.folioRefReclaimClean);
        assertEquals(1, rc.stats.dirtyFileActivated, "B: folio_set_reclaim(), activate_locked");
        assertEquals(1, rc.stats.writebackActivated, "C");
        assertEquals(2, rc.stats.folioRefReclaim, "B and E; C never reaches folio_check_references()");
        assertEquals(List.of(), pages(m, Lruvec.LRU_INACTIVE_FILE));
        assertEquals(List.of(idx(m, c), idx(m, b)), pages(m, Lruvec.LRU_ACTIVE_FILE));
        assertEquals(2, rc.lruvec().size(Lruvec.LRU_ACTIVE_FILE));
        assertEquals(0, rc.lruvec().size(Lruvec.LRU_INACTIVE_FILE));
        assertEquals(2, rc.lruvec().zoneLruSize[NORMAL][Lruvec.LRU_ACTIVE_FILE]);
        assertEquals(0, rc.lruvec().zoneLruSize[NORMAL][Lruvec.LRU_INACTIVE_FILE]);
        for (long p : new long[] {b, c}) {
            assertTrue(has(m, p, PageFlags.PG_active) && has(m, p, PageFlags.PG_lru) && has(m, p, PageFlags.PG_reclaim), "pfn " + p);
            assertEquals(1, m.mem().refcount[idx(m, p)], "the isolation reference was dropped");
        }
        assertEquals(age + 4, rc.lruvec().nonresidentAge);
        assertEquals(free + 2, m.zone(ZoneType.NORMAL).nrFreePages, "A and E went back to the buddy allocator");
        assertEquals(1, rc.lruvec().fileCost);
        assertEquals(0, rc.lruvec().anonCost);
        assertTrue(rc.filemap().shadows(1).containsKey(0L) && rc.filemap().shadows(4).containsKey(0L));
        assertTrue(rc.filemap().folios(2).containsKey(0L) && rc.filemap().folios(3).containsKey(0L));
        // the trace: the outcome of each folio, and where the kept ones went
        java.util.Map<Long, ReclaimTrace.Outcome> outcome = new java.util.HashMap<>();
        for (ReclaimTrace.Scan s : rc.trace().scans()) outcome.put(s.pfn(), s.outcome());
        assertEquals(ReclaimTrace.Outcome.FREED, outcome.get(a));
        assertEquals(ReclaimTrace.Outcome.ACTIVATED, outcome.get(b));
        assertEquals(ReclaimTrace.Outcome.ACTIVATED, outcome.get(c));
        assertEquals(ReclaimTrace.Outcome.FREED, outcome.get(e));
        long toActive = rc.trace().moves().stream().filter(mv -> mv.to() == Lruvec.LRU_ACTIVE_FILE).count();
        long evicted = rc.trace().moves().stream().filter(mv -> mv.to() == -1).count();
        assertEquals(2, toActive, rc.trace().moves().toString());
        for (ReclaimTrace.Move mv : rc.trace().moves()) {
            assertEquals(mv.to() == -1 ? "direct reclaim: evicted" : "direct reclaim: shrink_inactive_list", mv.why());
        }
        assertEquals(2, evicted, rc.trace().moves().toString());
        noWarnings(m);
    }

    /**
     * mm/vmscan.c, shrink_folio_list(): a folio under writeback already marked PG_reclaim counts
     * as congested (writeback &amp;&amp; folio_test_reclaim()); kswapd, with PGDAT_WRITEBACK set,
     * takes case 1: nr_immediate, activate_locked, not nr_writeback. PGSCAN_KSWAPD/PGSTEAL_KSWAPD
     * count kswapd's scan instead of the direct ones.
     */
    @Test
    void kswapdCountsAReclaimMarkedWritebackFolioAsImmediate() {
        Machine m = big(SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        long c = underWriteback(m, 3);
        long a = readOnce(m, 1);
        m.mem().flags[idx(m, c)] |= PageFlags.PG_reclaim; // a previous scan marked it
        rc.pgdatFlags |= Vmscan.PGDAT_WRITEBACK;
        Vmscan.ScanControl sc = directSc();
        sc.kswapd = true;
        long reclaimed = rc.vmscan.shrink_inactive_list(32, sc, Lruvec.LRU_INACTIVE_FILE);
        assertEquals(1, reclaimed, "A is freed");
        assertEquals(1, sc.nrImmediate);
        assertEquals(0, sc.nrWriteback);
        assertEquals(1, sc.nrCongested);
        assertEquals(1, sc.nrDirty);
        assertEquals(0, sc.nrUnqueuedDirty);
        assertEquals(2, rc.stats.pgscanKswapd);
        assertEquals(0, rc.stats.pgscanDirect);
        assertEquals(1, rc.stats.pgstealKswapd);
        assertEquals(0, rc.stats.pgstealDirect);
        assertTrue(has(m, c, PageFlags.PG_active));
        assertEquals(1, rc.stats.pgactivate);
        assertFalse(rc.filemap().folios(1).containsKey(0L), "A left the page cache: " + a);
        noWarnings(m);
    }

    /**
     * mm/vmscan.c, shrink_folio_list(): kswapd without PGDAT_WRITEBACK (or a folio not yet marked
     * PG_reclaim) takes case 2 for a writeback folio: folio_set_reclaim(), nr_writeback.
     */
    @Test
    void kswapdWithoutPgdatWritebackMarksTheFolioForReclaim() {
        Machine m = big(SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        long c = underWriteback(m, 3);
        long d = underWriteback(m, 4);
        m.mem().flags[idx(m, d)] |= PageFlags.PG_reclaim;
        Vmscan.ScanControl sc = directSc();
        sc.kswapd = true;
        rc.pgdatFlags |= Vmscan.PGDAT_WRITEBACK;
        assertEquals(0, rc.vmscan.shrink_inactive_list(32, sc, Lruvec.LRU_INACTIVE_FILE));
        // C: no PG_reclaim: case 2; D: PG_reclaim and PGDAT_WRITEBACK: case 1
        assertEquals(1, sc.nrWriteback);
        assertEquals(1, sc.nrImmediate);
        assertEquals(1, sc.nrCongested, "only D had PG_reclaim when scanned");
        assertTrue(has(m, c, PageFlags.PG_reclaim));
        assertEquals(2, sc.nrDirty);
        assertEquals(2, rc.lruvec().size(Lruvec.LRU_ACTIVE_FILE));
        noWarnings(m);
    }

    /**
     * mm/vmscan.c, shrink_folio_list(): a dirty file folio is written by kswapd only once it was
     * marked PG_reclaim and PGDAT_DIRTY is set; pageout() then returns PAGE_ACTIVATE for a
     * filesystem folio in v6.18 ("We no longer attempt to writeback filesystem folios here"),
     * so it is activated either way, but only the first path counts the immediate-reclaim mark.
     * With references FOLIOREF_RECLAIM_CLEAN (read once, then dirtied) the dirty folio is kept,
     * not activated.
     */
    @Test
    void kswapdWithPgdatDirtyTakesADirtyFileFolioToPageout() {
        Machine m = big(SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        long b = written(m, 2);
        m.mem().flags[idx(m, b)] |= PageFlags.PG_reclaim;
        long f = readOnce(m, 5);
        rc.fileWrite(5, 0, 9); // dirty, and PG_referenced from the read
        m.mem().flags[idx(m, f)] |= PageFlags.PG_reclaim;
        rc.pgdatFlags |= Vmscan.PGDAT_DIRTY;
        Vmscan.ScanControl sc = directSc();
        sc.kswapd = true;
        long before = rc.stats.dirtyFileActivated;
        assertEquals(0, rc.vmscan.shrink_inactive_list(32, sc, Lruvec.LRU_INACTIVE_FILE));
        assertEquals(before, rc.stats.dirtyFileActivated, "neither took the folio_set_reclaim() path");
        // B: FOLIOREF_RECLAIM -> pageout() -> PAGE_ACTIVATE (a page cache folio); F: RECLAIM_CLEAN -> keep_locked
        assertTrue(has(m, b, PageFlags.PG_active), "pageout() PAGE_ACTIVATE");
        assertFalse(has(m, f, PageFlags.PG_active), "FOLIOREF_RECLAIM_CLEAN keeps a dirty folio");
        assertEquals(List.of(idx(m, f)), pages(m, Lruvec.LRU_INACTIVE_FILE));
        assertEquals(List.of(idx(m, b)), pages(m, Lruvec.LRU_ACTIVE_FILE));
        assertEquals(1, rc.stats.pgactivate);
        assertEquals(2, sc.nrUnqueuedDirty);
        assertEquals(2, sc.nrDirty);
        noWarnings(m);
    }

    /**
     * mm/vmscan.c, shrink_folio_list(): kswapd with a dirty file folio marked PG_reclaim but
     * without PGDAT_DIRTY still leaves it to the flusher (folio_set_reclaim(), activate_locked),
     * even when its references say FOLIOREF_RECLAIM_CLEAN (which would otherwise keep it).
     */
    @Test
    void kswapdWithoutPgdatDirtyLeavesDirtyFoliosToTheFlusher() {
        Machine m = big(SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        long f = readOnce(m, 5);
        rc.fileWrite(5, 0, 9);
        m.mem().flags[idx(m, f)] |= PageFlags.PG_reclaim;
        Vmscan.ScanControl sc = directSc();
        sc.kswapd = true;
        assertEquals(0, rc.vmscan.shrink_inactive_list(32, sc, Lruvec.LRU_INACTIVE_FILE));
        assertEquals(1, rc.stats.folioRefReclaimClean);
        assertTrue(has(m, f, PageFlags.PG_active));
        assertEquals(1, rc.stats.dirtyFileActivated);
        noWarnings(m);
    }

    /**
     * mm/vmscan.c, shrink_folio_list(): with !may_writepage (or without __GFP_FS, may_enter_fs()
     * false for a page cache folio) a dirty folio that got this far is kept, not written.
     * Exercised with kswapd, PG_reclaim and PGDAT_DIRTY so it gets past the flusher check.
     */
    @Test
    void aDirtyFolioIsKeptWithoutWritepageOrFs() {
        for (int variant = 0; variant < 2; variant++) {
            Machine m = big(SwapConfig.NONE);
            Reclaim rc = m.reclaim();
            long b = written(m, 2);
            m.mem().flags[idx(m, b)] |= PageFlags.PG_reclaim;
            rc.pgdatFlags |= Vmscan.PGDAT_DIRTY;
            Vmscan.ScanControl sc = directSc();
            sc.kswapd = true;
            if (variant == 0) sc.may_writepage = false;
            else sc.gfp_mask = Gfp.GFP_KERNEL & ~Gfp.__GFP_FS;
            assertEquals(0, rc.vmscan.shrink_inactive_list(32, sc, Lruvec.LRU_INACTIVE_FILE));
            assertFalse(has(m, b, PageFlags.PG_active), "variant " + variant + ": keep_locked");
            assertEquals(List.of(idx(m, b)), pages(m, Lruvec.LRU_INACTIVE_FILE));
            assertEquals(0, rc.stats.pgactivate);
            noWarnings(m);
        }
    }

    /**
     * mm/vmscan.c, isolate_lru_folios(): it stops after nr_to_scan eligible folios (scan &lt;
     * nr_to_scan), taking them from the tail; the rest stay, in order. update_lru_sizes() takes
     * the taken folios out of the list's (and zone's) size.
     */
    @Test
    void isolationTakesNrToScanFoliosFromTheTail() {
        Machine m = big(SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        long[] p = new long[5];
        for (int i = 0; i < 5; i++) p[i] = readOnce(m, 10 + i);
        ArrayDeque<Integer> dst = new ArrayDeque<>();
        long[] r = rc.vmscan.isolate_lru_folios(2, dst, directSc(), Lruvec.LRU_INACTIVE_FILE);
        assertArrayEquals(new long[] {2, 2}, r, "{nr_taken, nr_scanned}");
        // dst: list_move() to the head of dst, so the first taken (oldest, p0) is at its tail
        assertEquals(List.of(idx(m, p[1]), idx(m, p[0])), List.copyOf(dst));
        assertEquals(List.of(idx(m, p[4]), idx(m, p[3]), idx(m, p[2])), pages(m, Lruvec.LRU_INACTIVE_FILE));
        assertEquals(3, rc.lruvec().size(Lruvec.LRU_INACTIVE_FILE));
        assertEquals(3, rc.lruvec().zoneLruSize[NORMAL][Lruvec.LRU_INACTIVE_FILE]);
        for (int i = 0; i < 2; i++) {
            assertFalse(has(m, p[i], PageFlags.PG_lru));
            assertEquals(2, m.mem().refcount[idx(m, p[i])], "folio_try_get(): the isolation reference");
        }
        // and back: move_folios_to_lru() returns the number moved, p0 first, so the head is p1
        assertEquals(2, rc.vmscan.move_folios_to_lru(dst, "test", Lruvec.LRU_INACTIVE_FILE));
        assertEquals(List.of(idx(m, p[1]), idx(m, p[0]), idx(m, p[4]), idx(m, p[3]), idx(m, p[2])),
                pages(m, Lruvec.LRU_INACTIVE_FILE));
        assertEquals(5, rc.lruvec().size(Lruvec.LRU_INACTIVE_FILE));
        assertEquals(1, m.mem().refcount[idx(m, p[0])]);
        assertTrue(has(m, p[0], PageFlags.PG_lru));
        noWarnings(m);
    }

    /**
     * mm/vmscan.c, isolate_lru_folios(): folios of a zone above sc-&gt;reclaim_idx are skipped (not
     * counted in scan, counted in total_scan, PGSCAN_SKIP) and spliced back at the head of the
     * list in their order; with every folio ineligible nothing is taken and the order is kept.
     */
    @Test
    void foliosAboveTheReclaimZoneAreSkippedButCountedAsScanned() {
        Machine m = big(SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        long[] p = new long[3];
        for (int i = 0; i < 3; i++) p[i] = readOnce(m, 10 + i);
        List<Integer> before = pages(m, Lruvec.LRU_INACTIVE_FILE);
        Vmscan.ScanControl sc = directSc();
        sc.reclaim_idx = ZoneType.DMA32.idx();
        ArrayDeque<Integer> dst = new ArrayDeque<>();
        assertArrayEquals(new long[] {0, 3}, rc.vmscan.isolate_lru_folios(1, dst, sc, Lruvec.LRU_INACTIVE_FILE),
                "skipped folios do not count against nr_to_scan: all three are looked at");
        assertEquals(3, rc.stats.pgscanSkip);
        assertEquals(before, pages(m, Lruvec.LRU_INACTIVE_FILE));
        assertEquals(3, rc.lruvec().size(Lruvec.LRU_INACTIVE_FILE));
        for (long pfn : p) assertTrue(has(m, pfn, PageFlags.PG_lru));
        // shrink_inactive_list() counts them as scanned and returns at once (nr_taken == 0)
        assertEquals(0, rc.vmscan.shrink_inactive_list(32, sc, Lruvec.LRU_INACTIVE_FILE));
        assertEquals(3, rc.stats.pgscanDirect);
        assertEquals(3, rc.stats.pgscanFile);
        assertEquals(0, sc.nrTaken);
        assertEquals(0, rc.lruvec().fileCost, "no lru_note_cost() when nothing was taken");
        // reclaim_idx equal to the folios' zone: eligible
        sc.reclaim_idx = NORMAL;
        assertArrayEquals(new long[] {3, 3}, rc.vmscan.isolate_lru_folios(32, dst, sc, Lruvec.LRU_INACTIVE_FILE));
        noWarnings(m);
    }

    /**
     * mm/vmscan.c, isolate_lru_folios(): a folio that is not PG_lru, that is mapped while
     * !may_unmap, or whose folio_try_get() fails (refcount 0) is list_move()d to the head of the
     * source list, counted as scanned, not taken.
     */
    @Test
    void ineligibleFoliosRotateToTheHead() {
        Machine m = big(SwapConfig.of(65, true));
        Reclaim rc = m.reclaim();
        Rmap r = m.rmap();
        r.mmap(1, 0x100, 3);
        long[] p = new long[3];
        for (int i = 0; i < 3; i++) p[i] = r.access(1, 0x100 + i, true, 5 + i).pfn();
        // list: p2 p1 p0; mapped, may_unmap false: each in turn moves to the head
        Vmscan.ScanControl sc = directSc();
        sc.may_unmap = false;
        ArrayDeque<Integer> dst = new ArrayDeque<>();
        assertArrayEquals(new long[] {0, 2}, rc.vmscan.isolate_lru_folios(2, dst, sc, Lruvec.LRU_INACTIVE_ANON));
        assertEquals(List.of(idx(m, p[1]), idx(m, p[0]), idx(m, p[2])), pages(m, Lruvec.LRU_INACTIVE_ANON));
        assertEquals(3, rc.lruvec().size(Lruvec.LRU_INACTIVE_ANON));
        // may_unmap: the tail (p2) is taken
        sc.may_unmap = true;
        MemMap mem = m.mem();
        mem.flags[idx(m, p[2])] &= ~PageFlags.PG_lru; // someone else is isolating it
        assertArrayEquals(new long[] {0, 1}, rc.vmscan.isolate_lru_folios(1, dst, sc, Lruvec.LRU_INACTIVE_ANON));
        assertEquals(List.of(idx(m, p[2]), idx(m, p[1]), idx(m, p[0])), pages(m, Lruvec.LRU_INACTIVE_ANON));
        mem.flags[idx(m, p[2])] |= PageFlags.PG_lru;
        int saved = mem.refcount[idx(m, p[0])];
        mem.refcount[idx(m, p[0])] = 0; // being freed: folio_try_get() fails
        assertArrayEquals(new long[] {0, 1}, rc.vmscan.isolate_lru_folios(1, dst, sc, Lruvec.LRU_INACTIVE_ANON));
        assertEquals(List.of(idx(m, p[0]), idx(m, p[2]), idx(m, p[1])), pages(m, Lruvec.LRU_INACTIVE_ANON));
        mem.refcount[idx(m, p[0])] = saved;
        assertArrayEquals(new long[] {1, 1}, rc.vmscan.isolate_lru_folios(1, dst, sc, Lruvec.LRU_INACTIVE_ANON));
        assertEquals(List.of(idx(m, p[1])), List.copyOf(dst));
        assertEquals(2, rc.lruvec().size(Lruvec.LRU_INACTIVE_ANON));
        noWarnings(m);
    }

    /**
     * mm/vmscan.c, move_folios_to_lru(): a folio whose isolation reference was the last one
     * (folio_put_testzero()) is freed, not put back, and does not count as moved; an active folio
     * put back ages the nonresident information (workingset_age_nonresident()).
     */
    @Test
    void movingBackFreesAFolioWhoseLastReferenceWasTheIsolation() {
        Machine m = big(SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        long a = readOnce(m, 1);
        long b = readOnce(m, 2);
        ArrayDeque<Integer> dst = new ArrayDeque<>();
        assertArrayEquals(new long[] {2, 2}, rc.vmscan.isolate_lru_folios(32, dst, directSc(), Lruvec.LRU_INACTIVE_FILE));
        m.mem().refcount[idx(m, a)]--; // the page cache let go of A meanwhile (truncation)
        m.mem().flags[idx(m, b)] |= PageFlags.PG_active;
        long free = m.zone(ZoneType.NORMAL).nrFreePages;
        long age = rc.lruvec().nonresidentAge;
        rc.filemap().contents(); // (A's content stays in the map until free_folio())
        assertEquals(1, rc.vmscan.move_folios_to_lru(dst, "test", Lruvec.LRU_INACTIVE_FILE));
        assertEquals(free + 1, m.zone(ZoneType.NORMAL).nrFreePages);
        assertFalse(has(m, a, PageFlags.PG_lru));
        assertEquals(List.of(idx(m, b)), pages(m, Lruvec.LRU_ACTIVE_FILE));
        assertEquals(age + 1, rc.lruvec().nonresidentAge, "B came back active");
        assertEquals(0, rc.lruvec().size(Lruvec.LRU_INACTIVE_FILE));
    }

    /**
     * mm/vmscan.c, shrink_folio_list()'s VM_BUG_ON_FOLIOs (reported as warnings): a folio that
     * reaches it active (twice when it is then activated), and one going back that is PG_lru or
     * unevictable. stat-&gt;nr_activate[] counts activations by type (folio_is_file_lru()).
     */
    @Test
    void shrinkFolioListChecksItsFolios() {
        Machine m = big(SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        long b = written(m, 2); // dirty: activated
        long u = written(m, 3); // dirty, and made unevictable below: kept? activated, then the putback check
        ArrayDeque<Integer> list = new ArrayDeque<>();
        rc.vmscan.isolate_lru_folios(32, list, directSc(), Lruvec.LRU_INACTIVE_FILE);
        m.mem().flags[idx(m, b)] |= PageFlags.PG_active;
        Vmscan.ReclaimStat stat = new Vmscan.ReclaimStat();
        rc.vmscan.shrink_folio_list(list, directSc(), stat, false, Lruvec.LRU_INACTIVE_FILE);
        assertEquals(2, rc.warnings().count(), "B: active on entry, active at activate_locked: " + rc.warnings().messages());
        assertArrayEquals(new long[] {0, 2}, stat.nr_activate);
        assertEquals(2, stat.nr_dirty);
        assertEquals(2, stat.nr_unqueued_dirty);
        // put one back unevictable: the keep path's check
        int up = idx(m, u);
        m.mem().flags[up] &= ~PageFlags.PG_active;
        m.mem().flags[up] |= PageFlags.PG_unevictable;
        ArrayDeque<Integer> one = new ArrayDeque<>();
        for (int p : list) if (p == up) one.add(p);
        list.remove(up);
        rc.vmscan.shrink_folio_list(one, directSc(), new Vmscan.ReclaimStat(), false, Lruvec.LRU_INACTIVE_FILE);
        assertEquals(3, rc.warnings().count(), rc.warnings().messages().toString());
        // an anonymous folio activated counts in nr_activate[0]
        Machine a = big(SwapConfig.of(65, true));
        Rmap r = a.rmap();
        r.mmap(1, 0x100, 2);
        r.access(1, 0x100, true, 1);
        a.mem().flags[a.mem().idx(r.access(1, 0x100, false, 0).pfn())] |= PageFlags.PG_referenced;
        r.access(1, 0x101, true, 2); // young, no PG_referenced: FOLIOREF_KEEP
        ArrayDeque<Integer> al = new ArrayDeque<>();
        a.reclaim().vmscan.isolate_lru_folios(32, al, directSc(), Lruvec.LRU_INACTIVE_ANON);
        Vmscan.ReclaimStat as = new Vmscan.ReclaimStat();
        a.reclaim().vmscan.shrink_folio_list(al, directSc(), as, false, Lruvec.LRU_INACTIVE_ANON);
        assertArrayEquals(new long[] {1, 0}, as.nr_activate);
        assertEquals(1, as.nr_ref_keep);
    }

    /**
     * mm/vmscan.c, may_enter_fs(): without __GFP_FS (GFP_NOFS) a swap cache folio may still be
     * written when __GFP_IO is allowed, so an anonymous folio is swapped out and freed.
     */
    @Test
    void gfpNofsStillSwapsOut() {
        Machine m = big(SwapConfig.of(65, true));
        Reclaim rc = m.reclaim();
        Rmap r = m.rmap();
        r.mmap(1, 0x100, 1);
        r.access(1, 0x100, true, 7);
        r.madvise_cold(1, 0x100);
        Vmscan.ScanControl sc = directSc();
        sc.gfp_mask = Gfp.GFP_NOFS;
        assertEquals(1, rc.vmscan.shrink_inactive_list(32, sc, Lruvec.LRU_INACTIVE_ANON));
        assertEquals(1, rc.stats.pswpout);
        assertEquals(7, r.peek(1, 0x100));
        noWarnings(m);
    }

    /**
     * mm/vmscan.c, shrink_folio_list(): a clean folio whose __remove_mapping() fails (someone
     * else holds a reference: folio_ref_freeze(2) fails) goes to keep_locked, not freed; and
     * move_folios_to_lru() reports a folio that comes back with PG_lru (VM_BUG_ON_FOLIO).
     */
    @Test
    void anExtraReferenceKeepsAFolioAndPgLruOnPutbackIsABug() {
        Machine m = big(SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        long a = readOnce(m, 1);
        m.mem().refcount[idx(m, a)]++; // a reader still holds it
        assertEquals(0, rc.vmscan.shrink_inactive_list(32, directSc(), Lruvec.LRU_INACTIVE_FILE));
        assertEquals(List.of(idx(m, a)), pages(m, Lruvec.LRU_INACTIVE_FILE));
        assertTrue(rc.filemap().folios(1).containsKey(0L));
        assertEquals(2, m.mem().refcount[idx(m, a)]);
        assertEquals(0, rc.stats.pgstealDirect);
        noWarnings(m);
        ArrayDeque<Integer> list = new ArrayDeque<>();
        rc.vmscan.isolate_lru_folios(32, list, directSc(), Lruvec.LRU_INACTIVE_FILE);
        m.mem().flags[idx(m, a)] |= PageFlags.PG_lru;
        rc.vmscan.move_folios_to_lru(list, "test", Lruvec.LRU_INACTIVE_FILE);
        assertEquals(1, rc.warnings().count(), rc.warnings().messages().toString());
    }

    // ------------------------------------------------------------------ the anon LRU

    /**
     * mm/vmscan.c, folio_check_references() on a mapped anonymous folio: the first scan finds one
     * young PTE and no PG_referenced: folio_set_referenced(), FOLIOREF_KEEP (nr_ref_keep, kept on
     * the inactive list); the fault left the PTE young, so a second access makes it young again and
     * the next scan finds PG_referenced and a young PTE: FOLIOREF_ACTIVATE (PGACTIVATE).
     * lru_note_cost(anon, 0, nr_scanned - nr_reclaimed = 1) each time: anon_cost 1, which is
     * more than lrusize (1) / 4 = 0 and is halved to 0.
     */
    @Test
    void aMappedAnonFolioIsKeptOnceThenActivated() {
        Machine m = big(SwapConfig.of(65, true));
        Reclaim rc = m.reclaim();
        Rmap r = m.rmap();
        r.mmap(1, 0x100, 1);
        long p = r.access(1, 0x100, true, 7).pfn();
        Vmscan.ScanControl sc = directSc();
        assertEquals(0, rc.vmscan.shrink_inactive_list(32, sc, Lruvec.LRU_INACTIVE_ANON));
        assertEquals(1, rc.stats.folioRefKeep);
        assertTrue(has(m, p, PageFlags.PG_referenced));
        assertFalse(has(m, p, PageFlags.PG_active));
        assertEquals(List.of(idx(m, p)), pages(m, Lruvec.LRU_INACTIVE_ANON));
        assertEquals(0, rc.stats.pgactivate);
        assertEquals(0, rc.lruvec().anonCost);
        assertEquals(1, rc.stats.pgscanAnon);
        r.access(1, 0x100, false, 0);
        assertEquals(0, rc.vmscan.shrink_inactive_list(32, sc, Lruvec.LRU_INACTIVE_ANON));
        assertEquals(1, rc.stats.folioRefActivate);
        assertEquals(1, rc.stats.pgactivate);
        assertTrue(has(m, p, PageFlags.PG_active));
        assertEquals(List.of(idx(m, p)), pages(m, Lruvec.LRU_ACTIVE_ANON));
        assertEquals(0, rc.si.total_swap_pages() - rc.si.get_nr_swap_pages(), "no swap slot was taken");
        noWarnings(m);
    }

    /**
     * mm/vmscan.c, shrink_folio_list() on an unreferenced mapped anonymous folio with a
     * SWP_SYNCHRONOUS_IO device: FOLIOREF_RECLAIM, folio_alloc_swap() and folio_mark_dirty(),
     * try_to_unmap(), pageout() PAGE_SUCCESS (nr_pageout) with the write already complete, then
     * __remove_mapping() leaves a shadow in the slot. One reclaimed; lru_note_cost(anon, nr_io 1,
     * nr_rotated 1 - 1 = 0): anon_cost 32, halved (lrusize 0) to 16.
     */
    @Test
    void anUnreferencedAnonFolioIsSwappedOutAndFreed() {
        Machine m = big(SwapConfig.of(65, true));
        Reclaim rc = m.reclaim();
        Rmap r = m.rmap();
        r.mmap(1, 0x100, 1);
        long p = r.access(1, 0x100, true, 7).pfn();
        r.madvise_cold(1, 0x100); // PTE old, no PG_referenced
        long age = rc.lruvec().nonresidentAge;
        Vmscan.ScanControl sc = directSc();
        assertEquals(1, rc.vmscan.shrink_inactive_list(32, sc, Lruvec.LRU_INACTIVE_ANON));
        assertEquals(1, rc.stats.folioRefReclaim);
        assertEquals(1, rc.stats.pswpout);
        assertEquals(1, rc.stats.pgstealAnon);
        assertEquals(16, rc.lruvec().anonCost);
        assertEquals(age + 1, rc.lruvec().nonresidentAge, "workingset_eviction()");
        assertEquals(1, rc.si.total_swap_pages() - rc.si.get_nr_swap_pages(), "the PTE's swap entry holds the slot");
        assertEquals(7, r.peek(1, 0x100));
        assertEquals(0, sc.nrDirty, "anonymous folios are not the flushers' business");
        assertEquals(1, sc.nrTaken);
        assertEquals(0, sc.nrFileTaken);
        assertEquals(1, rc.stats.pgscanAnon);
        assertEquals(0, rc.stats.pgscanFile + rc.stats.pgstealFile);
        assertEquals(0, rc.lruvec().total());
        assertFalse(has(m, p, PageFlags.PG_lru));
        noWarnings(m);
    }

    /**
     * mm/vmscan.c, shrink_folio_list() with a swap device that completes writes later: pageout()
     * PAGE_SUCCESS leaves the folio under writeback, so it goes to keep (not activated, still in
     * the swap cache, unmapped); lru_note_cost(anon, 1, 1): anon_cost 33, halved to 16.
     */
    @Test
    void anAnonFolioUnderSwapWritebackIsKept() {
        Machine m = big(SwapConfig.of(65, false));
        Reclaim rc = m.reclaim();
        Rmap r = m.rmap();
        r.mmap(1, 0x100, 1);
        long p = r.access(1, 0x100, true, 7).pfn();
        r.madvise_cold(1, 0x100);
        Vmscan.ScanControl sc = directSc();
        assertEquals(0, rc.vmscan.shrink_inactive_list(32, sc, Lruvec.LRU_INACTIVE_ANON));
        assertTrue(has(m, p, PageFlags.PG_writeback) && has(m, p, PageFlags.PG_swapcache) && has(m, p, PageFlags.PG_reclaim));
        assertFalse(has(m, p, PageFlags.PG_active));
        assertFalse(has(m, p, PageFlags.PG_dirty), "folio_clear_dirty_for_io()");
        assertEquals(List.of(idx(m, p)), pages(m, Lruvec.LRU_INACTIVE_ANON));
        assertEquals(0, rc.stats.pgactivate);
        assertEquals(16, rc.lruvec().anonCost);
        assertEquals(0, sc.nrWriteback, "anon writeback is not counted for the flushers");
        // the write completes: folio_rotate_reclaimable() moves it to the tail, and the next scan frees it
        rc.writeback_end(p);
        assertEquals(1, rc.stats.pgrotated);
        assertEquals(1, rc.vmscan.shrink_inactive_list(32, directSc(), Lruvec.LRU_INACTIVE_ANON));
        assertEquals(7, r.peek(1, 0x100));
        noWarnings(m);
    }

    /**
     * mm/vmscan.c, shrink_folio_list(): an anonymous folio not yet in the swap cache is kept
     * (keep_locked) when the reclaim context has no __GFP_IO; and activated
     * (activate_locked_split) when folio_alloc_swap() finds no free slot.
     */
    @Test
    void anonWithoutIoIsKeptAndWithoutSlotsActivated() {
        for (boolean noIo : new boolean[] {true, false}) {
            Machine m = big(SwapConfig.of(2, true)); // one usable slot
            Reclaim rc = m.reclaim();
            Rmap r = m.rmap();
            r.mmap(1, 0x100, 2);
            long p0 = r.access(1, 0x100, true, 7).pfn();
            long p1 = r.access(1, 0x101, true, 8).pfn();
            r.madvise_cold(1, 0x100);
            r.madvise_cold(1, 0x101);
            Vmscan.ScanControl sc = directSc();
            if (noIo) sc.gfp_mask = Gfp.GFP_KERNEL & ~(Gfp.__GFP_IO | Gfp.__GFP_FS);
            long reclaimed = rc.vmscan.shrink_inactive_list(32, sc, Lruvec.LRU_INACTIVE_ANON);
            if (noIo) {
                assertEquals(0, reclaimed);
                assertEquals(0, rc.stats.pgactivate);
                assertEquals(2, rc.lruvec().size(Lruvec.LRU_INACTIVE_ANON));
                assertEquals(1, rc.si.get_nr_swap_pages());
            } else {
                // p0 (the tail) takes the slot and is swapped out; p1 finds none: activated
                assertEquals(1, reclaimed);
                assertEquals(1, rc.stats.pgactivate);
                assertTrue(has(m, p1, PageFlags.PG_active));
                assertEquals(List.of(idx(m, p1)), pages(m, Lruvec.LRU_ACTIVE_ANON));
                assertEquals(1, rc.stats.swapAllocFail);
                assertEquals(7, r.peek(1, 0x100));
            }
            assertEquals(8, r.peek(1, 0x101));
            noWarnings(m);
        }
    }

    /**
     * mm/vmscan.c, shrink_folio_list(): with !sc-&gt;may_unmap a mapped folio that was isolated
     * anyway is kept (keep_locked) before anything else; it still counts in sc-&gt;nr_scanned.
     */
    @Test
    void aMappedFolioIsKeptWhenUnmappingIsNotAllowed() {
        Machine m = big(SwapConfig.of(65, true));
        Reclaim rc = m.reclaim();
        Rmap r = m.rmap();
        r.mmap(1, 0x100, 1);
        long p = r.access(1, 0x100, true, 7).pfn();
        ArrayDeque<Integer> list = new ArrayDeque<>();
        rc.vmscan.isolate_lru_folios(32, list, directSc(), Lruvec.LRU_INACTIVE_ANON);
        Vmscan.ScanControl sc = directSc();
        sc.may_unmap = false;
        Vmscan.ReclaimStat stat = new Vmscan.ReclaimStat();
        assertEquals(0, rc.vmscan.shrink_folio_list(list, sc, stat, false, Lruvec.LRU_INACTIVE_ANON));
        assertEquals(1, sc.nr_scanned);
        assertEquals(0, rc.stats.folioRefKeep + rc.stats.folioRefActivate + rc.stats.folioRefReclaim, "never looked at references");
        assertEquals(List.of(idx(m, p)), List.copyOf(list));
        assertEquals(0, stat.nr_activate[0] + stat.nr_activate[1]);
        assertEquals(0, stat.nr_ref_keep);
        rc.vmscan.move_folios_to_lru(list, "test", Lruvec.LRU_INACTIVE_ANON);
        noWarnings(m);
    }

    /**
     * mm/vmscan.c, shrink_folio_list() with ignore_references (reclaim_folio_list(), MADV_PAGEOUT):
     * folio_check_references() is not called, so a young mapped folio is reclaimed, references
     * FOLIOREF_RECLAIM.
     */
    @Test
    void ignoringReferencesReclaimsAYoungFolio() {
        Machine m = big(SwapConfig.of(65, true));
        Reclaim rc = m.reclaim();
        Rmap r = m.rmap();
        r.mmap(1, 0x100, 1);
        r.access(1, 0x100, true, 7);
        ArrayDeque<Integer> list = new ArrayDeque<>();
        rc.vmscan.isolate_lru_folios(32, list, directSc(), Lruvec.LRU_INACTIVE_ANON);
        Vmscan.ReclaimStat stat = new Vmscan.ReclaimStat();
        assertEquals(1, rc.vmscan.shrink_folio_list(list, directSc(), stat, true, Lruvec.LRU_INACTIVE_ANON));
        assertEquals(1, stat.nr_pageout);
        assertEquals(0, rc.stats.folioRefKeep + rc.stats.folioRefActivate + rc.stats.folioRefReclaim);
        assertTrue(list.isEmpty());
        assertEquals(7, r.peek(1, 0x100));
        noWarnings(m);
    }

    // ------------------------------------------------------------------ folio_check_references

    /**
     * mm/vmscan.c, folio_check_references(): the decision table. A page cache folio has no PTEs
     * in the model (referenced_ptes 0): PG_referenced gives FOLIOREF_RECLAIM_CLEAN, else
     * FOLIOREF_RECLAIM, and the flag is cleared (folio_test_clear_referenced()). An anonymous
     * folio: no young PTE: FOLIOREF_RECLAIM even with PG_referenced (not file); one young PTE and
     * no PG_referenced: FOLIOREF_KEEP, PG_referenced set; two young PTEs (two VMAs after fork):
     * FOLIOREF_ACTIVATE at once.
     */
    @Test
    void folioCheckReferencesDecisionTable() {
        Machine m = big(SwapConfig.of(65, true));
        Reclaim rc = m.reclaim();
        Rmap r = m.rmap();
        Vmscan.ScanControl sc = directSc();
        long f = readOnce(m, 1);
        Object[] d = rc.vmscan.folio_check_references(idx(m, f), sc);
        assertEquals(Vmscan.FolioReferences.RECLAIM_CLEAN, d[0]);
        assertEquals(0, d[1]);
        assertEquals(true, d[2]);
        assertFalse(has(m, f, PageFlags.PG_referenced), "folio_test_clear_referenced()");
        d = rc.vmscan.folio_check_references(idx(m, f), sc);
        assertEquals(Vmscan.FolioReferences.RECLAIM, d[0]);
        assertEquals(false, d[2]);

        r.mmap(1, 0x100, 2);
        long a = r.access(1, 0x100, true, 1).pfn();
        r.madvise_cold(1, 0x100);
        m.mem().flags[idx(m, a)] |= PageFlags.PG_referenced;
        d = rc.vmscan.folio_check_references(idx(m, a), sc);
        assertEquals(Vmscan.FolioReferences.RECLAIM, d[0], "anon with PG_referenced and no young PTE");
        assertEquals(true, d[2]);
        assertFalse(has(m, a, PageFlags.PG_referenced));
        r.access(1, 0x100, false, 0);
        d = rc.vmscan.folio_check_references(idx(m, a), sc);
        assertEquals(Vmscan.FolioReferences.KEEP, d[0]);
        assertEquals(1, d[1]);
        assertTrue(has(m, a, PageFlags.PG_referenced));

        long b = r.access(1, 0x101, true, 2).pfn();
        int child = r.fork(1, 0);
        r.access(child, 0x101, false, 0); // the parent's PTE is still young from the fault
        assertFalse(has(m, b, PageFlags.PG_referenced));
        d = rc.vmscan.folio_check_references(idx(m, b), sc);
        assertEquals(Vmscan.FolioReferences.ACTIVATE, d[0], "two young PTEs: referenced_ptes > 1");
        assertEquals(2, d[1]);
        assertEquals(false, d[2]);
        assertTrue(has(m, b, PageFlags.PG_referenced), "the mark is set for activated folios as well");
        noWarnings(m);
    }

    // ------------------------------------------------------------------ pageout and __remove_mapping

    /**
     * mm/vmscan.c, pageout(): is_page_cache_freeable() wants exactly the isolation and cache
     * references (else PAGE_KEEP); an anonymous folio outside the swap cache has no mapping
     * (PAGE_KEEP); a page cache folio is left to the flusher (PAGE_ACTIVATE); a clean swap cache
     * folio is PAGE_CLEAN. __remove_mapping() refuses a folio with other references or a dirty
     * one (folio_ref_unfreeze()).
     */
    @Test
    void pageoutAndRemoveMappingRefuseWhatTheyMust() {
        Machine m = big(SwapConfig.of(65, false));
        Reclaim rc = m.reclaim();
        Rmap r = m.rmap();
        long f = written(m, 1);
        int fp = idx(m, f);
        assertEquals(Vmscan.Pageout.KEEP, rc.vmscan.pageout(fp), "refcount 1: the cache's only");
        m.mem().refcount[fp]++; // the isolation reference
        assertEquals(Vmscan.Pageout.ACTIVATE, rc.vmscan.pageout(fp));
        assertFalse(rc.vmscan.__remove_mapping(fp, true), "dirty: folio_ref_unfreeze()");
        assertEquals(2, m.mem().refcount[fp]);
        assertTrue(rc.filemap().folios(1).containsKey(0L));
        m.mem().refcount[fp]++;
        assertFalse(rc.vmscan.__remove_mapping(fp, true), "a third reference: folio_ref_freeze(2) fails");
        assertEquals(3, m.mem().refcount[fp]);
        m.mem().refcount[fp] -= 2;

        r.mmap(1, 0x100, 1);
        long a = r.access(1, 0x100, true, 9).pfn();
        int ap = idx(m, a);
        m.mem().refcount[ap]++;
        assertEquals(Vmscan.Pageout.KEEP, rc.vmscan.pageout(ap), "anonymous, not in the swap cache: no mapping");
        m.mem().refcount[ap]--;
        // into the swap cache (a reference): the mapping's and the cache's make two
        assertEquals(0, rc.si.folio_alloc_swap(ap));
        assertEquals(2, m.mem().refcount[ap]);
        assertEquals(Vmscan.Pageout.CLEAN, rc.vmscan.pageout(ap), "folio_clear_dirty_for_io() found it clean");
        assertFalse(has(m, a, PageFlags.PG_reclaim));
        // dirty: PAGE_SUCCESS; no swap entry names the slot yet, so swap_writeout()'s
        // folio_free_swap() just drops it from the swap cache (and redirties it): no I/O, and
        // pageout() clears PG_reclaim again as the write is not under way
        m.mem().flags[ap] |= PageFlags.PG_dirty;
        assertEquals(Vmscan.Pageout.SUCCESS, rc.vmscan.pageout(ap));
        assertFalse(has(m, a, PageFlags.PG_reclaim));
        assertFalse(has(m, a, PageFlags.PG_writeback));
        assertFalse(has(m, a, PageFlags.PG_swapcache));
        assertEquals(0, rc.stats.pswpout);
        noWarnings(m);
    }
}
