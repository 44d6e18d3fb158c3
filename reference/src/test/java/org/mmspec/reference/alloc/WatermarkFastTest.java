package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.Gfp.*;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;

/** zone_watermark_fast() (mm/page_alloc.c, v6.18) through whole allocations. */
class WatermarkFastTest {

    Machine m;
    Zone z;
    List<Long> held = new ArrayList<>();

    private void downToLow() {
        m = new Machine(Fixtures.normal1k());
        m.pageAlloc().setHooks(SlowpathHooks.NONE);
        z = m.zone(ZoneType.NORMAL);
        while (z.nrFreePages > z.lowWmarkPages()) held.add(m.allocPages(GFP_KERNEL, 0));
    }

    // zone_watermark_fast(): "Ignore watermark boosting for __GFP_HIGH order-0 allocations when
    // checking the min watermark": with a large boost, GFP_ATOMIC order 0 is checked against the
    // raw _watermark[WMARK_MIN] in the slow path and succeeds; order 1 (no exemption), and
    // GFP_NOWAIT (no ALLOC_MIN_RESERVE), are checked against the boosted mark and fail.
    @Test
    void boostIsIgnoredForHighPriorityOrderZeroAtTheMinWatermark() {
        downToLow();
        z.watermarkBoost = 4096;
        assertTrue(z.nrFreePages > z.watermark[Watermarks.WMARK_MIN]);
        assertEquals(-1, m.allocPages(GFP_NOWAIT, 0), "no ALLOC_MIN_RESERVE: the boosted mark applies");
        assertEquals(-1, m.allocPages(GFP_ATOMIC, 1), "order 1: the boosted mark applies");
        long free = z.nrFreePages;
        assertTrue(m.allocPages(GFP_ATOMIC, 0) >= 0, "order-0 __GFP_HIGH ignores the boost at WMARK_MIN");
        assertEquals(free - 1, z.nrFreePages);
    }

    // zone_watermark_fast()'s order-0 shortcut subtracts the unusable free pages (free highatomic
    // pages for a request without ALLOC_RESERVES): with free == low watermark minus a little but
    // free highatomic pages on top, a GFP_KERNEL order-0 request fails the fast path (low
    // watermark) and enters the slow path, where the min watermark lets it through.
    @Test
    void freeHighatomicPagesDoNotCountForTheFastPath() {
        downToLow();
        assertTrue(m.allocPages(GFP_ATOMIC, 1) >= 0);
        assertTrue(z.nrFreeHighatomic > 0, "the reserved block still has free pages");
        assertTrue(z.nrFreePages <= z.lowWmarkPages());
        assertTrue(z.nrFreePages + z.nrFreeHighatomic > z.lowWmarkPages());
        long slow = m.stats().slowpath;
        assertTrue(m.allocPages(GFP_KERNEL, 0) >= 0);
        assertEquals(slow + 1, m.stats().slowpath, "the fast path refused at the low watermark");
    }
}
