package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.Gfp.*;
import static org.mmspec.reference.alloc.MigrateType.*;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Fixtures.FreeBlock;
import org.mmspec.reference.Machine;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * The freeing side of the buddy allocator, mm/page_alloc.c (v6.18): __free_one_page() with its
 * debug checks, the compaction capture and the tail placement of buddy_merge_likely();
 * page_is_buddy() (mm/internal.h); split_large_buddy(); and the checks free_pages_prepare() /
 * bad_page() make before a block is freed, with the model's description of the block a bad pfn
 * lies in.
 */
class FreeOnePageKillTest {

    private static List<Long> listPfns(Machine m, Zone z, int order, int mt) {
        List<Long> out = new ArrayList<>();
        MemMap mem = m.mem();
        for (int p = z.firstFree(order, mt); p != MemMap.NIL; p = mem.listNext(p)) out.add(mem.pfn(p));
        return out;
    }

    private static BadPageException badFree(Machine m, long pfn, int order) {
        return assertThrows(BadPageException.class, () -> m.freePages(pfn, order));
    }

    // mm/internal.h, page_is_buddy(): "if (page_zone_id(page) != page_zone_id(buddy)) return
    // false;". DMA [1, 0xa0) and Normal [0xa0, 0x500): the order-5 blocks 0x80 (DMA) and 0xa0
    // (Normal) are buddies by pfn but never merge, at boot (memblock_free_all() frees through
    // __free_one_page()) nor when asked directly.
    @Test
    void buddiesInDifferentZonesDoNotMerge() {
        Machine m = new Machine(MachineConfig.of("unaligned-zones", 6, 3, List.of(
                ZoneConfig.of(ZoneType.DMA, 1, 0x9f),
                ZoneConfig.of(ZoneType.NORMAL, 0xa0, 0x460))));
        MemMap mem = m.mem();
        TreeMap<Long, FreeBlock> dma = Fixtures.freeBlocks(m, ZoneType.DMA);
        TreeMap<Long, FreeBlock> normal = Fixtures.freeBlocks(m, ZoneType.NORMAL);
        assertEquals(new FreeBlock(0x80, 5, MIGRATE_MOVABLE), dma.get(0x80L));
        assertEquals(new FreeBlock(0xa0, 5, MIGRATE_MOVABLE), normal.get(0xa0L));
        assertEquals(0x9f, m.zone(ZoneType.DMA).nrFreePages);
        assertFalse(m.pageAlloc().page_is_buddy(mem.idx(0xa0), mem.idx(0x80), 5));
        assertFalse(m.pageAlloc().page_is_buddy(mem.idx(0xa0), mem.idx(0xc0), 5), "0xc0 is free at order 6");
        assertEquals(0, m.warnings().count());
    }

    // mm/internal.h, page_is_buddy(): "VM_BUG_ON_PAGE(page_count(buddy) != 0, buddy);": a free
    // buddy with a reference is a corrupted page; the check fires (and the pair still counts as
    // buddies).
    @Test
    void aFreeBuddyWithAReferenceTripsTheCheck() {
        Machine m = new Machine(Fixtures.normal1k());
        MemMap mem = m.mem();
        PageAlloc pa = m.pageAlloc();
        assertTrue(pa.page_is_buddy(mem.idx(0x100), mem.idx(0x140), 6));
        assertEquals(0, m.warnings().count());
        mem.refcount[mem.idx(0x140)] = 1;
        assertTrue(pa.page_is_buddy(mem.idx(0x100), mem.idx(0x140), 6));
        assertEquals(List.of("page_is_buddy: VM_BUG_ON_PAGE(page_count(buddy) != 0) pfn 0x140"), m.warnings().messages());
    }

