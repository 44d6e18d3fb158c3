package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.MigrateType.MIGRATE_MOVABLE;
import static org.mmspec.reference.alloc.PageIsolation.PB_ISOLATE_MODE_MEM_OFFLINE;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;
import org.mmspec.reference.page.MemMap;

/**
 * {@code pg_data_t} and {@code struct zone} (include/linux/mmzone.h, v6.18) as {@link Node} and
 * {@link Zone} keep them: the node span, the pageblock bitmap, save/restore and fingerprints; plus
 * boot's free ranges (mm/mm_init.c, mm/memblock.c) and vmstat's fill_contig_page_info().
 */
class NodeZoneKillTest {

    private static int[] save(Node n) {
        List<Integer> out = new ArrayList<>();
        n.saveState(out::add);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void restore(Node n, int[] state) {
        Iterator<Integer> it = java.util.Arrays.stream(state).iterator();
        n.restoreState(it::next);
        assertFalse(it.hasNext(), "restoreState read everything saveState wrote");
    }

    // pgdat->node_start_pfn is the lowest zone start and node_spanned_pages the distance to the
    // highest zone end (mm/mm_init.c, calculate_node_totalpages()); pgdat_end_pfn()
    // (include/linux/mmzone.h) is node_start_pfn + node_spanned_pages.
    @Test
    void theNodeSpansFromItsFirstZoneStartToItsLastZoneEnd() {
        Node n = new Machine(Fixtures.dmaNormal()).node();
        assertEquals(1, n.nodeStartPfn);
        assertEquals(0x4ff, n.nodeSpannedPages);
        assertEquals(0x500, n.nodeEndPfn());
        Node k = new Machine(Fixtures.normal1k()).node();
        assertEquals(0x100, k.nodeStartPfn);
        assertEquals(0x400, k.nodeSpannedPages);
        assertEquals(0x500, k.nodeEndPfn());
    }

    // The pageblock bitmap (section usemap, mm/sparse.c; get_pfnblock_bitmap_bitidx() in
    // mm/page_alloc.c indexes it by (pfn - section start) >> pageblock_order): one entry per
    // pageblock of the mem_map, here [0x100, 0x500) in pageblocks of 8. Isolating a pageblock sets
    // PB_migrate_isolate over the kept MIGRATE_MOVABLE bits of exactly that entry.
    @Test
    void thePageblockBitmapIsIndexedFromTheMemMapBase() {
        Machine m = new Machine(Fixtures.normal1k());
        Node n = m.node();
        assertEquals(0x100, m.mem().basePfn());
        assertEquals(0x80, n.nrPageblocks());
        assertEquals(MIGRATE_MOVABLE, n.pageblockBits(0x100));
        assertEquals(MIGRATE_MOVABLE, n.pageblockBits(0x4ff));
        assertEquals(0, m.startIsolatePageRange(0x140, 0x148, PB_ISOLATE_MODE_MEM_OFFLINE));
        assertEquals(MIGRATE_MOVABLE | Zone.PB_migrate_isolate, n.pageblockBits(0x140));
        assertEquals(MIGRATE_MOVABLE | Zone.PB_migrate_isolate, n.pageblockBits(0x147));
        assertEquals(MIGRATE_MOVABLE, n.pageblockBits(0x148));
        assertEquals(MIGRATE_MOVABLE, n.pageblockBits(0x13f));
    }

    // Model bookkeeping with no kernel counterpart: pageblockWrites counts the pageblock-bit
    // writes that changed a value (set_pageblock_skip() / clear_pageblock_skip() of
    // mm/compaction.c here), so observers notice retypes without scanning; a write of the same
    // value is not counted.
    @Test
    void pageblockWritesCountsEveryChangingWriteOnce() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        long w = m.node().pageblockWrites();
        z.setPageblockSkip(0x108, true);
        assertEquals(w + 1, m.node().pageblockWrites());
        z.setPageblockSkip(0x108, true);
        assertEquals(w + 1, m.node().pageblockWrites(), "no change, no write");
        z.setPageblockSkip(0x108, false);
        assertEquals(w + 2, m.node().pageblockWrites());
    }

