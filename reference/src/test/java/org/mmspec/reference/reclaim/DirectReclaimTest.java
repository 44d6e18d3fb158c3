package org.mmspec.reference.reclaim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.PageAlloc;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;

/**
 * The predicates and the driver of direct reclaim in mm/vmscan.c (v6.18), and the helpers it
 * borrows from mm/vmstat.c, mm/compaction.c and lib/math/int_sqrt.c: int_sqrt(),
 * inactive_is_low(), zone_reclaimable_pages(), lruvec_lru_size(), can_reclaim_anon_pages(),
 * can_age_anon_pages(), __fragmentation_index(), compaction_suitable(), compaction_ready(),
 * prepare_scan_control(), allow_direct_reclaim(), do_try_to_free_pages() and
 * try_to_free_pages(). The unit tests set the counters the function reads and compare with the
 * value worked out by hand from the kernel's formula, given in each comment.
 */
class DirectReclaimTest {
    static final int NORMAL = ZoneType.NORMAL.idx();

    static Machine machine(long pages, SwapConfig swap) {
        return ReclaimTest.machine(pages, swap);
    }

    static Vmscan vm(Machine m) {
        return m.reclaim().vmscan;
    }

    // ------------------------------------------------------------------ int_sqrt, inactive_is_low

    /** lib/math/int_sqrt.c: the floor of the square root, exact at and around perfect squares and past double precision. */
    @Test
    void intSqrtIsTheFloorOfTheSquareRoot() {
        long[][] cases = {{0, 0}, {1, 1}, {2, 1}, {3, 1}, {4, 2}, {8, 2}, {9, 3}, {10, 3}, {15, 3}, {16, 4}, {17, 4},
                {20, 4}, {24, 4}, {25, 5}, {1_000_000, 1000}, {999_999, 999},
                // (double) (2^62 - 1) rounds up to 2^62, whose root 2^31 is one too many
                {(1L << 62) - 1, (1L << 31) - 1}, {1L << 62, 1L << 31},
                {4611686022722355200L, 2147483648L},
                // near Long.MAX_VALUE (s + 1)^2 overflows: floor(sqrt(2^63 - 1)) = 3037000499
                {Long.MAX_VALUE, 3037000499L}, {3037000499L * 3037000499L, 3037000499L}};
        for (long[] c : cases) assertEquals(c[1], Vmscan.int_sqrt(c[0]), "int_sqrt(" + c[0] + ")");
    }

    /**
     * mm/vmscan.c, inactive_is_low(): gb = (inactive + active) >> (30 - PAGE_SHIFT); the ratio is
     * int_sqrt(10 * gb), 1 below 1 GiB; low when inactive * ratio < active.
     */
    @Test
    void inactiveIsLowAgainstTheRatio() {
        Machine m = machine(128, SwapConfig.NONE);
        Lruvec l = m.reclaim().lruvec();
        Vmscan v = vm(m);
        int ia = Lruvec.LRU_INACTIVE_FILE;
        // below 1 GiB: ratio 1
        l.nrPages[ia] = 10;
        l.nrPages[ia + Lruvec.LRU_ACTIVE] = 10;
        assertFalse(v.inactive_is_low(ia), "10 * 1 < 10 is false");
        assertFalse(m.reclaim().inactiveIsLow(ia));
        l.nrPages[ia + Lruvec.LRU_ACTIVE] = 11;
        assertTrue(v.inactive_is_low(ia));
        assertTrue(m.reclaim().inactiveIsLow(ia));
        // 1 GiB = 2^18 pages: (100000 + 200000) >> 18 = 1, ratio int_sqrt(10) = 3
        l.nrPages[ia] = 100_000;
        l.nrPages[ia + Lruvec.LRU_ACTIVE] = 200_000;
        assertFalse(v.inactive_is_low(ia), "300000 < 200000 is false (a ratio of 1 would say 100000 < 200000)");
        l.nrPages[ia + Lruvec.LRU_ACTIVE] = 300_001;
        assertTrue(v.inactive_is_low(ia), "(400001 >> 18) = 1: 300000 < 300001");
        // 2 GiB: (120000 + 480000) >> 18 = 2, ratio int_sqrt(20) = 4
        l.nrPages[ia] = 120_000;
        l.nrPages[ia + Lruvec.LRU_ACTIVE] = 480_000;
        assertFalse(v.inactive_is_low(ia), "480000 < 480000 is false");
        l.nrPages[ia + Lruvec.LRU_ACTIVE] = 480_001;
        assertTrue(v.inactive_is_low(ia));
        // the anon pair is separate
        assertFalse(v.inactive_is_low(Lruvec.LRU_INACTIVE_ANON), "both anon lists are empty");
        l.nrPages[Lruvec.LRU_ACTIVE_ANON] = 1;
        assertTrue(v.inactive_is_low(Lruvec.LRU_INACTIVE_ANON));
    }

