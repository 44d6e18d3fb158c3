package org.mmspec.reference.reclaim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.rmap.Rmap;

/**
 * get_scan_count() with calculate_pressure_balance(), shrink_lruvec()'s proportional cut,
 * shrink_list(), shrink_active_list(), inactive_is_low(), shrink_node()'s kswapd flags and
 * should_continue_reclaim() of mm/vmscan.c (v6.18), and lru_note_cost_unlock_irq() of mm/swap.c,
 * each on lists of known sizes so that the scan targets and what is scanned follow by hand.
 */
class ScanCountTest {
    static final int IA = Lruvec.LRU_INACTIVE_ANON;
    static final int AA = Lruvec.LRU_ACTIVE_ANON;
    static final int IF = Lruvec.LRU_INACTIVE_FILE;
    static final int AF = Lruvec.LRU_ACTIVE_FILE;
    static final int NORMAL = ZoneType.NORMAL.idx();

    /** n clean page cache folios read once (inactive file, PG_referenced: FOLIOREF_RECLAIM_CLEAN). */
    static long[] files(Machine m, int ino, int n) {
        long[] p = new long[n];
        for (int i = 0; i < n; i++) p[i] = m.reclaim().fileRead(ino, i).pfn();
        return p;
    }

    /** n anonymous folios of pid 1 at addr, made cold (PTE old, no PG_referenced): inactive anon. */
    static long[] coldAnon(Machine m, long addr, int n) {
        Rmap r = m.rmap();
        r.mmap(1, addr, n);
        long[] p = new long[n];
        for (int i = 0; i < n; i++) {
            p[i] = r.access(1, addr + i, true, 1000 + i).pfn();
            r.madvise_cold(1, addr + i);
        }
        return p;
    }

    /** folio_activate() (lru_activate()): onto the head of the active list. */
    static void activate(Machine m, long[] pfns) {
        for (long pfn : pfns) m.reclaim().swap.folio_activate(m.mem().idx(pfn));
    }

    /** Make a page cache folio unevictable, as folio_putback_lru() of an mlocked folio would: counted, on no list. */
    static void unevictable(Machine m, long u) {
        Lruvec l = m.reclaim().lruvec();
        assertTrue(l.folio_isolate_lru(u));
        m.mem().flags[m.mem().idx(u)] |= PageFlags.PG_unevictable;
        l.lruvec_add_folio(m.mem().idx(u));
        m.mem().refcount[m.mem().idx(u)]--;
        assertEquals(1, l.size(Lruvec.LRU_UNEVICTABLE));
    }

    static long[] sizes(Reclaim rc) {
        Lruvec l = rc.lruvec();
        return new long[] {l.size(IA), l.size(AA), l.size(IF), l.size(AF)};
    }

    /** IA 40, AA 8, IF 36, AF 12 on a machine with a 65-slot swap device. */
    static Machine fourLists() {
        return fourLists(SwapConfig.of(65, true), 40, 8, 36, 12);
    }

    /** The four evictable lists of the given sizes: cold anon at 0x100 and 0x200, files 1 and 2. */
    static Machine fourLists(SwapConfig swap, int ia, int aa, int inactiveFile, int af) {
        Machine m = ShrinkListTest.big(swap);
        coldAnon(m, 0x100, ia);
        activate(m, coldAnon(m, 0x200, aa));
        files(m, 1, inactiveFile);
        activate(m, files(m, 2, af));
        assertArrayEquals(new long[] {ia, aa, inactiveFile, af}, sizes(m.reclaim()));
        return m;
    }

    static long[] scanCount(Machine m, Vmscan.ScanControl sc) {
        long[] nr = m.reclaim().vmscan.get_scan_count(sc);
        assertEquals(0, nr[Lruvec.LRU_UNEVICTABLE], "for_each_evictable_lru(): the unevictable list is never scanned");
        return new long[] {nr[IA], nr[AA], nr[IF], nr[AF]};
    }

    /**
     * mm/vmscan.c, get_scan_count() SCAN_FRACT and calculate_pressure_balance() with swappiness
     * 60, anon_cost 10, file_cost 30: total 40; anon 50, file 70; total 120; ap = 60 * 121 / 51 =
     * 142; fp = (200 - 60) * 121 / 71 = 238; denominator 380. At priority 2 the lists give
     * 40&gt;&gt;2 = 10, 8&gt;&gt;2 = 2, 36&gt;&gt;2 = 9, 12&gt;&gt;2 = 3, and (memcg online:
     * div64_u64, rounding down) 10*142/380 = 3, 2*142/380 = 0, 9*238/380 = 5, 3*238/380 = 1.
     */
    @Test
    void fractBalancesTheCostsAgainstSwappiness() {
        Machine m = fourLists();
        Vmscan.ScanControl sc = ShrinkListTest.directSc();
        sc.priority = 2;
        sc.anon_cost = 10;
        sc.file_cost = 30;
        assertArrayEquals(new long[] {3, 0, 5, 1}, scanCount(m, sc));
        // the other way round: anon 30, file 10: anon 70, file 50; ap = 60*121/71 = 102, fp = 140*121/51 = 332;
        // denominator 434: 10*102/434 = 2, 2*102/434 = 0, 9*332/434 = 6, 3*332/434 = 2
        sc.anon_cost = 30;
        sc.file_cost = 10;
        assertArrayEquals(new long[] {2, 0, 6, 2}, scanCount(m, sc));
        // priority 1: 20, 4, 18, 6 with no costs: ap = 60, fp = 140, denominator 200:
        // 20*60/200 = 6, 4*60/200 = 1, 18*140/200 = 12, 6*140/200 = 4
        sc.priority = 1;
        sc.anon_cost = 0;
        sc.file_cost = 0;
        assertArrayEquals(new long[] {6, 1, 12, 4}, scanCount(m, sc));
        noWarnings(m);
    }

