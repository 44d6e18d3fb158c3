package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.Gfp.*;
import static org.mmspec.reference.alloc.MigrateType.*;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;
import org.mmspec.reference.page.MemMap;

/**
 * compaction_capture() (mm/page_alloc.c, v6.18) as __free_one_page() calls it while
 * current-&gt;capture_control is set: which freed blocks direct compaction may take straight off
 * the free path.
 */
class CompactionCaptureTest {

    /** Frees the allocated block at pfn with a capture control for (order, migratetype) installed. */
    private static CaptureControl freeWithCapture(Machine m, long pfn, int order, int capcOrder, int capcMt) {
        Zone z = m.zone(ZoneType.NORMAL);
        CaptureControl capc = new CaptureControl(z, capcOrder, capcMt);
        m.pageAlloc().setCaptureControl(capc);
        m.freePages(pfn, order);
        m.pageAlloc().setCaptureControl(null);
        return capc;
    }

    private static Machine boot(MachineConfig cfg) {
        Machine m = new Machine(cfg);
        m.pageAlloc().setHooks(SlowpathHooks.NONE);
        return m;
    }

    // compaction_capture(): "Do not let lower order allocations pollute a movable pageblock unless
    // compaction is also requesting movable pages": an order-0 page freed in a MOVABLE pageblock is
    // not captured for an unmovable request (it goes to the free list, NR_FREE_PAGES + 1) but is
    // for a movable one (capc->page set, and "account_freepages(zone, -(1 << order), migratetype)"
    // undoes the count).
    @Test
    void aSmallMovableBlockIsCapturedOnlyForAMovableRequest() {
        Machine m = boot(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        long a = m.allocPages(GFP_HIGHUSER_MOVABLE, 0);
        long b = m.allocPages(GFP_HIGHUSER_MOVABLE, 0);
        assertEquals(MIGRATE_MOVABLE, m.pageAlloc().get_pfnblock_migratetype(z, a));
        long free = z.nrFreePages;
        CaptureControl c1 = freeWithCapture(m, a, 0, 0, MIGRATE_UNMOVABLE);
        assertEquals(MemMap.NIL, c1.page);
        assertEquals(free + 1, z.nrFreePages);
        CaptureControl c2 = freeWithCapture(m, b, 0, 0, MIGRATE_MOVABLE);
        assertEquals(m.mem().idx(b), c2.page);
        assertEquals(free + 1, z.nrFreePages);
    }

    // compaction_capture(): the MOVABLE restriction is only "if (order < pageblock_order && ...)": a
    // whole MOVABLE pageblock (order 3 == pageblock_order) freed is captured for an unmovable request.
    @Test
    void aWholeMovablePageblockIsCapturedForAnyRequest() {
        Machine m = boot(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        long a = m.allocPages(GFP_HIGHUSER_MOVABLE, 3);
        assertEquals(MIGRATE_MOVABLE, m.pageAlloc().get_pfnblock_migratetype(z, a));
        long free = z.nrFreePages;
        CaptureControl c = freeWithCapture(m, a, 3, 3, MIGRATE_UNMOVABLE);
        assertEquals(m.mem().idx(a), c.page);
        assertEquals(free, z.nrFreePages);
    }

    // compaction_capture(): "Do not accidentally pollute CMA or isolated regions": "if
    // (is_migrate_cma(migratetype) || is_migrate_isolate(migratetype)) return false;". A page taken
    // from the CMA pageblocks (__rmqueue_cma_fallback(), as __rmqueue() does for ALLOC_CMA) and
    // freed is not captured even for a movable request of its order.
    @Test
    void aCmaPageIsNeverCaptured() {
        Machine m = boot(Fixtures.smallWithCma());
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        int page = pa.__rmqueue_cma_fallback(z, 0);
        pa.prep_new_page(page, 0, GFP_HIGHUSER_MOVABLE, AllocFlags.ALLOC_CMA);
        long pfn = m.mem().pfn(page);
        assertEquals(MIGRATE_CMA, pa.get_pfnblock_migratetype(z, pfn));
        long cma = z.nrFreeCmaPages;
        CaptureControl c = freeWithCapture(m, pfn, 0, 0, MIGRATE_MOVABLE);
        assertEquals(MemMap.NIL, c.page);
        assertEquals(cma + 1, z.nrFreeCmaPages);
    }

    // The same for an isolated pageblock: the page freed there goes to the MIGRATE_ISOLATE list.
    @Test
    void aPageInAnIsolatedPageblockIsNeverCaptured() {
        Machine m = boot(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        long pfn = m.allocPages(GFP_HIGHUSER_MOVABLE, 0);
        assertTrue(pa.__move_freepages_block_isolate(z, pfn, true));
        assertEquals(MIGRATE_ISOLATE, pa.get_pfnblock_migratetype(z, pfn));
        CaptureControl c = freeWithCapture(m, pfn, 0, 0, MIGRATE_MOVABLE);
        assertEquals(MemMap.NIL, c.page);
        long block = pfn & ~7L;
        long isolated = 0;
        for (Fixtures.FreeBlock b : Fixtures.freeBlocks(m, ZoneType.NORMAL).subMap(block, block + 8).values()) {
            assertEquals(MIGRATE_ISOLATE, b.listMt());
            isolated += 1L << b.order();
        }
        assertEquals(8, isolated);
        assertEquals(List.of(), m.warnings().messages());
    }
}
