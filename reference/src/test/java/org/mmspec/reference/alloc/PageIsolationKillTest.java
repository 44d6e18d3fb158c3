package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.Gfp.GFP_HIGHUSER_MOVABLE;
import static org.mmspec.reference.alloc.MigrateType.MIGRATE_ISOLATE;
import static org.mmspec.reference.alloc.MigrateType.MIGRATE_MOVABLE;
import static org.mmspec.reference.alloc.PageIsolation.EBUSY;
import static org.mmspec.reference.alloc.PageIsolation.PB_ISOLATE_MODE_MEM_OFFLINE;
import static org.mmspec.reference.alloc.PageIsolation.PB_ISOLATE_MODE_OTHER;

import java.util.List;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Fixtures.FreeBlock;
import org.mmspec.reference.Machine;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.rmap.Rmap;

/**
 * mm/page_isolation.c (v6.18): has_unmovable_pages(), set_migratetype_isolate(),
 * unset_migratetype_isolate() and start_isolate_page_range()'s failure in the middle of a range,
 * driven through the package API so that the pfn has_unmovable_pages() names is observed.
 */
class PageIsolationKillTest {

    private static Zone normal(Machine m) {
        return m.zone(ZoneType.NORMAL);
    }

    private static boolean anyIsolated(Zone z, long from, long to) {
        for (long pb = from; pb < to; pb += 8) if (z.pageblockIsolated(pb)) return true;
        return false;
    }

    // has_unmovable_pages() (mm/page_isolation.c) returns the first page that cannot move: an
    // in-use page that is neither on an LRU nor movable_ops. A free buddy is skipped by
    // pfn += (1 << buddy_order(page)) - 1, i.e. by nothing at order 0, so the in-use page right
    // after an order-0 free page is the one named; a fully free range has none (NULL: -1).
    @Test
    void hasUnmovablePagesNamesTheFirstInUsePageAfterAFreeOrderZeroPage() {
        Machine m = new Machine(Fixtures.normal1k());
        PageIsolation iso = m.isolation();
        for (int i = 0; i < 4; i++) assertEquals(0x100 + i, m.allocPages(GFP_HIGHUSER_MOVABLE, 0));
        m.freePages(0x102, 0); // an order-0 buddy: 0x103 is still allocated
        Zone z = normal(m);
        assertEquals(0x100, iso.has_unmovable_pages(z, 0x100, 0x108, PB_ISOLATE_MODE_MEM_OFFLINE));
        assertEquals(0x101, iso.has_unmovable_pages(z, 0x101, 0x108, PB_ISOLATE_MODE_OTHER));
        assertEquals(0x103, iso.has_unmovable_pages(z, 0x102, 0x108, PB_ISOLATE_MODE_MEM_OFFLINE));
        assertEquals(-1, iso.has_unmovable_pages(z, 0x104, 0x108, PB_ISOLATE_MODE_MEM_OFFLINE));
        assertEquals(-1, iso.has_unmovable_pages(z, 0x108, 0x110, PB_ISOLATE_MODE_MEM_OFFLINE));
    }

    // has_unmovable_pages(): "bootmem allocations and memory holes are marked PG_reserved and are
    // unmovable", and it returns that very page, in ZONE_MOVABLE as well as elsewhere.
    @Test
    void hasUnmovablePagesNamesAReservedPageInsideThePageblock() {
        PfnRange res = new PfnRange(0x205, 0x206);
        ZoneConfig mov = new ZoneConfig(ZoneType.MOVABLE, 0x200, 0x100, 0x100, 0xff, null, List.of(res), null);
        ZoneConfig nor = new ZoneConfig(ZoneType.NORMAL, 0x100, 0x100, 0x100, 0xff, null,
                List.of(new PfnRange(0x10d, 0x10e)), null);
        Machine m = new Machine(MachineConfig.of("reserved-inside", 6, 3, List.of(nor, mov)));
        PageIsolation iso = m.isolation();
        assertEquals(0x205, iso.has_unmovable_pages(m.zone(ZoneType.MOVABLE), 0x200, 0x208, PB_ISOLATE_MODE_MEM_OFFLINE));
        assertEquals(0x10d, iso.has_unmovable_pages(normal(m), 0x108, 0x110, PB_ISOLATE_MODE_OTHER));
        assertEquals(-1, iso.has_unmovable_pages(normal(m), 0x10e, 0x110, PB_ISOLATE_MODE_OTHER));
    }

