package org.mmspec.reference.migrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.rmap.Migration;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;

/**
 * migrate_pages() of the reference against mm/migrate.c (v6.18): the result is the number of
 * folios not migrated (or -ENOMEM), those are left on the list for putback_movable_pages(); an
 * unexpected reference makes move_to_new_folio() return -EAGAIN, retried NR_MAX_MIGRATE_PAGES_RETRY
 * times in all; the KSM hook sees each KSM folio move, and no anon_vma is pinned for it.
 */
class MigrateTest {
    static final long A = 0x20;

    static Machine machine() {
        return new Machine(MachineConfig.of("m", 5, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 64))).withMinFreeKbytes(0));
    }

    /** pid 1 maps and writes one page at A, forks, and the page is isolated from the LRU: ready to migrate. */
    static long isolatedShared(Machine m) {
        Rmap r = m.rmap();
        r.mmap(1, A, 1);
        long pfn = r.access(1, A, true, 42).pfn();
        r.fork(1, 0);
        assertTrue(m.node().lruvec.folio_isolate_lru(pfn));
        return pfn;
    }

    static List<Long> list(long pfn) {
        List<Long> l = new ArrayList<>();
        l.add(pfn);
        return l;
    }

    Migrate.NewFolio alloc(Machine m) {
        return src -> m.pageAlloc().__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0);
    }

    @Test
    void aMigratedFolioKeepsItsMappingsAndContent() {
        Machine m = machine();
        long src = isolatedShared(m);
        List<Long> from = list(src);
        int[] ok = new int[1];
        assertEquals(0, m.migrate().migrate_pages(from, alloc(m), null, MigrateMode.MIGRATE_SYNC, MigrateReason.MR_SYSCALL, ok));
        assertEquals(1, ok[0]);
        assertTrue(from.isEmpty());
        long dst = Pte.pfn(m.rmap().task(1).pageTable().get(A));
        assertNotEquals(src, dst);
        assertEquals(dst, Pte.pfn(m.rmap().task(2).pageTable().get(A)), "both processes map the new frame");
        assertEquals(42, m.rmap().peek(2, A));
        assertEquals(2, m.rmap().mapcount(dst));
        assertTrue((m.mem().flags[m.mem().idx(src)] & PageFlags.PGTY_buddy) != 0, "the source went back to the allocator");
        assertEquals(0, m.rmap().warnings().count(), m.rmap().warnings().messages().toString());
    }

    @Test
    void noDestinationIsEnomemAndTheFolioStaysOnTheList() {
        Machine m = machine();
        long src = isolatedShared(m);
        List<Long> from = list(src);
        assertEquals(Migrate.ENOMEM, m.migrate().migrate_pages(from, s -> -1, null, MigrateMode.MIGRATE_ASYNC,
                MigrateReason.MR_COMPACTION, null));
        assertEquals(List.of(src), from);
        assertTrue(Pte.normal(m.rmap().task(1).pageTable().get(A)), "nothing was unmapped");
        m.migrate().putback_movable_pages(from);
        assertTrue((m.mem().flags[m.mem().idx(src)] & PageFlags.PG_lru) != 0);
        assertEquals(2, m.mem().refcount[m.mem().idx(src)], "the isolation reference is dropped: one per mapping");
    }

    @Test
    void anExtraReferenceIsRetriedThenReportedNotMigrated() {
        Machine m = machine();
        long src = isolatedShared(m);
        List<Long> from = list(src);
        m.migrate().setContention(new Contention(-1, src));
        long freeBefore = m.zone(ZoneType.NORMAL).nrFreePages;
        int rc = m.migrate().migrate_pages(from, alloc(m), null, MigrateMode.MIGRATE_SYNC, MigrateReason.MR_SYSCALL, null);
        assertEquals(1, rc, "one folio not migrated");
        assertEquals(List.of(src), from);
        assertEquals(Migrate.NR_MAX_MIGRATE_ASYNC_RETRY + Migrate.NR_MAX_MIGRATE_SYNC_RETRY, m.migrate().events.moveRetries,
                "an async batch of 3 passes, then the folio alone in sync mode for 7");
        assertEquals(freeBefore, m.zone(ZoneType.NORMAL).nrFreePages, "every destination went back");
        assertTrue(Pte.normal(m.rmap().task(2).pageTable().get(A)), "remove_migration_ptes(src, src) restored the PTEs");
        m.migrate().setContention(Contention.NONE);
        m.migrate().putback_movable_pages(from);
        assertEquals(0, m.rmap().warnings().count(), m.rmap().warnings().messages().toString());
    }

    @Test
    void theKsmHookSeesTheFolioMoveAndNoAnonVmaIsPinned() {
        Machine m = machine();
        long src = isolatedShared(m);
        List<long[]> moves = new ArrayList<>();
        m.migrate().setKsm(new FolioMigrateKsm() {
            @Override
            public boolean folio_test_ksm(long pfn) {
                return pfn == src;
            }

            @Override
            public void folio_migrate_ksm(long newPfn, long oldPfn) {
                moves.add(new long[] {newPfn, oldPfn});
            }
        });
        int refcount = m.rmap().folioAnonVma(src).refcount();
        List<Long> from = list(src);
        Migration[] out = new Migration[1];
        assertEquals(0, m.migrate().migrate_folio_unmap(alloc(m), null, src, out, MigrateMode.MIGRATE_SYNC, from, null));
        assertEquals(null, out[0].anonVma(), "folio_get_anon_vma() is not called for a KSM folio");
        assertEquals(refcount, m.rmap().folioAnonVma(src).refcount());
        assertEquals(0, m.migrate().migrate_folio_move(null, out[0], MigrateMode.MIGRATE_SYNC, MigrateReason.MR_SYSCALL, from,
                new ArrayList<>()));
        assertEquals(1, moves.size());
        assertEquals(out[0].dst(), moves.get(0)[0]);
        assertEquals(src, moves.get(0)[1]);
        assertFalse(from.contains(src));
    }
}