    // ------------------------------------------------------------------ sizes and swap

    /**
     * mm/vmscan.c, zone_reclaimable_pages(): the zone's two file lists, plus its two anon lists when
     * can_reclaim_anon_pages() (get_nr_swap_pages() > 0); can_age_anon_pages(): total_swap_pages > 0.
     * lruvec_lru_size(): the list's pages over the managed zones up to zone_idx.
     */
    @Test
    void zoneReclaimablePagesAndLruSizes() {
        Machine m = machine(128, SwapConfig.of(3, false)); // 2 slots
        Reclaim rc = m.reclaim();
        Vmscan v = vm(m);
        Zone z = m.zone(ZoneType.NORMAL);
        Lruvec l = rc.lruvec();
        long[] saved = l.zoneLruSize[NORMAL].clone();
        Arrays.fill(l.zoneLruSize[NORMAL], 0);
        l.zoneLruSize[NORMAL][Lruvec.LRU_INACTIVE_ANON] = 1;
        l.zoneLruSize[NORMAL][Lruvec.LRU_ACTIVE_ANON] = 2;
        l.zoneLruSize[NORMAL][Lruvec.LRU_INACTIVE_FILE] = 4;
        l.zoneLruSize[NORMAL][Lruvec.LRU_ACTIVE_FILE] = 8;
        assertTrue(v.can_reclaim_anon_pages());
        assertTrue(v.can_age_anon_pages());
        assertEquals(15, v.zone_reclaimable_pages(z));
        assertEquals(15, rc.zoneReclaimablePages(z));
        assertEquals(15, rc.zone_reclaimable_pages(m.pageAlloc(), z));
        rc.si.inusePages = 1;
        assertTrue(v.can_reclaim_anon_pages(), "one slot free");
        assertEquals(15, v.zone_reclaimable_pages(z));
        rc.si.inusePages = 2; // swap full: get_nr_swap_pages() == 0
        assertFalse(v.can_reclaim_anon_pages());
        assertTrue(v.can_age_anon_pages(), "swap is present, though full");
        assertEquals(12, v.zone_reclaimable_pages(z), "the anon lists do not count");
        // a zone's sizes are its own
        assertEquals(0, v.zone_reclaimable_pages(m.node().zones[ZoneType.DMA32.idx()]));
        // lruvec_lru_size(): managed zones only, up to and including zone_idx
        l.zoneLruSize[ZoneType.DMA.idx()][Lruvec.LRU_ACTIVE_FILE] = 100; // DMA is not managed here
        assertFalse(m.node().zones[ZoneType.DMA.idx()].managed());
        assertEquals(8, v.lruvec_lru_size(Lruvec.LRU_ACTIVE_FILE, NORMAL));
        assertEquals(0, v.lruvec_lru_size(Lruvec.LRU_ACTIVE_FILE, ZoneType.DMA32.idx()), "NORMAL is above zone_idx");
        assertEquals(8, v.lruvec_lru_size(Lruvec.LRU_ACTIVE_FILE, ZoneType.MAX_NR_ZONES - 1));
        System.arraycopy(saved, 0, l.zoneLruSize[NORMAL], 0, saved.length);
        // no swap device at all
        Machine n = machine(128, SwapConfig.NONE);
        assertFalse(vm(n).can_reclaim_anon_pages());
        assertFalse(vm(n).can_age_anon_pages());
        Machine one = machine(128, SwapConfig.of(2, false)); // one slot
        assertTrue(vm(one).can_age_anon_pages());
        assertTrue(vm(one).can_reclaim_anon_pages());
    }