    /**
     * mm/vmscan.c, get_scan_count(): !sc-&gt;may_swap: SCAN_FILE; priority 0 with swappiness:
     * SCAN_EQUAL (every list in full); file_is_tiny: SCAN_ANON; cache_trim_mode: SCAN_FILE. The
     * sizes are those of zones up to sc-&gt;reclaim_idx (lruvec_lru_size()): none below
     * ZONE_NORMAL here.
     */
    @Test
    void theOtherBalances() {
        Machine m = fourLists();
        unevictable(m, files(m, 3, 1)[0]);
        Vmscan.ScanControl sc = ShrinkListTest.directSc();
        sc.priority = 2;
        sc.may_swap = false;
        assertArrayEquals(new long[] {0, 0, 9, 3}, scanCount(m, sc), "SCAN_FILE");
        sc.may_swap = true;
        sc.priority = 0;
        assertArrayEquals(new long[] {40, 8, 36, 12}, scanCount(m, sc), "SCAN_EQUAL");
        sc.priority = 2;
        sc.file_is_tiny = true;
        assertArrayEquals(new long[] {10, 2, 0, 0}, scanCount(m, sc), "SCAN_ANON");
        sc.file_is_tiny = false;
        sc.cache_trim_mode = true;
        assertArrayEquals(new long[] {0, 0, 9, 3}, scanCount(m, sc), "SCAN_FILE for cache_trim_mode");
        sc.cache_trim_mode = false;
        sc.reclaim_idx = ZoneType.DMA32.idx();
        assertArrayEquals(new long[] {0, 0, 0, 0}, scanCount(m, sc), "no pages in the zones below NORMAL");
        assertEquals(0, m.reclaim().vmscan.lruvec_lru_size(IA, ZoneType.DMA32.idx()));
        assertEquals(40, m.reclaim().vmscan.lruvec_lru_size(IA, ZoneType.NORMAL.idx()));
        assertEquals(40, m.reclaim().vmscan.lruvec_lru_size(IA, ZoneType.MOVABLE.idx()));
        noWarnings(m);
    }

    /**
     * mm/vmscan.c, get_scan_count(): without free swap space (can_reclaim_anon_pages() false)
     * only the file lists are scanned; and an unevictable folio (counted on LRU_UNEVICTABLE, on
     * no list) is never part of the scan. zone_reclaimable_pages() then leaves the anon lists out.
     */
    @Test
    void withoutSwapOnlyFileIsScanned() {
        Machine m = ShrinkListTest.big(SwapConfig.NONE);
        coldAnon(m, 0x100, 8);
        files(m, 1, 12);
        unevictable(m, files(m, 3, 1)[0]);
        Vmscan.ScanControl sc = ShrinkListTest.directSc();
        sc.priority = 0;
        assertArrayEquals(new long[] {0, 0, 12, 0}, scanCount(m, sc));
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(12, m.reclaim().zoneReclaimablePages(z), "file only: no swap");
        assertFalse(m.reclaim().vmscan.can_reclaim_anon_pages());
        assertFalse(m.reclaim().vmscan.can_age_anon_pages());
    }

    /**
     * mm/vmscan.c, zone_reclaimable_pages(): the zone's file LRU pages plus, while a swap device
     * has a free slot, its anon LRU pages; can_reclaim_anon_pages() follows get_nr_swap_pages()
     * and can_age_anon_pages() total_swap_pages.
     */
    @Test
    void zoneReclaimablePagesCountsAnonOnlyWithSwapRoom() {
        Machine m = fourLists();
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(40 + 8 + 36 + 12, m.reclaim().zoneReclaimablePages(z));
        assertTrue(m.reclaim().vmscan.can_reclaim_anon_pages());
        assertTrue(m.reclaim().vmscan.can_age_anon_pages());
        // a one-slot device, its slot taken: no room, but still swap to age for
        Machine m2 = ShrinkListTest.big(SwapConfig.of(2, true));
        long[] a = coldAnon(m2, 0x100, 2);
        activate(m2, new long[] {a[1]});
        files(m2, 1, 3);
        assertEquals(2 + 3, m2.reclaim().zoneReclaimablePages(m2.zone(ZoneType.NORMAL)));
        assertEquals(0, m2.reclaim().si.folio_alloc_swap(m2.mem().idx(a[0])));
        assertFalse(m2.reclaim().vmscan.can_reclaim_anon_pages());
        assertTrue(m2.reclaim().vmscan.can_age_anon_pages());
        assertEquals(3, m2.reclaim().zoneReclaimablePages(m2.zone(ZoneType.NORMAL)));
    }

