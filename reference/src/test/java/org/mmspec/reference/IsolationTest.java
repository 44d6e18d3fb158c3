package org.mmspec.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.Fixtures.freeBlocks;
import static org.mmspec.reference.Fixtures.hex;
import static org.mmspec.reference.alloc.Gfp.*;
import static org.mmspec.reference.alloc.MigrateType.*;
import static org.mmspec.reference.alloc.PageIsolation.*;

import java.util.List;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures.FreeBlock;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.PageFlags;

/** start_isolate_page_range() / undo_isolate_page_range() of mm/page_isolation.c (v6.18). */
class IsolationTest {

    static void assertFreeAccountingConsistent(Machine m) {
        for (ZoneType t : ZoneType.values()) {
            assertEquals(m.zone(t).nrFreePages, Fixtures.freePagesOnLists(m, t), "NR_FREE_PAGES of " + t);
            assertEquals(m.zone(t).nrFreeCmaPages, Fixtures.pagesOnList(m, t, MIGRATE_CMA), "NR_FREE_CMA_PAGES of " + t);
            long[] nr = Fixtures.nrFreeFromLists(m, t);
            for (int o = 0; o < nr.length; o++) assertEquals(nr[o], m.zone(t).nrFree[o], t + " nr_free[" + o + "]");
        }
    }