    // has_unmovable_pages(): "if (PageLRU(page) || page_has_movable_ops(page)) continue;" an
    // anonymous folio on the LRU can be migrated away, so it does not block isolation, while a
    // plain allocated page (no PG_lru) next to it does.
    @Test
    void anLruPageDoesNotBlockIsolationButAPlainAllocationDoes() {
        Machine m = new Machine(Fixtures.normal1k());
        Rmap r = m.rmap();
        r.mmap(Rmap.INIT_PID, 16, 1);
        long pfn = r.access(Rmap.INIT_PID, 16, true, 7).pfn();
        int page = m.mem().idx(pfn);
        assertTrue((m.mem().flags[page] & PageFlags.PG_lru) != 0, "the anonymous folio is on the LRU");
        assertTrue(m.mem().refcount[page] != 0);
        PageIsolation iso = m.isolation();
        assertEquals(-1, iso.has_unmovable_pages(normal(m), pfn, pfn + 1, PB_ISOLATE_MODE_MEM_OFFLINE));
        long plain = m.allocPages(Gfp.GFP_KERNEL, 0);
        assertEquals(plain, iso.has_unmovable_pages(normal(m), plain, plain + 1, PB_ISOLATE_MODE_MEM_OFFLINE));
    }

    // set_migratetype_isolate(): "if (!unmovable)" isolates; has_unmovable_pages() returning the
    // page at pfn 0 is still an unmovable page (a pointer, not NULL), so a zone that starts at pfn 0
    // with its first page reserved refuses isolation of that pageblock with -EBUSY.
    @Test
    void aReservedPageAtPfnZeroRefusesIsolation() {
        Machine m = new Machine(MachineConfig.of("pfn0", 6, 3,
                List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 0x400, 0x400, 0x3ff))));
        Zone z = normal(m);
        assertEquals(0, m.isolation().has_unmovable_pages(z, 0, 8, PB_ISOLATE_MODE_MEM_OFFLINE));
        long fp = m.fingerprint();
        assertEquals(-EBUSY, m.startIsolatePageRange(0, 8, PB_ISOLATE_MODE_MEM_OFFLINE));
        assertEquals(fp, m.fingerprint());
        assertEquals(0, z.nrIsolatePageblock);
        assertEquals(0, m.startIsolatePageRange(8, 16, PB_ISOLATE_MODE_MEM_OFFLINE));
    }

    // set_migratetype_isolate(): when pageblock_isolate_and_move_free_pages() fails (its
    // prep_move_freepages_block() refuses a pageblock that straddles the zone: DMA starts at pfn 1,
    // the pageblock at 0), the result is -EBUSY and nothing is isolated, although every page of the
    // checked range [1, 8) is free.
    @Test
    void aPageblockStraddlingTheZoneStartIsRefusedAfterThePagesPassed() {
        Machine m = new Machine(Fixtures.dmaNormal());
        Zone dma = m.zone(ZoneType.DMA);
        PageIsolation iso = m.isolation();
        assertEquals(-1, iso.has_unmovable_pages(dma, 1, 8, PB_ISOLATE_MODE_MEM_OFFLINE));
        long fp = m.fingerprint();
        assertEquals(-EBUSY, iso.set_migratetype_isolate(1, PB_ISOLATE_MODE_MEM_OFFLINE, 1, 8));
        assertEquals(fp, m.fingerprint());
        assertEquals(0, dma.nrIsolatePageblock);
        assertEquals(false, dma.pageblockIsolated(1));
        assertEquals(0, m.stats().isolated);
        // a whole pageblock inside the zone isolates (0), and a second attempt is -EBUSY
        assertEquals(0, iso.set_migratetype_isolate(8, PB_ISOLATE_MODE_MEM_OFFLINE, 8, 16));
        assertEquals(-EBUSY, iso.set_migratetype_isolate(8, PB_ISOLATE_MODE_MEM_OFFLINE, 8, 16));
        assertEquals(1, dma.nrIsolatePageblock);
        assertEquals(1, m.stats().isolated);
    }

    // start_isolate_page_range(): isolates the first and the last pageblock, then the rest; when a
    // middle one is refused it calls undo_isolate_page_range(isolate_start, pfn) and
    // unset_migratetype_isolate() on the last pageblock, and returns -EBUSY. Every pageblock is
    // then unisolated again, no free page is lost, and the counts balance (three isolated, three
    // unisolated).
    @Test
    void aRefusalInTheMiddleOfTheRangeUndoesBothEndsAndTheBlocksBefore() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = normal(m);
        assertEquals(0x100, m.allocPages(GFP_HIGHUSER_MOVABLE, 3));
        assertEquals(0x108, m.allocPages(GFP_HIGHUSER_MOVABLE, 3));
        assertEquals(0x110, m.allocPages(GFP_HIGHUSER_MOVABLE, 3));
        m.freePages(0x100, 3);
        m.freePages(0x108, 3); // 0x110 (third of the four pageblocks [0x100, 0x120)) stays in use
        TreeMap<Long, FreeBlock> before = Fixtures.freeBlocks(m, ZoneType.NORMAL);
        long nrFree = z.nrFreePages;
        assertEquals(-EBUSY, m.startIsolatePageRange(0x100, 0x120, PB_ISOLATE_MODE_MEM_OFFLINE));
        assertEquals(false, anyIsolated(z, 0x100, 0x120));
        for (long pb = 0x100; pb < 0x120; pb += 8) assertEquals(MIGRATE_MOVABLE, z.pageblockMigratetype(pb));
        assertEquals(0, z.nrIsolatePageblock);
        assertEquals(nrFree, z.nrFreePages);
        assertEquals(before, Fixtures.freeBlocks(m, ZoneType.NORMAL));
        assertEquals(0, Fixtures.pagesOnList(m, ZoneType.NORMAL, MIGRATE_ISOLATE));
        assertEquals(3, m.stats().isolated, "0x100, 0x118, then 0x108");
        assertEquals(3, m.stats().unisolated);
        assertEquals(1, m.stats().isolateRefused, "0x110");
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());
        // with the page gone the same range isolates: four pageblocks, counted once each
        m.freePages(0x110, 3);
        assertEquals(0, m.startIsolatePageRange(0x100, 0x120, PB_ISOLATE_MODE_MEM_OFFLINE));
        assertEquals(4, z.nrIsolatePageblock);
        assertEquals(7, m.stats().isolated);
        m.undoIsolatePageRange(0x100, 0x120);
        assertEquals(7, m.stats().unisolated);
        assertEquals(0, z.nrIsolatePageblock);
    }

    // unset_migratetype_isolate(): "if (!is_migrate_isolate_page(page)) goto out;" a pageblock
    // that is not isolated is left exactly as it is, with no warning and no count changed.
    @Test
    void unsettingAPageblockThatIsNotIsolatedChangesNothing() {
        Machine m = new Machine(Fixtures.normal1k());
        long fp = m.fingerprint();
        m.isolation().unset_migratetype_isolate(0x140);
        assertEquals(fp, m.fingerprint());
        assertEquals(0, normal(m).nrIsolatePageblock);
        assertEquals(0, m.stats().unisolated);
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());
    }

    // unset_migratetype_isolate(): "WARN_ON_ONCE(!pageblock_unisolate_and_move_free_pages(zone,
    // page))" -- the kernel warns when the unisolate fails, which prep_move_freepages_block() makes it
    // do for a pageblock straddling the zone start, and still decrements nr_isolate_pageblock.
    // Isolation never sets such a pageblock isolated (see above), so the state is planted directly.
    @Test
    void aFailedUnisolateOfAStraddlingPageblockIsWarnedAbout() {
        Machine m = new Machine(Fixtures.dmaNormal());
        Zone dma = m.zone(ZoneType.DMA);
        m.pageAlloc().toggle_pageblock_isolate(dma, 1, true);
        dma.nrIsolatePageblock = 1;
        assertEquals(0, m.warnings().count());
        m.isolation().unset_migratetype_isolate(1);
        assertEquals(1, m.warnings().count(), m.warnings().messages().toString());
        assertTrue(m.warnings().messages().get(0).startsWith("unset_migratetype_isolate: WARN_ON_ONCE"),
                m.warnings().messages().toString());
        assertEquals(0, dma.nrIsolatePageblock);
        assertEquals(1, m.stats().unisolated);
        assertNotEquals(0, m.node().pageblockBits(1) & Zone.PB_migrate_isolate, "the failed unisolate left the bit");
    }
}