    /**
     * mm/vmscan.c, inactive_is_low(): below 1 GiB inactive_ratio is 1, so the inactive list is low
     * exactly when inactive &lt; active; at 1 GiB (262144 pages) and above the ratio is
     * int_sqrt(10 * gb).
     */
    @Test
    void inactiveIsLowComparesWithTheRatio() {
        Machine m = fourLists();
        Vmscan v = m.reclaim().vmscan;
        assertFalse(v.inactive_is_low(IA), "40 vs 8");
        assertFalse(v.inactive_is_low(IF), "36 vs 12");
        Lruvec l = m.reclaim().lruvec();
        l.nrPages[AF] = 36;
        assertFalse(v.inactive_is_low(IF), "36 < 36 is false");
        l.nrPages[AF] = 37;
        assertTrue(v.inactive_is_low(IF));
        // 1 GiB: gb 1, ratio int_sqrt(10) = 3: inactive 65536 * 3 < active 196608 is false, 65535 * 3 < 196609 true
        l.nrPages[IF] = 65536;
        l.nrPages[AF] = 196608;
        assertFalse(v.inactive_is_low(IF));
        l.nrPages[IF] = 65535;
        l.nrPages[AF] = 196609;
        assertTrue(v.inactive_is_low(IF));
        // 4 GiB: ratio int_sqrt(40) = 6: 200000 * 6 < 1000000 is false
        l.nrPages[IF] = 200000;
        l.nrPages[AF] = 1000000;
        assertFalse(v.inactive_is_low(IF));
        l.nrPages[IF] = 166666;
        assertTrue(v.inactive_is_low(IF), "999996 < 1000000");
        // just below 1 GiB: ratio 1
        l.nrPages[IF] = 100000;
        l.nrPages[AF] = 162143;
        assertTrue(v.inactive_is_low(IF), "(100000 + 162143) >> 18 == 0: ratio 1");
        l.nrPages[IF] = 36;
        l.nrPages[AF] = 12;
    }

    /**
     * mm/vmscan.c, shrink_lruvec(): kswapd (no proportional_reclaim) at priority 0 (SCAN_EQUAL),
     * nr_to_reclaim 10, may_deactivate DEACTIVATE_FILE only. Targets IA 45, AA 10, IF 60, AF 50.
     * Round 1 (batches of SWAP_CLUSTER_MAX): IA 32 reclaimed (13 left), AA 10 skipped (nothing
     * left, sc-&gt;skipped_deactivate), IF 32 reclaimed (28 left), AF 32 deactivated (18 left).
     * 64 &gt;= 10: nr_file 46 &gt; nr_anon 13, so anon stops: percentage = 13 * 100 / (45 + 10 + 1)
     * = 23; IF: 60 * 77 / 100 = 46 minus the 32 scanned: 14; AF: 50 * 77 / 100 = 38 minus 32: 6.
     * Round 2: IF 14 reclaimed (the oldest originals, behind the 32 deactivated at the head),
     * AF 6 deactivated. 78 reclaimed; PGREFILL = PGDEACTIVATE = 38; PGSCAN_FILE 46, PGSCAN_ANON 32.
     * Then IA 13 &gt;= AA 10: inactive anon not low, no aging.
     */
    @Test
    void kswapdCutsTheSmallerTypeAndScalesTheOtherFile() {
        Machine m = fourLists(SwapConfig.of(65, true), 45, 10, 60, 50);
        assertArrayEquals(new long[] {45, 10, 60, 50}, sizes(m.reclaim()));
        Reclaim rc = m.reclaim();
        Vmscan.ScanControl sc = ShrinkListTest.directSc();
        sc.kswapd = true;
        sc.priority = 0;
        sc.nr_to_reclaim = 10;
        sc.may_deactivate = Vmscan.DEACTIVATE_FILE;
        sc.nr_reclaimed = 5;
        rc.vmscan.shrink_lruvec(sc);
        assertEquals(5 + 78, sc.nr_reclaimed);
        assertTrue(sc.skipped_deactivate);
        assertEquals(38, rc.stats.pgrefill);
        assertEquals(38, rc.stats.pgdeactivate);
        assertEquals(46, rc.stats.pgscanFile);
        assertEquals(32, rc.stats.pgscanAnon);
        assertEquals(78, rc.stats.pgscanKswapd);
        assertEquals(78, rc.stats.pgstealKswapd);
        assertArrayEquals(new long[] {13, 10, 60 - 46 + 38, 12}, sizes(rc));
        noWarnings(m);
    }

    /**
     * As above with the types swapped (IA 60, AA 50, IF 45, AF 10, DEACTIVATE_ANON): nr_file 13
     * &lt;= nr_anon 46, so file stops (percentage 13 * 100 / 56 = 23) and anon is scaled: IA 46 - 32
     * = 14, AA 38 - 32 = 6. The active anon folios are deactivated despite their young PTEs
     * (folio_referenced() != 0 but not an executable file folio) and get PG_workingset.
     */
    @Test
    void kswapdCutsTheSmallerTypeAndScalesTheOtherAnon() {
        Machine m = ShrinkListTest.big(SwapConfig.of(65, true));
        coldAnon(m, 0x100, 60);
        long[] act = coldAnon(m, 0x200, 50);
        for (int i = 0; i < act.length; i++) m.rmap().access(1, 0x200 + i, false, 0); // young again
        activate(m, act);
        files(m, 1, 45);
        activate(m, files(m, 2, 10));
        assertArrayEquals(new long[] {60, 50, 45, 10}, sizes(m.reclaim()));
        Reclaim rc = m.reclaim();
        Vmscan.ScanControl sc = ShrinkListTest.directSc();
        sc.kswapd = true;
        sc.priority = 0;
        sc.nr_to_reclaim = 10;
        sc.may_deactivate = Vmscan.DEACTIVATE_ANON;
        rc.vmscan.shrink_lruvec(sc);
        assertEquals(78, sc.nr_reclaimed);
        assertEquals(38, rc.stats.pgrefill);
        assertEquals(38, rc.stats.pgdeactivate);
        assertEquals(32, rc.stats.pgscanFile);
        assertEquals(46, rc.stats.pgscanAnon);
        assertEquals(46, rc.stats.pgstealAnon);
        assertEquals(32, rc.stats.pgstealFile);
        assertArrayEquals(new long[] {60 - 46 + 38, 12, 13, 10}, sizes(rc));
        int deactivated = 0;
        for (long p : act) {
            int f = m.mem().flags[m.mem().idx(p)];
            if ((f & PageFlags.PG_active) == 0) {
                deactivated++;
                assertTrue((f & PageFlags.PG_workingset) != 0);
            }
        }
        assertEquals(38, deactivated);
        // shrink_active_list(): lru_note_cost(anon, 0, nr_rotated 0) adds nothing; the inactive
        // shrinks add nr_io * 32 + rotated and halve when above lrusize / 4
        noWarnings(m);
        // shrink_lruvec()'s tail: inactive anon (60 - 46 + 38 = 52) is not below active (12): no aging
        assertFalse(rc.vmscan.inactive_is_low(IA));
    }