    // zone_spans_pfn() (include/linux/mmzone.h): zone_start_pfn <= pfn < zone_end_pfn(zone).
    @Test
    void zoneSpansPfnIsHalfOpen() {
        Machine m = new Machine(Fixtures.dmaNormal());
        Zone dma = m.zone(ZoneType.DMA);
        Zone nor = m.zone(ZoneType.NORMAL);
        assertFalse(dma.spansPfn(0));
        assertTrue(dma.spansPfn(1));
        assertTrue(dma.spansPfn(0xff));
        assertFalse(dma.spansPfn(0x100));
        assertTrue(nor.spansPfn(0x100));
        assertTrue(nor.spansPfn(0x4ff));
        assertFalse(nor.spansPfn(0x500));
        assertEquals(0x500, nor.zoneEndPfn());
    }

    // zone->name is zone_names[zone_idx] (mm/page_alloc.c: "DMA", "DMA32", "Normal", "Movable",
    // "Device"), as /proc/zoneinfo prints it.
    @Test
    void zoneNamesAreTheKernelZoneNames() {
        Node n = new Machine(Fixtures.dmaNormal()).node();
        assertEquals("DMA", n.zone(ZoneType.DMA).name());
        assertEquals("DMA32", n.zone(ZoneType.DMA32).name());
        assertEquals("Normal", n.zone(ZoneType.NORMAL).name());
        assertEquals("Movable", n.zone(ZoneType.MOVABLE).name());
        assertEquals("Device", n.zone(ZoneType.DEVICE).name());
    }

    // A zone that spans nothing has no pageblocks (pageblock_nr of an empty span), wherever its
    // zone_start_pfn lies, even off a pageblock boundary.
    @Test
    void anEmptyZoneHasNoPageblocksEvenAtAnUnalignedStart() {
        MemMap mem = new MemMap(0, 64);
        Zone z = new Zone(mem, new byte[8], new long[1], ZoneType.NORMAL, 0x13, 0, 0, 6, 3);
        assertEquals(0, z.nrPageblocks());
        assertFalse(z.populated());
        Zone one = new Zone(mem, new byte[8], new long[1], ZoneType.NORMAL, 0x13, 1, 1, 6, 3);
        assertEquals(1, one.nrPageblocks());
    }

    // saveState()/restoreState() carry every field copyFrom() copies: the booleans
    // (pgdat kswapd woken, zone->compact_blockskip_flush) and longs whose high half is set or whose
    // low half has bit 31 set (each long as two ints, high then low).
    @Test
    void saveAndRestoreKeepBooleansAndBothHalvesOfLongs() {
        Machine m = new Machine(Fixtures.normal1k());
        Node n = m.node();
        Zone z = n.zone(ZoneType.NORMAL);
        n.kswapdWoken = true;
        z.compactBlockskipFlush = true;
        z.compactConsidered = 0x1_2345_6789L;
        z.compactCachedFreePfn = 0x2_8000_0001L;
        n.kswapdWakeups = -3;
        int[] state = save(n);
        Node fresh = new Node(Fixtures.normal1k());
        restore(fresh, state);
        assertTrue(fresh.kswapdWoken);
        assertTrue(fresh.zone(ZoneType.NORMAL).compactBlockskipFlush);
        assertEquals(0x1_2345_6789L, fresh.zone(ZoneType.NORMAL).compactConsidered);
        assertEquals(0x2_8000_0001L, fresh.zone(ZoneType.NORMAL).compactCachedFreePfn);
        assertEquals(-3, fresh.kswapdWakeups);
        assertEquals(n.fingerprint(), fresh.fingerprint());
        // and false is restored as false over a true
        n.kswapdWoken = false;
        z.compactBlockskipFlush = false;
        restore(fresh, save(n));
        assertFalse(fresh.kswapdWoken);
        assertFalse(fresh.zone(ZoneType.NORMAL).compactBlockskipFlush);
    }

    // The node fingerprint identifies the whole pg_data_t state: a change confined to one zone's
    // counters, to the node's lruvec (pgdat->__lruvec), or to the kswapd wakeup state
    // (wake_up_interruptible(&pgdat->kswapd_wait) pending) must change it.
    @Test
    void theNodeFingerprintSeesZoneLruvecAndKswapdChanges() {
        Machine m = new Machine(Fixtures.normal1k());
        long fp = m.node().fingerprint();
        Machine a = m.copy();
        assertEquals(fp, a.node().fingerprint());
        a.zone(ZoneType.NORMAL).compactConsidered = 1;
        assertNotEquals(fp, a.node().fingerprint(), "zone->compact_considered");
        Machine b = m.copy();
        b.node().lruvec.anonCost = 5;
        assertNotEquals(fp, b.node().fingerprint(), "lruvec->anon_cost");
        Machine c = m.copy();
        c.node().kswapdWoken = !c.node().kswapdWoken;
        assertNotEquals(fp, c.node().fingerprint(), "kswapd woken");
        Machine d = m.copy();
        d.zone(ZoneType.DMA).compactDeferShift = 2; // an unpopulated zone's state counts too
        assertNotEquals(fp, d.node().fingerprint(), "DMA compact_defer_shift");
    }