    // mm/page_alloc.c, __free_one_page() and buddy_merge_likely(): a block that could not merge
    // goes to the tail of its list when "higher_page_pfn = buddy_pfn & pfn" has a free buddy of
    // order + 1 (find_buddy_page_pfn(higher_page, higher_page_pfn, order + 1)), else to the head.
    @Test
    void aBlockLikelyToMergeSoonGoesToTheTail() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        for (long want = 0x100; want < 0x108; want++) assertEquals(want, m.allocPages(GFP_HIGHUSER_MOVABLE, 0));
        // 0x105: buddy 0x104 in use, parent 0x104's order-1 buddy 0x106 in use: head
        m.freePages(0x105, 0);
        // 0x102 + 0x103 merge to 0x102/1 (its order-1 buddy 0x100 is in use)
        m.freePages(0x102, 0);
        m.freePages(0x103, 0);
        assertEquals(List.of(0x105L), listPfns(m, z, 0, MIGRATE_MOVABLE));
        assertEquals(List.of(0x102L), listPfns(m, z, 1, MIGRATE_MOVABLE));
        // 0x100: buddy 0x101 in use, but parent 0x100's order-1 buddy 0x102/1 is free: tail
        m.freePages(0x100, 0);
        assertEquals(List.of(0x105L, 0x100L), listPfns(m, z, 0, MIGRATE_MOVABLE));
        // 0x107: buddy 0x106 in use, parent 0x106's order-1 buddy 0x104 in use: head
        m.freePages(0x107, 0);
        assertEquals(List.of(0x107L, 0x105L, 0x100L), listPfns(m, z, 0, MIGRATE_MOVABLE));
        assertEquals(0, m.warnings().count());
    }

    // mm/page_alloc.c, __free_one_page(): "if (compaction_capture(capc, page, order, migratetype))
    // { account_freepages(zone, -(1 << order), migratetype); return; }": a block captured for the
    // compactor never reaches the free lists, and NR_FREE_PAGES is back where it was.
    @Test
    void aCapturedBlockIsNotCountedFree() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        assertEquals(0x100, m.allocPages(GFP_HIGHUSER_MOVABLE, 2));
        long free = z.nrFreePages;
        long[] nrFree = z.nrFree.clone();
        CaptureControl capc = new CaptureControl(z, 2, MIGRATE_MOVABLE);
        pa.setCaptureControl(capc);
        m.freePages(0x100, 2);
        pa.setCaptureControl(null);
        assertEquals(0x100, m.mem().pfn(capc.page));
        assertEquals(free, z.nrFreePages);
        assertEquals(z.nrFreePages, Fixtures.freePagesOnLists(m, ZoneType.NORMAL));
        assertEquals(nrFree[2], z.nrFree[2]);
        assertFalse(m.mem().pageBuddy(capc.page));
        assertEquals(0, m.warnings().count());
    }

    // mm/page_alloc.c, __free_one_page(): "VM_BUG_ON(migratetype == -1);", "VM_BUG_ON_PAGE(pfn &
    // ((1 << order) - 1), page);" and "VM_BUG_ON_PAGE(bad_range(zone, page), page);". Each call
    // below is captured at once (an armed capture_control of that order) so no list is touched.
    @Test
    void freeOnePageDebugChecks() {
        Machine m = new Machine(Fixtures.dmaNormal());
        Zone z = m.zone(ZoneType.NORMAL);
        MemMap mem = m.mem();
        PageAlloc pa = m.pageAlloc();
        assertEquals(0x100, m.allocPages(GFP_HIGHUSER_MOVABLE, 3));

        pa.setCaptureControl(new CaptureControl(z, 2, MIGRATE_MOVABLE));
        pa.__free_one_page(mem.idx(0x100), 0x100, z, 2, -1, PageAlloc.FPI_NONE);
        assertEquals(List.of("__free_one_page: VM_BUG_ON(migratetype == -1)"), m.warnings().messages());
        m.warnings().clear();

        pa.setCaptureControl(new CaptureControl(z, 2, MIGRATE_MOVABLE));
        pa.__free_one_page(mem.idx(0x102), 0x102, z, 2, MIGRATE_MOVABLE, PageAlloc.FPI_NONE);
        assertEquals(List.of("__free_one_page: VM_BUG_ON_PAGE(pfn & ((1 << order) - 1)) pfn 0x102 order 2"),
                m.warnings().messages());
        m.warnings().clear();

        assertEquals(0x4, m.allocPages(GFP_DMA, 2)); // DMA's first order-2 block
        pa.setCaptureControl(new CaptureControl(z, 2, MIGRATE_MOVABLE));
        pa.__free_one_page(mem.idx(0x4), 0x4, z, 2, MIGRATE_MOVABLE, PageAlloc.FPI_NONE);
        assertEquals(List.of("__free_one_page: VM_BUG_ON_PAGE(bad_range(zone, page)) pfn 0x4"), m.warnings().messages());
        m.warnings().clear();

        // a well-formed call is silent
        pa.setCaptureControl(new CaptureControl(z, 2, MIGRATE_MOVABLE));
        pa.__free_one_page(mem.idx(0x104), 0x104, z, 2, MIGRATE_MOVABLE, PageAlloc.FPI_NONE);
        pa.setCaptureControl(null);
        assertEquals(0, m.warnings().count());
    }

    // mm/page_alloc.c, split_large_buddy(): "VM_WARN_ON_ONCE(!IS_ALIGNED(pfn, 1 << order));" and
    // "/* Caller removed page from freelist, buddy info cleared! */ VM_WARN_ON_ONCE(PageBuddy(page));".
    @Test
    void splitLargeBuddyDebugChecks() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        MemMap mem = m.mem();
        PageAlloc pa = m.pageAlloc();
        assertEquals(0x100, m.allocPages(GFP_HIGHUSER_MOVABLE, 3));

        pa.setCaptureControl(new CaptureControl(z, 2, MIGRATE_MOVABLE));
        pa.split_large_buddy(z, mem.idx(0x102), 0x102, 2, PageAlloc.FPI_NONE);
        assertTrue(m.warnings().messages().contains("split_large_buddy: !IS_ALIGNED(pfn, 1 << order)"),
                m.warnings().messages().toString());
        assertFalse(m.warnings().messages().contains("split_large_buddy: PageBuddy(page)"));
        m.warnings().clear();

        // 0x108/3 is free: handing its head to split_large_buddy() again is a double free
        assertTrue(mem.pageBuddy(mem.idx(0x108)));
        pa.setCaptureControl(new CaptureControl(z, 3, MIGRATE_MOVABLE));
        pa.split_large_buddy(z, mem.idx(0x108), 0x108, 3, PageAlloc.FPI_NONE);
        pa.setCaptureControl(null);
        assertEquals(List.of("split_large_buddy: PageBuddy(page)"), m.warnings().messages());
    }

    // The model's per-order free counter (the kernel counts PGFREE, 1 << order, in
    // __free_pages_ok()/free_unref_page_commit()): one free of order 2 is one event at order 2.
    @Test
    void freeIsCountedAtItsOrder() {
        Machine m = new Machine(Fixtures.normal1k());
        assertEquals(0x100, m.allocPages(GFP_HIGHUSER_MOVABLE, 2));
        long before = m.stats().freeByOrder[2];
        m.freePages(0x100, 2);
        assertEquals(before + 1, m.stats().freeByOrder[2]);
    }

    // A pfn outside every zone (pfn 0 below DMA [1, 0x100)) is not a page the allocator owns
    // (pfn_valid()/bad_range()): rejected before any struct page is looked at.
    @Test
    void freeOutsideEveryZoneIsRejected() {
        Machine m = new Machine(Fixtures.dmaNormal());
        RejectedOperationException e = assertThrows(RejectedOperationException.class, () -> m.freePages(0, 0));
        assertSame(RejectedOperationException.class, e.getClass());
        assertTrue(e.getMessage().contains("outside every zone"), e.getMessage());
    }

    // A pfn in a hole of the zone's span (spanned 0x400, present 0x3f0: [0x4f0, 0x500) has no
    // memory) has a struct page but no memory behind it: freeing it is a bad page, reported as
    // such rather than as a stray tail page.
    @Test
    void freeOfAHoleIsRejected() {
        Machine m = new Machine(MachineConfig.of("hole", 6, 3, List.of(
                ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x400, 0x3f0, 0x3f0))));
        assertSame(m.zone(ZoneType.NORMAL), m.node().pageZone(0x4f8));
        assertEquals("the pfn is a hole: no memory is present there", badFree(m, 0x4f8, 0).reason());
    }

    // mm/page_alloc.c, free_page_is_bad_report() / page_bad_reason(): a page freed with a
    // PAGE_FLAGS_CHECK_AT_FREE flag set ("PAGE_FLAGS_CHECK_AT_FREE flag(s) set"), a mapcount
    // ("nonzero mapcount") or an extra reference ("nonzero _refcount") is a bad page; nothing is
    // freed. The flag report names only the offending check-at-free flags.
    @Test
    void badPagesAreRejectedAtFree() {
        Machine m = new Machine(Fixtures.normal1k());
        MemMap mem = m.mem();
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(0x100, m.allocPages(GFP_HIGHUSER_MOVABLE, 0));
        int page = mem.idx(0x100);
        long free = z.nrFreePages;

        mem.flags[page] |= PageFlags.PG_locked;
        assertEquals("PAGE_FLAGS_CHECK_AT_FREE flag(s) set: " + PageFlags.describe(PageFlags.PG_locked),
                badFree(m, 0x100, 0).reason());
        mem.flags[page] &= ~PageFlags.PG_locked;

        mem.mapcount()[page] = 1;
        assertEquals("nonzero mapcount", badFree(m, 0x100, 0).reason());
        mem.mapcount()[page] = 0;

        mem.refcount[page] = 2;
        assertEquals("nonzero _refcount", badFree(m, 0x100, 0).reason());
        mem.refcount[page] = 1;

        assertEquals(free, z.nrFreePages);
        m.freePages(0x100, 0);
        assertEquals(free + 1, z.nrFreePages);
    }

    // bad_page()'s report, with the model's note of the block the pfn lies in: a tail page of a
    // free block is found at the order where its head is aligned (0x107 in 0x104/2), and a tail
    // of an allocated MAX_PAGE_ORDER block or of an order-4 block is found too.
    @Test
    void badFreeNamesTheBlockThePfnLiesIn() {
        Machine m = new Machine(Fixtures.normal1k());
        assertEquals(0x100, m.allocPages(GFP_HIGHUSER_MOVABLE, 2)); // 0x104/2 free
        assertEquals("not the head of an allocated block: pfn 0x107 lies inside the free block 0x104 of order 2",
                badFree(m, 0x107, 0).reason());
        assertEquals("not the head of an allocated block: pfn 0x160 lies inside the free block 0x140 of order 6",
                badFree(m, 0x160, 0).reason());
        assertEquals("not the head of an allocated block: pfn 0x103 is a tail page of the block 0x100 allocated with order 2",
                badFree(m, 0x103, 0).reason());

        Machine m6 = new Machine(Fixtures.normal1k());
        assertEquals(0x100, m6.allocPages(GFP_HIGHUSER_MOVABLE, 6));
        assertEquals("not the head of an allocated block: pfn 0x120 is a tail page of the block 0x100 allocated with order 6",
                badFree(m6, 0x120, 0).reason());

        Machine m4 = new Machine(Fixtures.normal1k());
        assertEquals(0x100, m4.allocPages(GFP_HIGHUSER_MOVABLE, 4));
        assertEquals("not the head of an allocated block: pfn 0x10d is a tail page of the block 0x100 allocated with order 4",
                badFree(m4, 0x10d, 0).reason());
    }

    // A page that belongs to no block (a free block taken off the lists by __isolate_free_page())
    // right after an allocated block: the allocated block 0x100/2 ends at 0x104, so 0x104 is not
    // its tail, and the page is not PG_reserved: the report adds nothing.
    @Test
    void aPageInNoBlockIsReportedPlainly() {
        Machine m = new Machine(Fixtures.normal1k());
        MemMap mem = m.mem();
        assertEquals(0x100, m.allocPages(GFP_HIGHUSER_MOVABLE, 2));
        assertEquals(4, m.pageAlloc().__isolate_free_page(mem.idx(0x104), 2));
        assertEquals("not the head of an allocated block", badFree(m, 0x104, 0).reason());
        assertEquals("", m.pageAlloc().describeContainingBlock(m.zone(ZoneType.NORMAL), 0x105));
    }
}