    /**
     * mm/vmscan.c, shrink_lruvec(): proportional_reclaim is only for direct reclaim at
     * DEF_PRIORITY; a direct reclaimer at priority 0 cuts like kswapd above (PGSCAN_DIRECT this
     * time). At DEF_PRIORITY lists this small give targets of size &gt;&gt; 12 = 0: nothing scanned.
     */
    @Test
    void directReclaimBelowDefPriorityAlsoCuts() {
        Machine m = fourLists(SwapConfig.of(65, true), 45, 10, 60, 50);
        Reclaim rc = m.reclaim();
        Vmscan.ScanControl sc = ShrinkListTest.directSc();
        sc.priority = 0;
        sc.nr_to_reclaim = 10;
        sc.may_deactivate = Vmscan.DEACTIVATE_FILE;
        rc.vmscan.shrink_lruvec(sc);
        assertEquals(78, sc.nr_reclaimed);
        assertEquals(78, rc.stats.pgscanDirect);
        assertEquals(0, rc.stats.pgscanKswapd);
        Vmscan.ScanControl def = ShrinkListTest.directSc();
        rc.vmscan.shrink_lruvec(def);
        assertEquals(0, def.nr_reclaimed, "every list >> 12 is 0");
    }

    /**
     * mm/vmscan.c, shrink_lruvec() with nr_to_reclaim never met (direct reclaim wanting more than
     * there is): every target is scanned in full. Priority 0, SCAN_EQUAL: IA 45 and IF 60 in
     * batches of 32, the active lists deactivated in full (AA 10 + AF 50 = 60 PGREFILL). The
     * deactivated folios join the head of their inactive list, behind the originals, and the
     * inactive targets (fixed by get_scan_count() before) run out before reaching them.
     */
    @Test
    void anUnmetTargetScansEverything() {
        Machine m = fourLists(SwapConfig.of(129, true), 45, 10, 60, 50);
        Reclaim rc = m.reclaim();
        Vmscan.ScanControl sc = ShrinkListTest.directSc();
        sc.priority = 0;
        sc.nr_to_reclaim = 1000;
        sc.may_deactivate = Vmscan.DEACTIVATE_FILE | Vmscan.DEACTIVATE_ANON;
        rc.vmscan.shrink_lruvec(sc);
        // round 1: IA 32, AA 10 (to IA's head), IF 32, AF 32 (to IF's head); round 2: IA 13 of the
        // 13 + 10: the oldest originals; IF 28 of 28 + 32: the originals; AF 18.
        assertEquals(32 + 13 + 32 + 28, sc.nr_reclaimed);
        assertEquals(60, rc.stats.pgrefill);
        assertArrayEquals(new long[] {10, 0, 50, 0}, sizes(rc));
        noWarnings(m);
    }

    /**
     * mm/vmscan.c, shrink_list(): an active list is shrunk only when sc-&gt;may_deactivate has its
     * type's bit (DEACTIVATE_ANON 1, DEACTIVATE_FILE 2), else skipped_deactivate; it never
     * reclaims. shrink_active_list() on file folios: PGREFILL the scanned, each deactivated
     * (PG_workingset) to the inactive head in order, PGDEACTIVATE; lru_note_cost(file, 0, 0) adds
     * nothing.
     */
    @Test
    void shrinkListOnActiveListsFollowsMayDeactivate() {
        Machine m = fourLists();
        Reclaim rc = m.reclaim();
        Vmscan.ScanControl sc = ShrinkListTest.directSc();
        sc.may_deactivate = Vmscan.DEACTIVATE_ANON;
        assertEquals(0, rc.vmscan.shrink_list(AF, 5, sc));
        assertTrue(sc.skipped_deactivate);
        assertEquals(0, rc.stats.pgrefill);
        sc.skipped_deactivate = false;
        sc.may_deactivate = Vmscan.DEACTIVATE_FILE;
        List<Integer> af = rc.lruvec().pages(AF);
        assertEquals(0, rc.vmscan.shrink_list(AF, 5, sc));
        assertFalse(sc.skipped_deactivate);
        assertEquals(5, rc.stats.pgrefill);
        assertEquals(5, rc.stats.pgdeactivate);
        assertArrayEquals(new long[] {40, 8, 41, 7}, sizes(rc));
        // the five from AF's tail, now at IF's head in the same order
        assertEquals(af.subList(7, 12), rc.lruvec().pages(IF).subList(0, 5));
        for (int p : af.subList(7, 12)) assertTrue((m.mem().flags[p] & PageFlags.PG_workingset) != 0);
        assertEquals(0, rc.lruvec().fileCost);
        sc.may_deactivate = Vmscan.DEACTIVATE_FILE;
        assertEquals(0, rc.vmscan.shrink_list(AA, 3, sc));
        assertTrue(sc.skipped_deactivate);
        sc.may_deactivate = Vmscan.DEACTIVATE_ANON;
        assertEquals(0, rc.vmscan.shrink_list(AA, 3, sc));
        assertArrayEquals(new long[] {43, 5, 41, 7}, sizes(rc));
        assertEquals(8, rc.stats.pgdeactivate);
        noWarnings(m);
    }