    // Boot frees the present pages that are neither reserved nor holes in maximal ranges
    // (mm/memblock.c, memblock_free_all() -> free_low_memory_core_early() walking
    // for_each_free_mem_range(), which yields only non-empty ranges): reserved pages at the zone
    // start and a hole at its end leave exactly one range between them.
    @Test
    void freeRangesAreTheNonEmptyGapsBetweenReservedPagesAndHoles() {
        ZoneConfig zc = ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x40, 0x38, 0x30);
        assertEquals(List.of(new PfnRange(0x100, 0x108)), zc.effectiveReserved());
        assertEquals(List.of(new PfnRange(0x138, 0x140)), zc.effectiveHoles());
        assertEquals(List.of(new PfnRange(0x108, 0x138)), MmInit.freeRanges(zc));
        // reserved in the middle, nothing excluded at either end
        ZoneConfig mid = new ZoneConfig(ZoneType.NORMAL, 0x100, 0x40, 0x40, 0x3e, null,
                List.of(new PfnRange(0x110, 0x112)), null);
        assertEquals(List.of(new PfnRange(0x100, 0x110), new PfnRange(0x112, 0x140)), MmInit.freeRanges(mid));
        // CMA pageblocks are freed separately (init_cma_reserved_pageblock), not in a free range
        ZoneConfig cma = ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x40).withCma(List.of(new PfnRange(0x100, 0x108)));
        assertEquals(List.of(new PfnRange(0x108, 0x140)), MmInit.freeRanges(cma));
    }

    // ZoneConfig: explicit reserved ranges are the reserved pages as given, wherever they lie
    // (present - managed of them), not the default "first present pages".
    @Test
    void explicitReservedRangesWinOverTheDefaultPlacement() {
        List<PfnRange> res = List.of(new PfnRange(0x120, 0x121));
        ZoneConfig zc = new ZoneConfig(ZoneType.NORMAL, 0x100, 0x40, 0x40, 0x3f, null, res, null);
        assertEquals(res, zc.effectiveReserved());
        ZoneConfig dflt = ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x40, 0x40, 0x3f);
        assertEquals(List.of(new PfnRange(0x100, 0x101)), dflt.effectiveReserved());
    }

    // The default reserved placement walks the span, skipping holes, and never past the zone end:
    // on a configuration whose holes leave fewer present pages than present - managed (which
    // validate() rejects) it stops at zone_end_pfn with what it found.
    @Test
    void defaultReservedPlacementStopsAtTheZoneEnd() {
        ZoneConfig bad = new ZoneConfig(ZoneType.NORMAL, 0x100, 0x10, 0xc, 0, List.of(new PfnRange(0x100, 0x108)), null,
                null);
        assertEquals(List.of(new PfnRange(0x108, 0x110)), bad.effectiveReserved());
        // holes in the middle are stepped over
        ZoneConfig gap = new ZoneConfig(ZoneType.NORMAL, 0x100, 0x10, 0xc, 0x8, List.of(new PfnRange(0x102, 0x106)), null,
                null);
        assertEquals(List.of(new PfnRange(0x100, 0x102), new PfnRange(0x106, 0x108)), gap.effectiveReserved());
    }

    // fill_contig_page_info() (mm/vmstat.c) over a zone reads its free_area[].nr_free: the Normal
    // zone of normal1k boots as 16 free blocks of order 6 (0x400 pages), each holding 8 blocks of
    // order 3.
    @Test
    void fillContigPageInfoOfAZoneReadsItsFreeAreas() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        Vmstat.ContigPageInfo info = Vmstat.fill_contig_page_info(z, 3);
        assertEquals(new Vmstat.ContigPageInfo(0x400, 16, 128), info);
        assertEquals(Vmstat.fill_contig_page_info(z.nrFree, 3), info);
    }
}