    // ------------------------------------------------------------------ fragmentation and compaction

    static void setFree(Zone z, long... perOrder) {
        Arrays.fill(z.nrFree, 0);
        long pages = 0;
        for (int o = 0; o < perOrder.length; o++) {
            z.nrFree[o] = perOrder[o];
            pages += perOrder[o] << o;
        }
        z.nrFreePages = pages;
    }

    /**
     * mm/vmstat.c, fill_contig_blk_info() and __fragmentation_index(): 0 with no free blocks,
     * -1000 when a free block of the order exists (free_blocks_suitable counts blocks of
     * higher orders split to the order), else 1000 - (1000 + free_pages * 1000 / 2^order) /
     * free_blocks_total.
     */
    @Test
    void fragmentationIndex() {
        Machine m = machine(128, SwapConfig.NONE);
        Vmscan v = vm(m);
        Zone z = m.zone(ZoneType.NORMAL);
        setFree(z);
        assertEquals(0, v.fragmentation_index(z, 2), "no free blocks");
        // 10 order-0 + 3 order-1: total 13, free 16, order 2: 1000 - (1000 + 16000/4) / 13 = 1000 - 384
        setFree(z, 10, 3);
        assertEquals(616, v.fragmentation_index(z, 2));
        assertEquals(-1000, v.fragmentation_index(z, 1), "order-1 blocks are free");
        assertEquals(-1000, v.fragmentation_index(z, 0));
        // order 3: 1000 - (1000 + 16000/8) / 13 = 1000 - 230
        assertEquals(770, v.fragmentation_index(z, 3));
        // one order-2 block only: suitable for order 2
        setFree(z, 0, 0, 1);
        assertEquals(-1000, v.fragmentation_index(z, 2));
        // one order-3 block: suitable for order 2 (split into two)
        setFree(z, 0, 0, 0, 1);
        assertEquals(-1000, v.fragmentation_index(z, 2));
        // order 4 with four order-2 blocks: 1000 - (1000 + 16000/16) / 4 = 500
        setFree(z, 0, 0, 4);
        assertEquals(500, v.fragmentation_index(z, 4));
        // two order-3 blocks: 1000 - (1000 + 16000/16) / 2 = 0
        setFree(z, 0, 0, 0, 2);
        assertEquals(0, v.fragmentation_index(z, 4));
        // one order-0 block: 1000 - (1000 + 1000/16) / 1 = -62
        setFree(z, 1);
        assertEquals(-62, v.fragmentation_index(z, 4));
        // 2 order-0 + 1 order-1 + 1 order-2: total 4, free 8, order 3: 1000 - (1000 + 1000) / 4 = 500
        setFree(z, 2, 1, 1);
        assertEquals(500, v.fragmentation_index(z, 3));
    }