    /**
     * mm/vmscan.c, shrink_lruvec()'s end: with swap (can_age_anon_pages()) and the inactive anon
     * list low (inactive &lt; active), shrink_active_list(SWAP_CLUSTER_MAX) ages the active anon
     * list even when nothing was to be scanned.
     */
    @Test
    void shrinkLruvecAgesALowInactiveAnonList() {
        Machine m = ShrinkListTest.big(SwapConfig.of(65, true));
        coldAnon(m, 0x100, 2);
        activate(m, coldAnon(m, 0x200, 40));
        Reclaim rc = m.reclaim();
        Vmscan.ScanControl sc = ShrinkListTest.directSc(); // DEF_PRIORITY: every target 0
        rc.vmscan.shrink_lruvec(sc);
        assertEquals(32, rc.stats.pgrefill);
        assertArrayEquals(new long[] {34, 8, 0, 0}, sizes(rc));
        // without swap there is no anon aging
        Machine n = ShrinkListTest.big(SwapConfig.NONE);
        coldAnon(n, 0x100, 2);
        activate(n, coldAnon(n, 0x200, 40));
        n.reclaim().vmscan.shrink_lruvec(ShrinkListTest.directSc());
        assertEquals(0, n.reclaim().stats.pgrefill);
        // with swap but inactive not low: none either
        Machine k = ShrinkListTest.big(SwapConfig.of(65, true));
        coldAnon(k, 0x100, 20);
        activate(k, coldAnon(k, 0x200, 20));
        k.reclaim().vmscan.shrink_lruvec(ShrinkListTest.directSc());
        assertEquals(0, k.reclaim().stats.pgrefill);
    }

    /**
     * mm/vmscan.c, shrink_active_list(): a referenced folio of an executable file mapping would
     * get another trip on the active list; in the model page cache folios are never mapped, so
     * every file folio is deactivated and nr_rotated stays 0. An anonymous folio in a VM_EXEC
     * mapping is not a file folio: deactivated too.
     */
    @Test
    void shrinkActiveListDeactivatesAnonEvenWhenReferenced() {
        Machine m = ShrinkListTest.big(SwapConfig.of(65, true));
        long[] a = coldAnon(m, 0x100, 3);
        for (int i = 0; i < 3; i++) m.rmap().access(1, 0x100 + i, false, 0);
        activate(m, a);
        Reclaim rc = m.reclaim();
        long age = rc.lruvec().nonresidentAge;
        rc.trace().enable(true);
        rc.vmscan.shrink_active_list(32, ShrinkListTest.directSc(), AA);
        assertEquals(3, rc.trace().moves().size());
        for (ReclaimTrace.Move mv : rc.trace().moves()) {
            assertEquals(new ReclaimTrace.Move(mv.pfn(), AA, IA, "direct reclaim: shrink_active_list"), mv);
        }
        assertArrayEquals(new long[] {3, 0, 0, 0}, sizes(rc));
        assertEquals(3, rc.stats.pgdeactivate);
        assertEquals(3, rc.stats.pgrefill);
        assertEquals(age, rc.lruvec().nonresidentAge, "deactivated folios come back inactive: no aging");
        assertEquals(0, rc.lruvec().anonCost);
        noWarnings(m);
    }

    // ------------------------------------------------------------------ shrink_node

