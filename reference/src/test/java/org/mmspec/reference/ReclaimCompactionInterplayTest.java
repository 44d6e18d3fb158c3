package org.mmspec.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.reclaim.Lruvec;
import org.mmspec.reference.reclaim.SwapConfig;
import org.mmspec.reference.rmap.Rmap;

/**
 * Where the reclaim model (page cache, swap, direct reclaim in the slow path) meets migration and
 * compaction on one machine: compaction leaves page cache folios alone (their migration is not
 * modelled) and migration isolates its source before the destination's allocation can reclaim.
 */
class ReclaimCompactionInterplayTest {
    static Machine machine(long pages, SwapConfig swap) {
        return new Machine(MachineConfig.of("interplay", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, pages)))
                .withMinFreeKbytes(16).withWatermarkScaleFactor(1000).withSwap(swap));
    }

    static void noWarnings(Machine m) {
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());
        assertEquals(0, m.rmap().warnings().count(), m.rmap().warnings().messages().toString());
        assertEquals(0, m.reclaim().warnings().count(), m.reclaim().warnings().messages().toString());
    }

    @Test
    void compactionLeavesPageCacheFoliosWhereTheyAre() {
        Machine m = machine(128, SwapConfig.of(32, true));
        m.enableCompaction();
        Rmap r = m.rmap();
        r.mmap(Rmap.INIT_PID, 16, 24);
        // page cache and anonymous folios interleaved at the bottom of the zone, then the
        // anonymous ones unmapped: holes between page cache folios for compaction to fill
        for (int i = 0; i < 24; i++) {
            m.reclaim().fileWrite(1, i, 1000 + i);
            r.access(Rmap.INIT_PID, 16 + i, true, 2000 + i);
        }
        r.munmap(Rmap.INIT_PID, 16, 12);
        Map<Long, Long> cached = new TreeMap<>(m.reclaim().filemap().folios(1));
        assertEquals(24, cached.size());

        m.compaction().compact_nodes();

        assertEquals(cached, m.reclaim().filemap().folios(1), "every page cache folio stays at its pfn");
        for (long pfn : cached.values()) {
            assertTrue((m.mem().flags[m.mem().idx(pfn)] & PageFlags.PG_lru) != 0, "pfn 0x" + Long.toHexString(pfn)
                    + " is back on its LRU list");
        }
        for (int i = 0; i < 24; i++) assertEquals(1000 + i, m.reclaim().filemap().peek(1, i), "file page " + i);
        for (int i = 12; i < 24; i++) assertEquals(2000 + i, r.peek(Rmap.INIT_PID, 16 + i), "anonymous page " + (16 + i));
        assertTrue(m.compaction().events.unmodelledSkipped > 0, "the scanner met page cache folios and skipped them");
        assertTrue(m.compaction().events.compactIsolated > 0, "the anonymous folios above the holes were migrated");
        noWarnings(m);
    }

    @Test
    void migrationIsolatesItsSourceBeforeTheDestinationAllocationReclaims() {
        Machine m = machine(64, SwapConfig.of(32, true));
        Rmap r = m.rmap();
        r.mmap(Rmap.INIT_PID, 16, 40);
        for (int i = 0; i < 40; i++) r.access(Rmap.INIT_PID, 16 + i, true, 500 + i);
        // take the free pages down to the min watermark without reclaiming: the next movable
        // allocation can only succeed through direct reclaim
        while (m.pageAlloc().__alloc_pages(Gfp.GFP_NOWAIT, 0) >= 0) { }
        Lruvec lru = m.reclaim().lruvec();
        int tail = lru.last(Lruvec.LRU_INACTIVE_ANON);
        assertTrue(tail != MemMap.NIL, "an inactive anonymous folio for reclaim to take first");
        long src = m.mem().pfn(tail);
        long scannedBefore = m.reclaim().stats.pgscanDirect;

        assertEquals(0, r.migrate_folio_unmap(src));

        assertTrue(m.reclaim().stats.pgscanDirect > scannedBefore,
                "the destination's allocation went through direct reclaim");
        assertTrue(r.migrations().containsKey(src), "the source is still isolated for migration, not reclaimed");
        long dst = r.migrate_folio_move(src, false);
        assertTrue(dst != src);
        for (int i = 0; i < 40; i++) assertEquals(500 + i, r.peek(Rmap.INIT_PID, 16 + i), "page " + (16 + i));
        noWarnings(m);
    }
}