    /**
     * mm/compaction.c, __compaction_suitable(): order-0 free pages above watermark +
     * compact_gap(order) (2 << order), plus low - min for orders above PAGE_ALLOC_COSTLY_ORDER;
     * compaction_suitable(): for those orders also not when 0 <= fragindex <= 500
     * (sysctl_extfrag_threshold): the failure would be for lack of memory, not fragmentation.
     */
    @Test
    void compactionSuitable() {
        Machine m = machine(128, SwapConfig.NONE);
        Vmscan v = vm(m);
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(2, Vmscan.compact_gap(0));
        assertEquals(8, Vmscan.compact_gap(2));
        assertEquals(32, Vmscan.compact_gap(4));
        // order 2, watermark 10: order-0 ok needs free > 10 + 8
        setFree(z, 19);
        assertTrue(v.compaction_suitable(z, 2, 10, NORMAL));
        setFree(z, 18);
        assertFalse(v.compaction_suitable(z, 2, 10, NORMAL), "18 is not above 18");
        // order 3 (PAGE_ALLOC_COSTLY_ORDER): no low - min, no fragindex: 1 + 16 pages needed above
        setFree(z, 17);
        assertTrue(v.compaction_suitable(z, 3, 0, NORMAL));
        setFree(z, 16);
        assertFalse(v.compaction_suitable(z, 3, 0, NORMAL));
        // order 3 is not costly: no fragindex check even where it would say lack of memory
        // (five order-2 blocks: 1000 - (1000 + 20000/8) / 5 = 300)
        setFree(z, 0, 0, 5);
        assertEquals(300, v.fragmentation_index(z, 3));
        assertTrue(v.compaction_suitable(z, 3, 0, NORMAL), "20 > 0 + 16, and order 3 skips the fragindex");
        // order 4: watermark + 32 + (low - min)
        long d = z.lowWmarkPages() - z.minWmarkPages();
        assertTrue(d > 0, "the test needs low above min: " + d);
        long need = 5 + 32 + d; // free must exceed this
        setFree(z, need + 1);
        assertEquals(1000 - (1000 + (need + 1) * 1000 / 16) / (need + 1), v.fragmentation_index(z, 4));
        assertTrue(v.fragmentation_index(z, 4) > 500, "many order-0 blocks: fragmentation, not lack of memory");
        assertTrue(v.compaction_suitable(z, 4, 5, NORMAL));
        setFree(z, need);
        assertFalse(v.compaction_suitable(z, 4, 5, NORMAL), "not above watermark + gap + low - min");
        // the free pages as order-3 blocks: fragindex 500 - 1000 / blocks, in 0..500: lack of memory
        long blocks = need / 8 + 1; // 8 * blocks > need
        setFree(z, 0, 0, 0, blocks);
        int fi = v.fragmentation_index(z, 4);
        assertEquals(1000 - (1000 + blocks * 8 * 1000 / 16) / blocks, fi);
        assertTrue(fi >= 0 && fi <= 500, "fragindex " + fi);
        assertFalse(v.compaction_suitable(z, 4, 5, NORMAL));
        // fragindex exactly 500 (still lack of memory): T - 3 order-3 blocks, an order-2 and two
        // order-1 blocks: F = 8T - 16, 1000 - (1000 + (8T - 16) * 1000 / 16) / T = 1000 - 500
        long t = (need + 16) / 8 + 2; // 8t - 16 > need
        setFree(z, 0, 2, 1, t - 3);
        assertEquals(500, v.fragmentation_index(z, 4));
        assertTrue(z.nrFreePages > need);
        assertFalse(v.compaction_suitable(z, 4, 5, NORMAL), "fragindex 500 <= sysctl_extfrag_threshold");
        // an order-4 block is free: fragindex -1000, suitable
        setFree(z, need + 1 - 16, 0, 0, 0, 1);
        assertEquals(-1000, v.fragmentation_index(z, 4));
        assertTrue(v.compaction_suitable(z, 4, 5, NORMAL));
    }