    /**
     * mm/vmscan.c, shrink_node(): kswapd sets PGDAT_WRITEBACK when every folio it took was under
     * writeback (sc-&gt;nr.writeback == sc-&gt;nr.taken), which the memset of sc-&gt;nr at the start
     * makes independent of earlier counts; nothing reclaimed leaves kswapd_failures alone and, as
     * cache_trim_mode was on, sets cache_trim_mode_failed.
     */
    @Test
    void kswapdNotesAllWritebackAsPgdatWriteback() {
        Machine m = ShrinkListTest.big(SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        ShrinkListTest.underWriteback(m, 1);
        ShrinkListTest.underWriteback(m, 2);
        m.node().kswapdFailures = 3;
        Vmscan.ScanControl sc = ShrinkListTest.directSc();
        sc.kswapd = true;
        sc.priority = 0;
        sc.nrTaken = 7; // stale counts from an earlier round
        sc.nrDirty = 5;
        sc.nr_reclaimed = 5; // earlier rounds' progress: "reclaimable" is this node's progress only
        rc.vmscan.shrink_node(sc);
        assertEquals(5, sc.nr_reclaimed);
        assertEquals(2, sc.nrTaken);
        assertEquals(2, sc.nrWriteback);
        assertEquals(Vmscan.PGDAT_WRITEBACK, rc.pgdatFlags(), "not PGDAT_DIRTY: nothing unqueued dirty");
        assertEquals(0, rc.lruvec().flags, "nr.dirty 2 != nr.congested 0");
        assertEquals(3, m.node().kswapdFailures);
        assertTrue(sc.cache_trim_mode && sc.cache_trim_mode_failed);
        // direct reclaim notes nothing
        Machine d = ShrinkListTest.big(SwapConfig.NONE);
        ShrinkListTest.underWriteback(d, 1);
        Vmscan.ScanControl dsc = ShrinkListTest.directSc();
        dsc.priority = 0;
        d.reclaim().vmscan.shrink_node(dsc);
        assertEquals(1, dsc.nrWriteback);
        assertEquals(0, d.reclaim().pgdatFlags());
    }

    /**
     * mm/vmscan.c, shrink_node(): kswapd finding only dirty file folios not queued for I/O
     * (sc-&gt;nr.unqueued_dirty == sc-&gt;nr.file_taken) sets PGDAT_DIRTY; finding every dirty folio
     * congested (writeback with PG_reclaim: nr.dirty == nr.congested) sets LRUVEC_NODE_CONGESTED.
     */
    @Test
    void kswapdNotesDirtyAndCongested() {
        Machine m = ShrinkListTest.big(SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        ShrinkListTest.written(m, 1);
        ShrinkListTest.written(m, 2);
        Vmscan.ScanControl sc = ShrinkListTest.directSc();
        sc.kswapd = true;
        sc.priority = 0;
        rc.vmscan.shrink_node(sc);
        assertEquals(2, sc.nrUnqueuedDirty);
        assertEquals(Vmscan.PGDAT_DIRTY, rc.pgdatFlags());
        assertEquals(0, rc.lruvec().flags);

        Machine c = ShrinkListTest.big(SwapConfig.NONE);
        long p = ShrinkListTest.underWriteback(c, 1);
        c.mem().flags[c.mem().idx(p)] |= PageFlags.PG_reclaim;
        Vmscan.ScanControl csc = ShrinkListTest.directSc();
        csc.kswapd = true;
        csc.priority = 0;
        c.reclaim().vmscan.shrink_node(csc);
        assertEquals(1, csc.nrCongested);
        assertEquals(Lruvec.LRUVEC_NODE_CONGESTED, c.reclaim().lruvec().flags);
        assertEquals(Vmscan.PGDAT_WRITEBACK, c.reclaim().pgdatFlags());
        // direct reclaim: the same folios set no congestion
        Machine d = ShrinkListTest.big(SwapConfig.NONE);
        long q = ShrinkListTest.underWriteback(d, 1);
        d.mem().flags[d.mem().idx(q)] |= PageFlags.PG_reclaim;
        Vmscan.ScanControl dsc = ShrinkListTest.directSc();
        dsc.priority = 0;
        d.reclaim().vmscan.shrink_node(dsc);
        assertEquals(1, dsc.nrCongested);
        assertEquals(0, d.reclaim().lruvec().flags);
    }

    /**
     * mm/vmscan.c, shrink_node(): progress (reclaimable) resets kswapd_failures; without
     * progress and without cache_trim_mode nothing is marked. For order 0 should_continue_reclaim()
     * is false (not in reclaim/compaction), so one pass: priority 0 on 70 clean file folios,
     * nr_to_reclaim 32 met after the first batch: 32 reclaimed.
     */
    @Test
    void progressResetsKswapdFailuresAndOrderZeroMakesOnePass() {
        Machine m = ShrinkListTest.big(SwapConfig.NONE);
        files(m, 1, 70);
        m.node().kswapdFailures = 5;
        Vmscan.ScanControl sc = ShrinkListTest.directSc();
        sc.priority = 0;
        m.reclaim().vmscan.shrink_node(sc);
        assertEquals(32, sc.nr_reclaimed);
        assertEquals(0, m.node().kswapdFailures);
        assertFalse(sc.cache_trim_mode_failed);
    }

    /**
     * mm/vmscan.c, should_continue_reclaim() and in_reclaim_compaction(): for a costly order
     * (&gt; PAGE_ALLOC_COSTLY_ORDER) with __GFP_IO, shrink_node() goes round again while a pass
     * reclaims something, no zone meets its min watermark for the order, compaction is not
     * suitable and the inactive lists hold more than compact_gap(order). Here memory is filled
     * with clean page cache, so the first pass (32 pages) is not enough and it continues; it
     * stops as soon as the stop conditions hold. Without __GFP_IO, or at order 0, one pass; for
     * order 2 whose watermark is already met, one pass; a pass that reclaims nothing ends it; and
     * with an order-4 block free all along (variant 5: nothing taken by GFP_ATOMIC), one pass
     * meets the watermark before compaction would be suitable.
     */
    @Test
    void reclaimCompactionContinuesUntilCompactionCouldRun() {
        for (int variant = 0; variant < 6; variant++) {
            Machine m = ReclaimTest.machine(256, SwapConfig.NONE);
            Reclaim rc = m.reclaim();
            Zone z = m.zone(ZoneType.NORMAL);
            // clean folios (file 1) and dirty ones (file 2) alternate in memory, so what reclaim
            // frees cannot merge into larger blocks; then GFP_ATOMIC takes single pages until no
            // zone meets the min watermark at order 4
            for (int i = 0; !rc.kswapdRunnable(); i++) {
                if (variant != 4) rc.fileRead(1, i);
                rc.fileWrite(2, i, 1);
            }
            while (variant != 5 && m.pageAlloc().zone_watermark_ok(z, 4, z.minWmarkPages(), NORMAL, 0)) {
                assertTrue(m.allocPages(Gfp.GFP_ATOMIC, 0) >= 0);
            }
            Vmscan.ScanControl sc = ShrinkListTest.directSc();
            sc.priority = 0;
            sc.order = variant == 2 ? 2 : 4;
            if (variant == 1) sc.gfp_mask = Gfp.GFP_KERNEL & ~(Gfp.__GFP_IO | Gfp.__GFP_FS);
            if (variant == 3) sc.order = 0;
            int o = sc.order;
            assertEquals(variant == 5, m.pageAlloc().zone_watermark_ok(z, 4, z.minWmarkPages(), sc.reclaim_idx, 0),
                    "a free order-4 block at the min watermark to start with: only variant 5");
            rc.vmscan.shrink_node(sc);
            if (variant == 0) {
                // free 27, min 4, low 29, no order-4 block: pass 1 reclaims 32 (scanning 64: the
                // dirty half is activated): free 59 is below compaction_suitable()'s order-0 mark
                // min + compact_gap(4) + (low - min) = 61 and no order-4 block yet, and 164 inactive
                // file pages > compact_gap(4) = 32: continue. Pass 2: free 91 >= 61, and the
                // fragmentation index (no order-4 block, 65 order-0 ... blocks) is above 500: suitable, stop.
                assertEquals(27 + 64, z.nrFreePages);
                assertEquals(64, sc.nr_reclaimed, "it went round again, once");
                assertTrue(rc.vmscan.compaction_suitable(z, o, z.minWmarkPages(), sc.reclaim_idx));
                assertFalse(m.pageAlloc().zone_watermark_ok(z, o, z.minWmarkPages(), sc.reclaim_idx, 0));
            } else if (variant == 2) {
                // order 2 at priority 0 is reclaim/compaction too, but two free order-2 blocks
                // already meet the min watermark for it: "Allocation can already succeed", one pass
                assertTrue(m.pageAlloc().zone_watermark_ok(z, o, z.minWmarkPages(), sc.reclaim_idx, 0));
                assertEquals(32, sc.nr_reclaimed);
            } else if (variant == 5) {
                // an order-4 block was free all along: after one pass the watermark is met, though
                // compaction would not be suitable yet: zone_watermark_ok() alone stops it
                // free 28 with one order-4 block; after the pass 60 < 61: not suitable
                assertEquals(32, sc.nr_reclaimed);
                assertEquals(28 + 32, z.nrFreePages);
                assertTrue(m.pageAlloc().zone_watermark_ok(z, o, z.minWmarkPages(), sc.reclaim_idx, 0));
                assertFalse(rc.vmscan.compaction_suitable(z, o, z.minWmarkPages(), sc.reclaim_idx));
            } else if (variant == 4) {
                // only dirty folios: a pass that reclaims nothing ends it ("if (!nr_reclaimed) return false")
                assertEquals(0, sc.nr_reclaimed);
            } else {
                assertEquals(32, sc.nr_reclaimed, "variant " + variant + ": one pass");
            }
        }
    }

    /**
     * mm/vmscan.c, should_continue_reclaim()'s last test: "inactive_lru_pages &gt;
     * pages_for_compaction", strictly. 48 clean and 48 dirty page cache folios alternate in
     * memory, anonymous memory (no swap: not reclaimable, and not counted) fills the rest, and
     * GFP_ATOMIC takes single pages until no order-4 block meets the min watermark. An order-4
     * direct reclaim at priority 0 scans 64 of the 96 inactive file folios (32 clean reclaimed,
     * 32 dirty activated), leaving exactly 32 = compact_gap(4) inactive: with compaction not yet
     * suitable and no order-4 block, it stops only because 32 &gt; 32 is false.
     */
    @Test
    void reclaimCompactionStopsWhenTheInactiveListsAreAtTheGap() {
        Machine m = ReclaimTest.machine(256, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        Zone z = m.zone(ZoneType.NORMAL);
        for (int i = 0; i < 48; i++) {
            rc.fileRead(1, i);
            rc.fileWrite(2, i, 1);
        }
        m.rmap().mmap(1, 0x1000, 256);
        for (int i = 0; !rc.kswapdRunnable(); i++) m.rmap().access(1, 0x1000 + i, true, 1);
        while (m.pageAlloc().zone_watermark_ok(z, 4, z.minWmarkPages(), NORMAL, 0)) {
            assertTrue(m.allocPages(Gfp.GFP_ATOMIC, 0) >= 0);
        }
        assertEquals(96, rc.lruvec().size(IF));
        long free = z.nrFreePages;
        Vmscan.ScanControl sc = ShrinkListTest.directSc();
        sc.priority = 0;
        sc.order = 4;
        rc.vmscan.shrink_node(sc);
        assertEquals(32, sc.nr_reclaimed);
        assertEquals(32, rc.lruvec().size(IF));
        assertEquals(free + 32, z.nrFreePages);
        assertFalse(rc.vmscan.compaction_suitable(z, 4, z.minWmarkPages(), NORMAL), "free " + z.nrFreePages);
        assertFalse(m.pageAlloc().zone_watermark_ok(z, 4, z.minWmarkPages(), NORMAL, 0));
    }

    /**
     * mm/vmscan.c, shrink_lruvec(): when both types have the same amount left (nr_file 28 ==
     * nr_anon 28, not nr_file &gt; nr_anon) it is the file scan that stops and anon that is
     * scaled. kswapd, priority 0 (SCAN_EQUAL), nr_to_reclaim 10, no deactivation: targets IA 60,
     * AA 10, IF 60, AF 10; round 1 scans IA 32, IF 32 (AA and AF skipped, done); percentage =
     * 28 * 100 / (60 + 10 + 1) = 39; IA: 60 * 61 / 100 = 36 minus 32: 4; AA: 6 minus 10: 0.
     * Round 2: IA 4. PGSCAN_ANON 36, PGSCAN_FILE 32.
     */
    @Test
    void aTieStopsFileAndScalesAnon() {
        Machine m = ShrinkListTest.big(SwapConfig.of(65, true));
        coldAnon(m, 0x100, 60);
        activate(m, coldAnon(m, 0x200, 10));
        files(m, 1, 60);
        activate(m, files(m, 2, 10));
        Reclaim rc = m.reclaim();
        Vmscan.ScanControl sc = ShrinkListTest.directSc();
        sc.kswapd = true;
        sc.priority = 0;
        sc.nr_to_reclaim = 10;
        rc.vmscan.shrink_lruvec(sc);
        assertEquals(36, rc.stats.pgscanAnon);
        assertEquals(32, rc.stats.pgscanFile);
        assertEquals(68, sc.nr_reclaimed);
    }

    /**
     * mm/vmscan.c, shrink_lruvec(): a direct reclaimer at DEF_PRIORITY (proportional_reclaim)
     * scans its targets in full even once nr_to_reclaim is met; kswapd at the same priority
     * stops. Targets at DEF_PRIORITY are size &gt;&gt; 12, so the zone's NR_ZONE_INACTIVE_FILE
     * (what lruvec_lru_size() reads) is set to 33 &lt;&lt; 12 over a list of 40 clean folios:
     * target 33 (no swap: SCAN_FILE). Direct: 32 then 1: 33 reclaimed. kswapd: 32 &gt;= 1 with
     * nothing left of anon: break, 32.
     */
    @Test
    void proportionalReclaimScansTheWholeTargetAtDefPriority() {
        for (boolean kswapd : new boolean[] {false, true}) {
            Machine m = ShrinkListTest.big(SwapConfig.NONE);
            files(m, 1, 40);
            Reclaim rc = m.reclaim();
            rc.lruvec().zoneLruSize[NORMAL][IF] = 33L << 12;
            Vmscan.ScanControl sc = ShrinkListTest.directSc();
            sc.kswapd = kswapd;
            sc.nr_to_reclaim = 1;
            rc.vmscan.shrink_lruvec(sc);
            assertEquals(kswapd ? 32 : 33, sc.nr_reclaimed, "kswapd " + kswapd);
            assertEquals(40 - sc.nr_reclaimed, rc.lruvec().size(IF));
        }
    }

    /**
     * mm/vmscan.c, lruvec_lru_size(): only managed zones up to the index count
     * (for_each_managed_zone_pgdat()); ZONE_DMA is not present in these machines.
     */
    @Test
    void lruvecLruSizeCountsManagedZonesUpToTheIndex() {
        Machine m = ShrinkListTest.big(SwapConfig.NONE);
        files(m, 1, 5);
        Vmscan v = m.reclaim().vmscan;
        Lruvec l = m.reclaim().lruvec();
        l.zoneLruSize[ZoneType.DMA.idx()][IF] = 100; // an unmanaged zone: never counted
        assertEquals(0, v.lruvec_lru_size(IF, ZoneType.DMA32.idx()));
        assertEquals(5, v.lruvec_lru_size(IF, NORMAL));
        assertEquals(5, v.lruvec_lru_size(IF, ZoneType.MAX_NR_ZONES - 1));
        l.zoneLruSize[ZoneType.DMA.idx()][IF] = 0;
    }

    /**
     * mm/vmscan.c, update_reclaim_active() around balance_pgdat(): ZONE_RECLAIM_ACTIVE is set on
     * the managed zones up to highest_zoneidx while kswapd reclaims and cleared when it is done;
     * zones above the index or not managed are not touched. A balanced node goes straight out:
     * the flag is cleared again.
     */
    @Test
    void reclaimActiveIsClearedOnTheManagedZonesUpToTheIndex() {
        Machine m = ShrinkListTest.big(SwapConfig.NONE);
        Zone dma = m.node().zones[ZoneType.DMA.idx()];
        Zone normal = m.zone(ZoneType.NORMAL);
        Zone movable = m.node().zones[ZoneType.MOVABLE.idx()];
        assertFalse(dma.managed());
        dma.flags |= Zone.ZONE_RECLAIM_ACTIVE;
        normal.flags |= Zone.ZONE_RECLAIM_ACTIVE;
        movable.flags |= Zone.ZONE_RECLAIM_ACTIVE;
        m.reclaim().vmscan.balance_pgdat(0, NORMAL);
        assertEquals(0, normal.flags & Zone.ZONE_RECLAIM_ACTIVE);
        assertEquals(Zone.ZONE_RECLAIM_ACTIVE, dma.flags & Zone.ZONE_RECLAIM_ACTIVE, "not managed");
        assertEquals(Zone.ZONE_RECLAIM_ACTIVE, movable.flags & Zone.ZONE_RECLAIM_ACTIVE, "above highest_zoneidx");
    }

    static void noWarnings(Machine m) {
        ReclaimTest.noWarnings(m);
    }
}