    @Test
    void freePagesMoveToTheIsolateListsAndLeaveNrFreePages() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        TreeMap<Long, FreeBlock> boot = freeBlocks(m, ZoneType.NORMAL);
        assertEquals(0, m.startIsolatePageRange(0x140, 0x180, PB_ISOLATE_MODE_MEM_OFFLINE));
        assertEquals(0x400 - 0x40, z.nrFreePages);
        assertEquals(8, z.nrIsolatePageblock);
        for (long pb = 0x140; pb < 0x180; pb += 8) {
            assertEquals(MIGRATE_ISOLATE, z.pageblockMigratetype(pb), hex(pb));
            assertEquals(MIGRATE_MOVABLE, z.pageblockMigratetypeBits(pb), "the type underneath is kept");
        }
        assertEquals(MIGRATE_MOVABLE, z.pageblockMigratetype(0x138));
        assertEquals(MIGRATE_MOVABLE, z.pageblockMigratetype(0x180));
        for (FreeBlock b : freeBlocks(m, ZoneType.NORMAL).values()) {
            boolean inside = b.pfn() >= 0x140 && b.pfn() < 0x180;
            assertEquals(inside, b.listMt() == MIGRATE_ISOLATE, "block " + b);
            if (inside) assertTrue(b.pfn() + (1L << b.order()) <= 0x180, "isolated block " + b + " leaves the range");
        }
        assertEquals(0x40, Fixtures.pagesOnList(m, ZoneType.NORMAL, MIGRATE_ISOLATE));
        assertFreeAccountingConsistent(m);
        // isolated pages are never handed out
        while (true) {
            long pfn = m.allocPages(GFP_HIGHUSER_MOVABLE, 0);
            if (pfn < 0) break;
            assertFalse(pfn >= 0x140 && pfn < 0x180, "allocated isolated page " + hex(pfn));
        }
        assertEquals(0x40, Fixtures.pagesOnList(m, ZoneType.NORMAL, MIGRATE_ISOLATE));
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());

        // undo on a fresh copy of the boot state: the pages merge back to one MAX_PAGE_ORDER block
        Machine f = new Machine(Fixtures.normal1k());
        assertEquals(0, f.startIsolatePageRange(0x140, 0x180, PB_ISOLATE_MODE_MEM_OFFLINE));
        assertTrue(freeBlocks(f, ZoneType.NORMAL).size() > boot.size(), "isolation split the block");
        f.undoIsolatePageRange(0x140, 0x180);
        TreeMap<Long, FreeBlock> after = freeBlocks(f, ZoneType.NORMAL);
        assertEquals(boot, after, "maximally merged again, on the MOVABLE lists");
        assertEquals(0x400, f.zone(ZoneType.NORMAL).nrFreePages);
        assertEquals(0, f.zone(ZoneType.NORMAL).nrIsolatePageblock);
        assertTrue(Fixtures.unmergedBuddies(f).isEmpty());
        assertEquals(0, f.warnings().count(), f.warnings().messages().toString());
    }

    @Test
    void isolatingPartOfAMaxOrderBlockSplitsOnlyAtPageblocks() {
        Machine m = new Machine(Fixtures.normal1k());
        assertEquals(0, m.startIsolatePageRange(0x148, 0x150, PB_ISOLATE_MODE_OTHER));
        TreeMap<Long, FreeBlock> fb = freeBlocks(m, ZoneType.NORMAL);
        // split_large_buddy() frees the order-6 block pageblock by pageblock; the isolated one stays apart
        assertEquals(new FreeBlock(0x140, 3, MIGRATE_MOVABLE), fb.get(0x140L));
        assertEquals(new FreeBlock(0x148, 3, MIGRATE_ISOLATE), fb.get(0x148L));
        assertEquals(new FreeBlock(0x150, 4, MIGRATE_MOVABLE), fb.get(0x150L));
        assertEquals(new FreeBlock(0x160, 5, MIGRATE_MOVABLE), fb.get(0x160L));
        assertTrue(Fixtures.unmergedBuddies(m).isEmpty(), Fixtures.unmergedBuddies(m).toString());
        assertFreeAccountingConsistent(m);
        m.undoIsolatePageRange(0x148, 0x150);
        assertEquals(new FreeBlock(0x140, 6, MIGRATE_MOVABLE), freeBlocks(m, ZoneType.NORMAL).get(0x140L));
        assertFreeAccountingConsistent(m);
    }

    @Test
    void anAllocatedNonLruPageInANormalZoneRefusesWithEbusyAndChangesNothing() {
        Machine m = new Machine(Fixtures.normal1k());
        assertEquals(0x100, m.allocPages(GFP_HIGHUSER_MOVABLE, 0)); // not on an LRU: no PG_lru
        long fp = m.fingerprint();
        assertEquals(-EBUSY, m.startIsolatePageRange(0x100, 0x108, PB_ISOLATE_MODE_MEM_OFFLINE));
        assertEquals(-16, -EBUSY);
        assertEquals(fp, m.fingerprint());
        // a longer range is refused at its first pageblock before anything moves
        assertEquals(-EBUSY, m.startIsolatePageRange(0x100, 0x140, PB_ISOLATE_MODE_OTHER));
        assertEquals(fp, m.fingerprint());
        assertEquals(0, m.zone(ZoneType.NORMAL).nrIsolatePageblock);
        assertEquals(2, m.stats().isolateRefused);
    }

    /**
     * A range whose first pageblock lies in a larger free block and whose last holds an allocated
     * page: the first pageblock is isolated (splitting the block) and then unisolated, which puts
     * the re-merged block back at the tail of its list (__putback_isolated_page uses FPI_TO_TAIL),
     * as the kernel does. The free blocks, types and counters are as before; the list order is not.
     */
    @Test
    void aRefusalAfterSplittingALargeBlockRestoresTheBlocksButNotTheListOrder() {
        Machine m = new Machine(Fixtures.normal1k());
        assertEquals(0x100, m.allocPages(GFP_HIGHUSER_MOVABLE, 6));
        assertEquals(0x140, m.allocPages(GFP_HIGHUSER_MOVABLE, 6));
        m.freePages(0x100, 6); // back at the head of the order-6 MOVABLE list
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(0x100, m.mem().pfn(z.firstFree(6, MIGRATE_MOVABLE)));
        TreeMap<Long, FreeBlock> before = freeBlocks(m, ZoneType.NORMAL);
        long nrFree = z.nrFreePages;
        long fp = m.fingerprint();
        assertEquals(-EBUSY, m.startIsolatePageRange(0x100, 0x148, PB_ISOLATE_MODE_MEM_OFFLINE));
        assertEquals(before, freeBlocks(m, ZoneType.NORMAL));
        assertEquals(nrFree, z.nrFreePages);
        assertEquals(0, z.nrIsolatePageblock);
        for (long pb = 0x100; pb < 0x148; pb += 8) assertEquals(MIGRATE_MOVABLE, z.pageblockMigratetype(pb));
        assertNotEquals(0x100, m.mem().pfn(z.firstFree(6, MIGRATE_MOVABLE)), "0x100 went back to the tail");
        assertEquals(0x100, m.mem().pfn(m.mem().listLast(z.list(6, MIGRATE_MOVABLE))));
        assertNotEquals(fp, m.fingerprint(), "the list order is part of the state");
        assertFreeAccountingConsistent(m);
    }

    @Test
    void inZoneMovableAllocatedPagesDoNotBlockIsolation() {
        MachineConfig c = MachineConfig.of("movable", 6, 3, List.of(
                ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x100),
                ZoneConfig.of(ZoneType.MOVABLE, 0x200, 0x100)));
        Machine m = new Machine(c);
        Zone mz = m.zone(ZoneType.MOVABLE);
        long pfn = m.allocPages(GFP_HIGHUSER_MOVABLE, 0);
        assertEquals(0x200, pfn, "GFP_HIGHUSER_MOVABLE prefers ZONE_MOVABLE");
        assertEquals(0, m.mem().flags[m.mem().idx(pfn)] & PageFlags.PG_lru);
        assertEquals(0, m.startIsolatePageRange(0x200, 0x240, PB_ISOLATE_MODE_MEM_OFFLINE));
        assertEquals(0x100 - 0x40, mz.nrFreePages, "the 63 free pages left NR_FREE_PAGES; the allocated one was never in it");
        assertEquals(0x3f, Fixtures.pagesOnList(m, ZoneType.MOVABLE, MIGRATE_ISOLATE));
        // the same in a Normal zone is refused
        long npfn = m.allocPages(GFP_KERNEL, 0);
        assertTrue(npfn >= 0x100 && npfn < 0x200);
        assertEquals(-EBUSY, m.startIsolatePageRange(npfn & ~7L, (npfn & ~7L) + 8, PB_ISOLATE_MODE_MEM_OFFLINE));
        // freeing the allocated page in the isolated range puts it on the isolate list, not counted
        m.freePages(pfn, 0);
        assertEquals(0x100 - 0x40, mz.nrFreePages);
        assertEquals(0x40, Fixtures.pagesOnList(m, ZoneType.MOVABLE, MIGRATE_ISOLATE));
        assertFreeAccountingConsistent(m);
        m.undoIsolatePageRange(0x200, 0x240);
        assertEquals(0x100, mz.nrFreePages);
        assertEquals(new FreeBlock(0x200, 6, MIGRATE_MOVABLE), freeBlocks(m, ZoneType.MOVABLE).get(0x200L));
        assertTrue(Fixtures.unmergedBuddies(m).isEmpty(), Fixtures.unmergedBuddies(m).toString());
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());
    }

    @Test
    void aReservedPageBlocksIsolationEvenInZoneMovable() {
        ZoneConfig mov = new ZoneConfig(ZoneType.MOVABLE, 0x200, 0x100, 0x100, 0xff, null,
                List.of(new org.mmspec.reference.alloc.PfnRange(0x2c5, 0x2c6)), null);
        Machine m = new Machine(MachineConfig.of("movable-reserved", 6, 3, List.of(
                ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x100), mov)));
        long fp = m.fingerprint();
        assertEquals(-EBUSY, m.startIsolatePageRange(0x2c0, 0x2c8, PB_ISOLATE_MODE_MEM_OFFLINE));
        assertEquals(fp, m.fingerprint());
        assertEquals(0, m.startIsolatePageRange(0x2c8, 0x2d0, PB_ISOLATE_MODE_MEM_OFFLINE));
    }

    @Test
    void aCmaPageblockIsolatesOnlyForCmaAllocations() {
        Machine m = new Machine(Fixtures.smallWithCma());
        Zone z = m.zone(ZoneType.NORMAL);
        long fp = m.fingerprint();
        assertEquals(-EBUSY, m.startIsolatePageRange(0x4f0, 0x4f8, PB_ISOLATE_MODE_MEM_OFFLINE));
        assertEquals(-EBUSY, m.startIsolatePageRange(0x4f0, 0x500, PB_ISOLATE_MODE_OTHER));
        assertEquals(fp, m.fingerprint());
        assertEquals(0, m.startIsolatePageRange(0x4f0, 0x4f8, PB_ISOLATE_MODE_CMA_ALLOC));
        assertEquals(MIGRATE_ISOLATE, z.pageblockMigratetype(0x4f0));
        assertEquals(MIGRATE_CMA, z.pageblockMigratetypeBits(0x4f0));
        assertEquals(MIGRATE_CMA, z.pageblockMigratetype(0x4f8));
        assertEquals(8, z.nrFreeCmaPages);
        assertEquals(0x400 - 8, z.nrFreePages);
        TreeMap<Long, FreeBlock> fb = freeBlocks(m, ZoneType.NORMAL);
        assertEquals(new FreeBlock(0x4f0, 3, MIGRATE_ISOLATE), fb.get(0x4f0L));
        assertEquals(new FreeBlock(0x4f8, 3, MIGRATE_CMA), fb.get(0x4f8L));
        assertFreeAccountingConsistent(m);
        m.undoIsolatePageRange(0x4f0, 0x4f8);
        assertEquals(new FreeBlock(0x4f0, 4, MIGRATE_CMA), freeBlocks(m, ZoneType.NORMAL).get(0x4f0L));
        assertEquals(16, z.nrFreeCmaPages);
        assertEquals(0x400, z.nrFreePages);
        assertFreeAccountingConsistent(m);
    }

    @Test
    void isolatingAnIsolatedPageblockAgainIsRefused() {
        Machine m = new Machine(Fixtures.normal1k());
        assertEquals(0, m.startIsolatePageRange(0x200, 0x208, PB_ISOLATE_MODE_OTHER));
        long fp = m.fingerprint();
        assertEquals(-EBUSY, m.startIsolatePageRange(0x200, 0x208, PB_ISOLATE_MODE_OTHER));
        assertEquals(fp, m.fingerprint());
        // undo of a range with nothing isolated in it changes nothing either
        m.undoIsolatePageRange(0x300, 0x340);
        assertEquals(fp, m.fingerprint());
        assertEquals(1, m.zone(ZoneType.NORMAL).nrIsolatePageblock);
    }

    /**
     * Two adjacent pageblocks of ZONE_MOVABLE isolated by two separate calls (two callers, as two
     * alloc_contig_range() on neighbouring ranges would), an allocated order-4 block spanning both
     * freed into them (it merges across the two isolated pageblocks: ISOLATE == ISOLATE), then the
     * first caller undoes its own range.
     */
    static Machine adjacentIsolationsThenUndoTheFirst(int maxOrder) {
        MachineConfig c = MachineConfig.of("adjacent", maxOrder, 3, List.of(
                ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x100), ZoneConfig.of(ZoneType.MOVABLE, 0x200, 0x80)));
        Machine m = new Machine(c);
        assertEquals(0x200, m.allocPages(GFP_HIGHUSER_MOVABLE, 4));
        assertEquals(0, m.startIsolatePageRange(0x200, 0x208, PB_ISOLATE_MODE_OTHER));
        assertEquals(0, m.startIsolatePageRange(0x208, 0x210, PB_ISOLATE_MODE_OTHER));
        m.freePages(0x200, 4);
        assertEquals(new FreeBlock(0x200, 4, MIGRATE_ISOLATE), freeBlocks(m, ZoneType.MOVABLE).get(0x200L));
        m.undoIsolatePageRange(0x200, 0x208);
        return m;
    }

    /** With MAX_PAGE_ORDER = pageblock_order + 1 (x86-64's 10/9) the second range stays isolated. */
    @Test
    void undoingOneOfTwoAdjacentIsolationsKeepsTheOtherIsolated() {
        Machine m = adjacentIsolationsThenUndoTheFirst(4);
        Zone z = m.zone(ZoneType.MOVABLE);
        assertTrue(z.pageblockIsolated(0x208));
        TreeMap<Long, FreeBlock> fb = freeBlocks(m, ZoneType.MOVABLE);
        assertEquals(new FreeBlock(0x200, 3, MIGRATE_MOVABLE), fb.get(0x200L));
        assertEquals(new FreeBlock(0x208, 3, MIGRATE_ISOLATE), fb.get(0x208L));
        assertEquals(0x80 - 8, z.nrFreePages);
        for (int i = 0; i < 6; i++) {
            long pfn = m.allocPages(GFP_HIGHUSER_MOVABLE, 3);
            assertFalse(pfn >= 0x208 && pfn < 0x210, "allocated from the isolated pageblock: " + hex(pfn));
        }
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());
    }

    /**
     * The same with MAX_PAGE_ORDER >= pageblock_order + 2 (reachable in v6.18 through
     * CONFIG_PAGE_BLOCK_MAX_ORDER, include/linux/pageblock-flags.h): unset_migratetype_isolate()
     * (mm/page_isolation.c) sees a free order-4 block at 0x200 with a free, non-isolated buddy,
     * takes it whole with __isolate_free_page(), clears the isolate bit of 0x200's pageblock only,
     * and __putback_isolated_page() frees the whole block - including the still-isolated
     * pageblock 0x208 - to the MOVABLE lists, where it merges to order 6. NR_FREE_PAGES then
     * counts the isolated pages and the allocator hands out 0x208 (the model reproduces the
     * kernel's VM_WARN "page type is 5, passed migratetype is 1"). The reference follows the
     * kernel line by line, so this is either an upstream bug for such configurations or a case
     * the model must refuse. spec/README.md ("Isolation of abutting ranges") describes it; the
     * reference reproduces v6.18 as it is, so this test pins the behaviour: if the reference (or
     * the kernel it follows) changes here, this test says so.
     */
    @Test
    void undoingOneOfTwoAdjacentIsolationsLeaksTheOtherAtLargeMaxOrderAsV618Does() {
        Machine m = adjacentIsolationsThenUndoTheFirst(6);
        Zone z = m.zone(ZoneType.MOVABLE);
        assertTrue(z.pageblockIsolated(0x208));
        boolean leaked = false;
        for (FreeBlock b : freeBlocks(m, ZoneType.MOVABLE).values()) {
            if (b.listMt() == MIGRATE_ISOLATE) continue;
            for (long pb = b.pfn(); pb < b.pfn() + (1L << b.order()); pb += 8) leaked |= z.pageblockIsolated(pb);
        }
        assertTrue(leaked, "v6.18 leaves the still-isolated pageblock 0x208 inside a free block on a normal list");
        assertEquals(0x80, z.nrFreePages, "and NR_FREE_PAGES counts its 8 isolated pages");
    }
}