    /**
     * mm/vmscan.c, compaction_ready(): never without __GFP_IO (gfp_compaction_allowed()); ready
     * when the allocation would already succeed at the min watermark, or when compaction is
     * suitable against the high watermark.
     */
    @Test
    void compactionReadyDecidesWhetherDirectReclaimSkipsTheZone() {
        Machine m = machine(128, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        Vmscan v = vm(m);
        Zone z = m.zone(ZoneType.NORMAL);
        // a fresh machine has large free blocks: an order-4 allocation would succeed at min
        assertTrue(m.pageAlloc().zone_watermark_ok(z, 4, z.minWmarkPages(), NORMAL, 0));
        for (int i = 0; i < 8; i++) rc.fileRead(1, i);
        long lru = rc.lruvec().total();
        long allocstall = rc.stats.allocstall;
        // do_try_to_free_pages(): compaction ready in every zone, nothing reclaimed: return 1
        assertEquals(1, v.try_to_free_pages(4, Gfp.GFP_KERNEL));
        assertEquals(lru, rc.lruvec().total(), "shrink_zones() skipped the zone");
        assertEquals(allocstall + 1, rc.stats.allocstall, "one pass: compaction_ready stops the retries");
        // GFP_NOIO: no compaction, so the zone is reclaimed
        long reclaimed = v.try_to_free_pages(4, Gfp.GFP_NOIO);
        assertTrue(reclaimed > 0 && rc.lruvec().total() < lru, reclaimed + " reclaimed");
        // order 3 is not costly: shrink_zones() does not ask compaction_ready()
        for (int i = 0; i < 8; i++) rc.fileRead(2, i);
        long lru2 = rc.lruvec().total();
        assertTrue(v.try_to_free_pages(3, Gfp.GFP_KERNEL) > 1);
        assertTrue(rc.lruvec().total() < lru2);
    }

    // ------------------------------------------------------------------ prepare_scan_control

    static Vmscan.ScanControl sc(int priority) {
        Vmscan.ScanControl sc = new Vmscan.ScanControl();
        sc.priority = priority;
        return sc;
    }

    /**
     * mm/vmscan.c, prepare_scan_control(): the costs copied; DEACTIVATE_ANON/FILE set when the
     * list's WORKINGSET_ACTIVATE count moved since snapshot_refaults() or its inactive list is
     * low, else cleared; both when force_deactivate. cache_trim_mode: inactive file >> priority
     * nonzero, file not deactivatable, and not no_cache_trim_mode.
     */
    @Test
    void prepareScanControlMayDeactivateAndCacheTrimMode() {
        Machine m = machine(128, SwapConfig.NONE);
        Vmscan v = vm(m);
        Lruvec l = m.reclaim().lruvec();
        l.anonCost = 7;
        l.fileCost = 9;
        Vmscan.ScanControl sc = sc(2);
        sc.may_deactivate = Vmscan.DEACTIVATE_ANON | Vmscan.DEACTIVATE_FILE;
        v.prepare_scan_control(sc);
        assertEquals(7, sc.anon_cost);
        assertEquals(9, sc.file_cost);
        assertEquals(0, sc.may_deactivate, "no refaults, nothing low: both cleared");
        // anon refaulted since the snapshot
        l.workingsetActivate[Lruvec.WORKINGSET_ANON] = 3;
        v.prepare_scan_control(sc);
        assertEquals(Vmscan.DEACTIVATE_ANON, sc.may_deactivate);
        l.refaults[Lruvec.WORKINGSET_ANON] = 3;
        v.prepare_scan_control(sc);
        assertEquals(0, sc.may_deactivate);
        // file refaulted
        l.workingsetActivate[Lruvec.WORKINGSET_FILE] = 2;
        v.prepare_scan_control(sc);
        assertEquals(Vmscan.DEACTIVATE_FILE, sc.may_deactivate);
        l.refaults[Lruvec.WORKINGSET_FILE] = 2;
        // inactive lists low
        l.nrPages[Lruvec.LRU_ACTIVE_ANON] = 1;
        v.prepare_scan_control(sc);
        assertEquals(Vmscan.DEACTIVATE_ANON, sc.may_deactivate, "the file bit was cleared again");
        l.nrPages[Lruvec.LRU_ACTIVE_FILE] = 1;
        v.prepare_scan_control(sc);
        assertEquals(Vmscan.DEACTIVATE_ANON | Vmscan.DEACTIVATE_FILE, sc.may_deactivate);
        l.nrPages[Lruvec.LRU_ACTIVE_ANON] = 0;
        v.prepare_scan_control(sc);
        assertEquals(Vmscan.DEACTIVATE_FILE, sc.may_deactivate, "the anon bit cleared, the file bit kept");
        l.nrPages[Lruvec.LRU_ACTIVE_FILE] = 0;
        // force_deactivate sets both whatever the lists say
        sc.force_deactivate = true;
        v.prepare_scan_control(sc);
        assertEquals(Vmscan.DEACTIVATE_ANON | Vmscan.DEACTIVATE_FILE, sc.may_deactivate);
        sc.force_deactivate = false;
        // cache_trim_mode: inactive file 4 >> 2 = 1
        l.nrPages[Lruvec.LRU_INACTIVE_FILE] = 4;
        v.prepare_scan_control(sc);
        assertTrue(sc.cache_trim_mode);
        sc.priority = 3; // 4 >> 3 = 0
        v.prepare_scan_control(sc);
        assertFalse(sc.cache_trim_mode);
        sc.priority = 2;
        sc.no_cache_trim_mode = true;
        v.prepare_scan_control(sc);
        assertFalse(sc.cache_trim_mode, "no_cache_trim_mode");
        sc.no_cache_trim_mode = false;
        l.workingsetActivate[Lruvec.WORKINGSET_FILE] = 5; // file deactivatable
        v.prepare_scan_control(sc);
        assertFalse(sc.cache_trim_mode, "the file list may be deactivated");
        l.refaults[Lruvec.WORKINGSET_FILE] = 5;
        v.prepare_scan_control(sc);
        assertTrue(sc.cache_trim_mode);
    }

    /**
     * mm/vmscan.c, prepare_scan_control(): file_is_tiny when the node's file pages plus its free
     * pages are at most the managed zones' high watermarks summed, the anon list is not to be
     * deactivated, and inactive anon >> priority is nonzero.
     */
    @Test
    void prepareScanControlFileIsTiny() {
        Machine m = machine(128, SwapConfig.NONE);
        Vmscan v = vm(m);
        Lruvec l = m.reclaim().lruvec();
        Zone z = m.zone(ZoneType.NORMAL);
        long high = z.highWmarkPages();
        assertTrue(high > 4, "high " + high);
        // unmanaged zones count neither free pages nor watermarks: only NORMAL is populated here
        z.nrFreePages = high - 3;
        l.nrPages[Lruvec.LRU_INACTIVE_FILE] = 1;
        l.nrPages[Lruvec.LRU_ACTIVE_FILE] = 2;
        l.nrPages[Lruvec.LRU_INACTIVE_ANON] = 4; // 4 >> 2 = 1
        Vmscan.ScanControl sc = sc(2);
        v.prepare_scan_control(sc);
        assertTrue(sc.file_is_tiny, "3 file + (high - 3) free <= high");
        z.nrFreePages = high - 2;
        v.prepare_scan_control(sc);
        assertFalse(sc.file_is_tiny, "high + 1 > high");
        z.nrFreePages = high - 4;
        l.nrPages[Lruvec.LRU_INACTIVE_FILE] = 2;
        v.prepare_scan_control(sc);
        assertTrue(sc.file_is_tiny, "both file lists count: 4 + high - 4");
        l.nrPages[Lruvec.LRU_ACTIVE_FILE] = 3;
        v.prepare_scan_control(sc);
        assertFalse(sc.file_is_tiny, "5 + high - 4");
        l.nrPages[Lruvec.LRU_ACTIVE_FILE] = 2;
        sc.priority = 3; // 4 >> 3 = 0: the anon list is tiny too
        v.prepare_scan_control(sc);
        assertFalse(sc.file_is_tiny);
        sc.priority = 2;
        l.workingsetActivate[Lruvec.WORKINGSET_ANON] = 1; // anon may be deactivated
        v.prepare_scan_control(sc);
        assertFalse(sc.file_is_tiny);
        l.refaults[Lruvec.WORKINGSET_ANON] = 1;
        v.prepare_scan_control(sc);
        assertTrue(sc.file_is_tiny);
        // a high watermark counts only for a managed zone; free pages of every zone count
        m.node().zones[ZoneType.DMA.idx()].nrFreePages = 1;
        v.prepare_scan_control(sc);
        assertFalse(sc.file_is_tiny, "one more free page anywhere tips it");
    }

    // ------------------------------------------------------------------ allow_direct_reclaim

    /**
     * mm/vmscan.c, allow_direct_reclaim(): true once kswapd_failures reached MAX_RECLAIM_RETRIES;
     * over the managed zones up to ZONE_NORMAL, a zone with free pages but nothing reclaimable is
     * skipped; no reserve means true; else free > reserve / 2 (the min watermarks), and when not,
     * a sleeping kswapd is woken with kswapd_highest_zoneidx lowered to ZONE_NORMAL.
     */
    @Test
    void allowDirectReclaimAgainstHalfTheMinWatermarks() {
        Machine m = machine(128, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        Vmscan v = vm(m);
        Zone z = m.zone(ZoneType.NORMAL);
        long min = z.minWmarkPages();
        assertTrue(min >= 3, "min " + min);
        rc.lruvec().zoneLruSize[NORMAL][Lruvec.LRU_INACTIVE_FILE] = 5; // reclaimable
        z.nrFreePages = min / 2 + 1;
        assertTrue(v.allow_direct_reclaim());
        z.nrFreePages = min + 1;
        assertTrue(v.allow_direct_reclaim(), "free above the whole reserve");
        assertFalse(m.node().kswapdWoken);
        long wakeups = m.node().kswapdWakeups;
        m.node().kswapdHighestZoneidx = ZoneType.MAX_NR_ZONES;
        z.nrFreePages = min / 2;
        assertFalse(v.allow_direct_reclaim(), "free == reserve / 2 is not above it");
        assertTrue(m.node().kswapdWoken, "kswapd woken for the throttled");
        assertEquals(NORMAL, m.node().kswapdHighestZoneidx);
        assertEquals(wakeups + 1, m.node().kswapdWakeups);
        assertFalse(v.allow_direct_reclaim());
        assertEquals(wakeups + 1, m.node().kswapdWakeups, "an awake kswapd is not woken again");
        m.node().kswapdWoken = false;
        m.node().kswapdHighestZoneidx = ZoneType.DMA32.idx();
        z.nrFreePages = 0;
        assertFalse(v.allow_direct_reclaim());
        assertEquals(ZoneType.DMA32.idx(), m.node().kswapdHighestZoneidx, "a lower request is kept");
        // hopeless node: never throttle
        m.node().kswapdFailures = PageAlloc.MAX_RECLAIM_RETRIES - 1;
        assertFalse(v.allow_direct_reclaim());
        m.node().kswapdFailures = PageAlloc.MAX_RECLAIM_RETRIES;
        assertTrue(v.allow_direct_reclaim());
        m.node().kswapdFailures = 0;
        // nothing reclaimable: a zone with free pages is skipped, leaving no reserve
        rc.lruvec().zoneLruSize[NORMAL][Lruvec.LRU_INACTIVE_FILE] = 0;
        z.nrFreePages = 1;
        assertTrue(v.allow_direct_reclaim(), "no reserve: do not throttle");
        z.nrFreePages = 0;
        assertFalse(v.allow_direct_reclaim(), "no free pages: the zone counts");
        // anon pages count as reclaimable only with swap space: none here
        rc.lruvec().zoneLruSize[NORMAL][Lruvec.LRU_ACTIVE_ANON] = 5;
        z.nrFreePages = 1;
        assertTrue(v.allow_direct_reclaim());
    }

    /** allow_direct_reclaim() sums the zones up to ZONE_NORMAL, ZONE_MOVABLE excluded. */
    @Test
    void allowDirectReclaimSumsTheZonesUpToNormal() {
        MachineConfig cfg = MachineConfig.of("t2", 6, 3, List.of(ZoneConfig.of(ZoneType.DMA32, 0, 128),
                ZoneConfig.of(ZoneType.NORMAL, 128, 128), ZoneConfig.of(ZoneType.MOVABLE, 256, 128)))
                .withMinFreeKbytes(64).withWatermarkScaleFactor(1000).withSwap(SwapConfig.NONE);
        Machine m = new Machine(cfg);
        Reclaim rc = m.reclaim();
        Vmscan v = vm(m);
        Zone d = m.zone(ZoneType.DMA32);
        Zone n = m.zone(ZoneType.NORMAL);
        Zone mv = m.zone(ZoneType.MOVABLE);
        for (Zone z : new Zone[] {d, n, mv}) rc.lruvec().zoneLruSize[z.idx][Lruvec.LRU_INACTIVE_FILE] = 1;
        long reserve = d.minWmarkPages() + n.minWmarkPages();
        assertTrue(d.minWmarkPages() > 1 && n.minWmarkPages() > 1, d.minWmarkPages() + " " + n.minWmarkPages());
        mv.nrFreePages = 1000;
        d.nrFreePages = reserve / 2;
        n.nrFreePages = 0;
        assertFalse(v.allow_direct_reclaim(), "free " + reserve / 2 + " of reserve " + reserve + "; ZONE_MOVABLE does not count");
        m.node().kswapdWoken = false;
        d.nrFreePages = 0;
        n.nrFreePages = reserve / 2 + 1;
        assertTrue(v.allow_direct_reclaim());
        d.nrFreePages = 1;
        n.nrFreePages = reserve / 2;
        assertTrue(v.allow_direct_reclaim(), "both zones' free pages add up");
        // a zone with free pages and nothing reclaimable drops out with its reserve
        rc.lruvec().zoneLruSize[d.idx][Lruvec.LRU_INACTIVE_FILE] = 0;
        d.nrFreePages = 1000;
        n.nrFreePages = n.minWmarkPages() / 2;
        assertFalse(v.allow_direct_reclaim(), "DMA32's 1000 free pages are not counted");
        m.node().kswapdWoken = false;
        n.nrFreePages = n.minWmarkPages() / 2 + 1;
        assertTrue(v.allow_direct_reclaim());
    }

    // ------------------------------------------------------------------ try_to_free_pages

    /**
     * mm/vmscan.c, try_to_free_pages() -> throttle_direct_reclaim(): counted when the first node
     * with a usable zone up to ZONE_NORMAL fails allow_direct_reclaim(); a request whose highest
     * zone is below every populated zone has no such zone. do_try_to_free_pages() then makes two
     * passes (the second with memcg_full_walk) when nothing is reclaimed, each counting
     * ALLOCSTALL, and snapshot_refaults() after each.
     */
    @Test
    void tryToFreePagesThrottlesAndRetriesOnce() {
        Machine m = machine(128, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        Vmscan v = vm(m);
        Zone z = m.zone(ZoneType.NORMAL);
        rc.lruvec().zoneLruSize[NORMAL][Lruvec.LRU_INACTIVE_FILE] = 5; // counted as reclaimable, but no folio is there
        long free = z.nrFreePages;
        rc.lruvec().workingsetActivate[Lruvec.WORKINGSET_FILE] = 4;
        rc.lruvec().workingsetActivate[Lruvec.WORKINGSET_ANON] = 6;
        z.nrFreePages = 0;
        long runs = rc.stats.directReclaimRuns;
        long stalls = rc.stats.allocstall;
        assertEquals(0, v.try_to_free_pages(0, Gfp.GFP_KERNEL));
        assertEquals(1, rc.stats.directReclaimThrottled);
        assertEquals(runs + 1, rc.stats.directReclaimRuns);
        assertEquals(stalls + 2, rc.stats.allocstall, "the second pass with memcg_full_walk");
        assertEquals(4, rc.lruvec().refaults[Lruvec.WORKINGSET_FILE], "snapshot_refaults()");
        assertEquals(6, rc.lruvec().refaults[Lruvec.WORKINGSET_ANON]);
        // a GFP_DMA request: no zone up to ZONE_DMA is populated, nothing to throttle on
        m.node().kswapdWoken = false;
        assertEquals(0, v.try_to_free_pages(0, Gfp.GFP_DMA | Gfp.GFP_KERNEL));
        assertEquals(1, rc.stats.directReclaimThrottled);
        assertEquals(runs + 2, rc.stats.directReclaimRuns);
        // enough free pages: not throttled
        z.nrFreePages = free;
        v.try_to_free_pages(0, Gfp.GFP_KERNEL);
        assertEquals(1, rc.stats.directReclaimThrottled);
    }

    /**
     * do_try_to_free_pages(): with clean page cache to drop, the priority loop stops once
     * nr_reclaimed >= nr_to_reclaim (SWAP_CLUSTER_MAX): one ALLOCSTALL, at least 32 pages, and the
     * refaults snapshot taken.
     */
    @Test
    void directReclaimStopsAtSwapClusterMax() {
        Machine m = machine(256, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        for (int i = 0; i < 150; i++) rc.fileRead(1, i);
        rc.lruvec().workingsetActivate[Lruvec.WORKINGSET_FILE] += 3;
        long act = rc.lruvec().workingsetActivate[Lruvec.WORKINGSET_FILE];
        long stalls = rc.stats.allocstall;
        long lru = rc.lruvec().total();
        long got = rc.__perform_reclaim(m.pageAlloc(), Gfp.GFP_KERNEL, 0, null);
        assertTrue(got >= Vmscan.SWAP_CLUSTER_MAX, got + " reclaimed");
        assertTrue(got < lru, "it stopped before emptying the LRU: " + got + " of " + lru);
        assertEquals(lru - got, rc.lruvec().total());
        assertEquals(stalls + 1, rc.stats.allocstall);
        assertEquals(act, rc.lruvec().refaults[Lruvec.WORKINGSET_FILE]);
        ReclaimTest.noWarnings(m);
    }
}
