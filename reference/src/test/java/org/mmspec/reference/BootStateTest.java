package org.mmspec.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.Fixtures.freeBlocks;
import static org.mmspec.reference.Fixtures.hex;
import static org.mmspec.reference.alloc.MigrateType.*;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures.FreeBlock;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.PfnRange;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.PageFlags;

/** The state MmInit.boot leaves: free lists, counters, pageblock types, holes and reserved pages. */
class BootStateTest {

    @Test
    void smallConfigFreeListsAndCounters() {
        Machine m = new Machine(Fixtures.smallWithCma());
        Zone dma = m.zone(ZoneType.DMA);
        Zone normal = m.zone(ZoneType.NORMAL);

        assertEquals(0xff, dma.managedPages);
        assertEquals(0x400, normal.managedPages);
        assertEquals(dma.managedPages, dma.nrFreePages, "NR_FREE_PAGES == managed in DMA");
        assertEquals(normal.managedPages, normal.nrFreePages, "NR_FREE_PAGES == managed in Normal");
        assertEquals(dma.nrFreePages, Fixtures.freePagesOnLists(m, ZoneType.DMA));
        assertEquals(normal.nrFreePages, Fixtures.freePagesOnLists(m, ZoneType.NORMAL));

        // DMA [1, 0x100) freed as __free_pages_memory does: 1, 2, 4, 8, 0x10, 0x20, then 0x40 x3 (MAX_PAGE_ORDER 6);
        // nothing merges, since pfn 0 is no page of the zone
        assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 3}, dma.nrFree);
        TreeMap<Long, FreeBlock> d = freeBlocks(m, ZoneType.DMA);
        assertEquals(List.of(1L, 2L, 4L, 8L, 0x10L, 0x20L, 0x40L, 0x80L, 0xc0L), new ArrayList<>(d.keySet()));
        assertEquals(new FreeBlock(1, 0, MIGRATE_UNMOVABLE), d.get(1L), "pageblock 0 is UNMOVABLE");
        assertEquals(new FreeBlock(2, 1, MIGRATE_UNMOVABLE), d.get(2L));
        assertEquals(new FreeBlock(4, 2, MIGRATE_UNMOVABLE), d.get(4L));
        assertEquals(new FreeBlock(8, 3, MIGRATE_MOVABLE), d.get(8L));
        assertEquals(new FreeBlock(0xc0, 6, MIGRATE_MOVABLE), d.get(0xc0L));

        // Normal: 15 MAX_PAGE_ORDER blocks, 0x4c0 order 5, 0x4e0 order 4, and the two CMA pageblocks merged
        // into 0x4f0 order 4, which does not merge with its MOVABLE buddy 0x4e0
        assertArrayEquals(new long[] {0, 0, 0, 0, 2, 1, 15}, normal.nrFree);
        TreeMap<Long, FreeBlock> n = freeBlocks(m, ZoneType.NORMAL);
        for (long pfn = 0x100; pfn < 0x4c0; pfn += 0x40) assertEquals(new FreeBlock(pfn, 6, MIGRATE_MOVABLE), n.get(pfn));
        assertEquals(new FreeBlock(0x4c0, 5, MIGRATE_MOVABLE), n.get(0x4c0L));
        assertEquals(new FreeBlock(0x4e0, 4, MIGRATE_MOVABLE), n.get(0x4e0L));
        assertEquals(new FreeBlock(0x4f0, 4, MIGRATE_CMA), n.get(0x4f0L));
        assertEquals(18, n.size());
        assertEquals(16, normal.nrFreeCmaPages);
        assertEquals(0, dma.nrFreeCmaPages);
        // NR_FREE_PAGES_BLOCKS: free pages in blocks of at least pageblock order
        assertEquals(0x400, normal.nrFreePagesBlocks);
        assertEquals(8 + 0x10 + 0x20 + 3 * 0x40, dma.nrFreePagesBlocks);
        assertEquals(0, normal.nrFreeHighatomic);
        assertEquals(0, normal.nrReservedHighatomic);
        assertEquals(0, normal.watermarkBoost);
        assertTrue(Fixtures.unmergedBuddies(m).isEmpty(), Fixtures.unmergedBuddies(m).toString());
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());

        // the lists are in free order: memblock frees to the tail, lowest pfn first
        assertEquals(0x100, m.mem().pfn(normal.firstFree(6, MIGRATE_MOVABLE)));
        assertEquals(0x40, m.mem().pfn(dma.firstFree(6, MIGRATE_MOVABLE)));
    }

    @Test
    void smallConfigPageblockTypes() {
        Machine m = new Machine(Fixtures.smallWithCma());
        Zone dma = m.zone(ZoneType.DMA);
        Zone normal = m.zone(ZoneType.NORMAL);
        // DMA's first pageblock starts at pfn 0, outside the zone: memmap_init never reaches a
        // pageblock-aligned pfn in it, so it keeps type 0 = UNMOVABLE, as /proc/pagetypeinfo shows
        assertEquals(MIGRATE_UNMOVABLE, dma.pageblockMigratetype(0));
        assertEquals(32, dma.nrPageblocks());
        int unmovable = 0;
        int movable = 0;
        for (int i = 0; i < dma.nrPageblocks(); i++) {
            int mt = dma.pageblockMigratetype(dma.pageblockPfn(i));
            if (mt == MIGRATE_UNMOVABLE) unmovable++;
            if (mt == MIGRATE_MOVABLE) movable++;
        }
        assertEquals(1, unmovable);
        assertEquals(31, movable);
        for (long pfn = 0x100; pfn < 0x500; pfn += 8) {
            int expected = pfn >= 0x4f0 ? MIGRATE_CMA : MIGRATE_MOVABLE;
            assertEquals(expected, normal.pageblockMigratetype(pfn), "pageblock " + hex(pfn));
            assertFalse(normal.pageblockIsolated(pfn));
        }
    }

    /** Every pfn outside the zones, and every zone page not freed, is PG_reserved and never PageBuddy. */
    @Test
    void pagesOutsideZonesAreReservedAndNotFree() {
        Machine m = new Machine(Fixtures.smallWithCma());
        assertEquals(null, m.node().pageZone(0));
        assertTrue((m.mem().flags[m.mem().idx(0)] & PageFlags.PG_reserved) != 0);
        assertFalse(m.mem().pageBuddy(m.mem().idx(0)));
        for (long pfn = 1; pfn < 0x500; pfn++) {
            int p = m.mem().idx(pfn);
            assertEquals(0, m.mem().flags[p] & PageFlags.PG_reserved, "free page " + hex(pfn) + " still reserved");
            assertEquals(0, m.mem().refcount[p], "refcount of free page " + hex(pfn));
        }
    }

    /** Holes and reserved pages placed explicitly never reach the free lists nor an allocation. */
    @Test
    void holesAndReservedPagesAreNeverFree() {
        List<PfnRange> holes = List.of(new PfnRange(0x140, 0x150), new PfnRange(0x1f8, 0x200));
        List<PfnRange> reserved = List.of(new PfnRange(0x100, 0x108), new PfnRange(0x163, 0x166));
        // spanned 0x100, present 0x100 - 0x18, managed present - 0xb
        ZoneConfig zc = new ZoneConfig(ZoneType.NORMAL, 0x100, 0x100, 0x100 - 0x18, 0x100 - 0x18 - 0xb, holes, reserved, null);
        MachineConfig c = MachineConfig.of("holes", 4, 2, List.of(zc)).withMinFreeKbytes(0).withWatermarkScaleFactor(1);
        Machine m = new Machine(c);
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(zc.managed(), z.managedPages);
        assertEquals(z.managedPages, z.nrFreePages);
        assertEquals(z.nrFreePages, Fixtures.freePagesOnLists(m, ZoneType.NORMAL));
        List<PfnRange> forbidden = new ArrayList<>(holes);
        forbidden.addAll(reserved);
        for (FreeBlock b : freeBlocks(m, ZoneType.NORMAL).values()) {
            PfnRange r = new PfnRange(b.pfn(), b.pfn() + (1L << b.order()));
            for (PfnRange f : forbidden) assertFalse(r.overlaps(f), "free block " + r + " overlaps " + f);
        }
        for (PfnRange h : holes) {
            for (long pfn = h.start(); pfn < h.end(); pfn++) {
                int f = m.mem().flags[m.mem().idx(pfn)];
                assertTrue((f & PageFlags.PG_reserved) != 0 && (f & PageFlags.MODEL_NOT_PRESENT) != 0, "hole " + hex(pfn));
            }
        }
        for (PfnRange r : reserved) {
            for (long pfn = r.start(); pfn < r.end(); pfn++) {
                int f = m.mem().flags[m.mem().idx(pfn)];
                assertTrue((f & PageFlags.PG_reserved) != 0, "reserved " + hex(pfn));
                assertEquals(0, f & PageFlags.MODEL_NOT_PRESENT, "reserved page " + hex(pfn) + " is present");
            }
        }
        assertTrue(Fixtures.unmergedBuddies(m).isEmpty(), Fixtures.unmergedBuddies(m).toString());
        // with zero watermarks every managed page can be allocated, and none is a hole or reserved
        List<Long> got = Fixtures.allocUntilFailure(m, Gfp.GFP_HIGHUSER_MOVABLE, 1000);
        assertEquals(zc.managed(), got.size());
        for (long pfn : got) {
            for (PfnRange f : forbidden) assertFalse(f.contains(pfn), "allocated " + hex(pfn) + " inside " + f);
        }
        assertEquals(zc.managed(), got.stream().distinct().count());
        assertEquals(0, z.nrFreePages);
    }

    /** Default placement: holes at the end of the span, reserved pages at the start of the present ones. */
    @Test
    void defaultHolesAndReservedPlacement() {
        ZoneConfig zc = ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x100, 0xf0, 0xe0);
        assertEquals(List.of(new PfnRange(0x1f0, 0x200)), zc.effectiveHoles());
        assertEquals(List.of(new PfnRange(0x100, 0x110)), zc.effectiveReserved());
        Machine m = new Machine(MachineConfig.of("d", 4, 2, List.of(zc)));
        TreeMap<Long, FreeBlock> fb = freeBlocks(m, ZoneType.NORMAL);
        assertEquals(0x110, fb.firstKey());
        FreeBlock last = fb.lastEntry().getValue();
        assertEquals(0x1f0, last.pfn() + (1L << last.order()));
        assertEquals(0xe0, m.zone(ZoneType.NORMAL).nrFreePages);
    }
}
