package org.mmspec.reference.migrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.page.PageFlags;

/**
 * The inputs migration takes from the rest of the machine ({@link Contention}, the KSM hook,
 * PF_MEMALLOC), the flags move_to_new_folio() carries, the VM_WARN of migrate_pages_batch() and
 * {@link MigrateMode}'s names, against mm/migrate.c and include/linux/migrate_mode.h (v6.18).
 */
class MigrateContentionTest {

    /**
     * Contention names pfns; pfn 0 is a pfn like any other, -1 is none. folio_trylock() fails
     * only for the locked pfn, folio_ref_count() counts one more only for the pinned pfn.
     */
    @Test
    void contentionNamesPfnsAndMinusOneIsNone() {
        assertTrue(Contention.NONE.none());
        assertFalse(new Contention(0, -1).none());
        assertFalse(new Contention(-1, 0).none());
        assertFalse(new Contention(7, 9).none());
        assertTrue(new Contention(0, -1).locked(0));
        assertFalse(new Contention(0, -1).locked(1));
        assertFalse(Contention.NONE.locked(-1), "-1 is no pfn");
        assertEquals(1, new Contention(-1, 0).extraRefs(0));
        assertEquals(0, new Contention(-1, 0).extraRefs(1));
        assertEquals(0, Contention.NONE.extraRefs(-1));
    }

    /**
     * folio_trylock() fails while another task holds the lock; folio_ref_count() is the page's
     * references plus the pin (mm/migrate.c, __migrate_folio() compares it with
     * folio_expected_ref_count() + 1). setContention(null) and setKsm(null) mean none.
     */
    @Test
    void theMigrateSideOfContentionAndTheKsmHook() {
        Machine m = MigrateTest.machine();
        long src = MigrateTest.isolatedShared(m);
        Migrate mig = m.migrate();
        int refs = m.mem().refcount[m.mem().idx(src)];
        assertEquals(3, refs);
        assertTrue(mig.folio_trylock(src));
        assertEquals(refs, mig.folio_ref_count(src));
        Contention c = new Contention(src, src);
        mig.setContention(c);
        assertSame(c, mig.contention());
        assertFalse(mig.folio_trylock(src));
        assertEquals(refs + 1, mig.folio_ref_count(src));
        mig.setContention(null);
        assertSame(Contention.NONE, mig.contention());
        assertTrue(mig.folio_trylock(src));

        FolioMigrateKsm k = new FolioMigrateKsm() {
            @Override
            public boolean folio_test_ksm(long pfn) {
                return false;
            }

            @Override
            public void folio_migrate_ksm(long newPfn, long oldPfn) {
            }
        };
        mig.setKsm(k);
        assertSame(k, mig.ksm());
        mig.setKsm(null);
        assertSame(FolioMigrateKsm.NONE, mig.ksm());
        assertFalse(FolioMigrateKsm.NONE.folio_test_ksm(src), "without KSM nothing is a KSM folio");
        FolioMigrateKsm.NONE.folio_migrate_ksm(src + 1, src);
        // and a migration still works with the hook removed
        List<Long> from = new ArrayList<>(List.of(src));
        assertEquals(0, mig.migrate_pages(from, s -> m.pageAlloc().__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0), null,
                MigrateMode.MIGRATE_SYNC, MigrateReason.MR_SYSCALL, null));
        assertEquals(0, mig.events.ksmMoved);
    }

    /**
     * folio_migrate_flags() (mm/migrate.c): PG_active is test-and-cleared on the source and set on
     * the destination; otherwise PG_unevictable is; a folio with neither gives neither.
     */
    @Test
    void activeOrElseUnevictableMovesToTheNewFolio() {
        Machine m = MigrateTest.machine();
        Migrate mig = m.migrate();
        long src = m.pageAlloc().__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0);
        long dst = m.pageAlloc().__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0);
        int sp = m.mem().idx(src), dp = m.mem().idx(dst);
        int both = PageFlags.PG_active | PageFlags.PG_unevictable;

        m.mem().flags[sp] |= PageFlags.PG_unevictable;
        mig.folio_migrate_flags(dst, src);
        assertEquals(PageFlags.PG_unevictable, m.mem().flags[dp] & both, PageFlags.describe(m.mem().flags[dp]));
        assertEquals(0, m.mem().flags[sp] & both, "folio_test_clear_unevictable(src)");

        m.mem().flags[dp] &= ~both;
        mig.folio_migrate_flags(dst, src);
        assertEquals(0, m.mem().flags[dp] & both, "neither flag, so neither is set");

        m.mem().flags[sp] |= PageFlags.PG_active;
        mig.folio_migrate_flags(dst, src);
        assertEquals(PageFlags.PG_active, m.mem().flags[dp] & both);
        assertEquals(0, m.mem().flags[sp] & both, "folio_test_clear_active(src)");
    }

    /**
     * __folio_migrate_mapping() with no address_space (mm/migrate.c): the new folio gets
     * PG_swapbacked only if the old one had it. An anonymous folio has it (do_anonymous_page());
     * a lazily freed one (MADV_FREE clears it) has not, and the new folio must not either.
     */
    @Test
    void swapbackedFollowsTheFolio() {
        for (boolean swapbacked : new boolean[] {true, false}) {
            Machine m = MigrateTest.machine();
            long src = MigrateTest.isolatedShared(m);
            int sp = m.mem().idx(src);
            assertTrue((m.mem().flags[sp] & PageFlags.PG_swapbacked) != 0, "an anonymous folio is swapbacked");
            if (!swapbacked) m.mem().flags[sp] &= ~PageFlags.PG_swapbacked;
            List<Long> from = new ArrayList<>(List.of(src));
            assertEquals(0, m.migrate().migrate_pages(from, s -> m.pageAlloc().__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0), null,
                    MigrateMode.MIGRATE_ASYNC, MigrateReason.MR_COMPACTION, null));
            long dst = MigrateRetryTest.mapped(m, 1, MigrateTest.A);
            int f = m.mem().flags[m.mem().idx(dst)];
            assertEquals(swapbacked, (f & PageFlags.PG_swapbacked) != 0, PageFlags.describe(f));
            assertEquals(42, m.rmap().peek(2, MigrateTest.A));
        }
    }

    /** folio_migrate_flags() calls folio_migrate_ksm() for a KSM folio: counted once per folio moved. */
    @Test
    void aKsmFolioMoveIsCounted() {
        Machine m = MigrateTest.machine();
        long src = MigrateTest.isolatedShared(m);
        List<Long> seen = new ArrayList<>();
        m.migrate().setKsm(new FolioMigrateKsm() {
            @Override
            public boolean folio_test_ksm(long pfn) {
                return pfn == src;
            }

            @Override
            public void folio_migrate_ksm(long newPfn, long oldPfn) {
                seen.add(oldPfn);
            }
        });
        List<Long> from = new ArrayList<>(List.of(src));
        assertEquals(0, m.migrate().migrate_pages(from, s -> m.pageAlloc().__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0), null,
                MigrateMode.MIGRATE_SYNC, MigrateReason.MR_SYSCALL, null));
        assertEquals(List.of(src), seen);
        assertEquals(1, m.migrate().events.ksmMoved);
        assertEquals(1L, m.migrate().events.figures().get("folio_migrate_ksm"));
    }

    /**
     * A KSM folio that try_to_migrate() leaves mapped: v6.18's rmap_walk_ksm() only finds mappings
     * through the stable node's rmap_items, and a fork's copy of a KSM mapping whose parent item
     * left the node is not among them (the KSM model's own test,
     * KsmTest.aForkInheritedMappingIsInvisibleToRmapWalkKsmUntilKsmdReachesIt). mm/migrate.c,
     * migrate_folio_unmap(): "if (!folio_mapped(src)) ... return 0;" is not taken, so it falls to
     * out with rc = -EAGAIN: the folio stays on the list, its destination is put. MIGRATE_ASYNC: 10
     * such passes, then 1 folio not migrated. No anon_vma is pinned for a KSM folio.
     */
    @Test
    void aKsmFolioLeftMappedIsRetriedThenNotMigrated() {
        Machine m = new Machine(org.mmspec.reference.alloc.MachineConfig.of("ksm", 8, 5,
                List.of(org.mmspec.reference.alloc.ZoneConfig.of(org.mmspec.reference.alloc.ZoneType.NORMAL, 0, 1024)))
                .withMinFreeKbytes(0));
        org.mmspec.reference.ksm.Ksm k = m.ksm();
        org.mmspec.reference.rmap.Rmap r = m.rmap();
        long a = 0x100;
        assertEquals(0, k.sysfs_store("pages_to_scan", "1000"));
        assertTrue(r.mmap(1, a, 2) >= 0);
        r.access(1, a, true, 7);
        r.access(1, a + 1, true, 7);
        assertEquals(0, r.madvise(1, a, 2, org.mmspec.reference.rmap.Rmap.MADV_MERGEABLE));
        assertEquals(0, k.sysfs_store("run", "1"));
        k.full_scan();
        k.full_scan();
        long kpage = MigrateRetryTest.mapped(m, 1, a);
        assertEquals(kpage, MigrateRetryTest.mapped(m, 1, a + 1), "merged");
        assertEquals(0, k.sysfs_store("pages_to_scan", "2"));
        int child = r.fork(1, 0);
        r.access(1, a, true, 8);
        r.access(1, a + 1, true, 9);
        k.ksm_do_scan(2); // the parent's items leave the node; the child's are not scanned yet
        assertEquals(2, r.mapcount(kpage));
        assertTrue(k.rmapWalkKsmAddresses(kpage).isEmpty());
        assertTrue(m.node().lruvec.folio_isolate_lru(kpage));

        Migrate mig = m.migrate();
        MigrateRetryTest.Dests d = new MigrateRetryTest.Dests(m);
        List<Long> from = new ArrayList<>(List.of(kpage));
        int[] ok = {-1};
        assertEquals(1, mig.migrate_pages(from, d, d, MigrateMode.MIGRATE_ASYNC, MigrateReason.MR_COMPACTION, ok));
        assertEquals(0, ok[0]);
        assertEquals(List.of(kpage), from);
        assertEquals(10, d.allocated);
        assertEquals(10, d.put);
        assertEquals(10, mig.events.ksmStillMapped);
        assertEquals(10L, mig.events.figures().get("KSM folio still mapped after try_to_migrate (-EAGAIN)"));
        assertEquals(10, mig.events.unmapRetries);
        assertEquals(0, mig.events.moveRetries);
        assertEquals(1, mig.events.failedPages);
        assertEquals(kpage, MigrateRetryTest.mapped(m, child, a));
        assertEquals(kpage, MigrateRetryTest.mapped(m, child, a + 1));
        assertEquals(7, r.peek(child, a + 1));
        MigrateRetryTest.noWarnings(m);
        mig.putback_movable_pages(from);
    }

    /**
     * MR_MEMORY_FAILURE: migrate_folio_done() keeps the isolation's reference on the source
     * ("We release the page in page_handle_poison"), every other reason drops it.
     */
    @Test
    void memoryFailureKeepsTheSource() {
        Machine m = MigrateTest.machine();
        long src = MigrateTest.isolatedShared(m);
        List<Long> from = new ArrayList<>(List.of(src));
        assertEquals(0, m.migrate().migrate_pages(from, s -> m.pageAlloc().__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0), null,
                MigrateMode.MIGRATE_SYNC, MigrateReason.MR_MEMORY_FAILURE, null));
        assertEquals(1, m.mem().refcount[m.mem().idx(src)]);
        assertFalse(MigrateRetryTest.buddy(m, src));
    }

    /**
     * migrate_pages_batch(): VM_WARN_ON_ONCE(mode != MIGRATE_ASYNC && !list_empty(from) &&
     * !list_is_singular(from)): only MIGRATE_ASYNC batches more than one folio (migrate_pages_sync()
     * passes them one at a time). A warning, and the batch goes on.
     */
    @Test
    void aSyncBatchOfTwoFoliosWarns() {
        for (MigrateMode mode : MigrateMode.values()) {
            Machine m = MigrateTest.machine();
            List<Long> pfns = MigrateRetryTest.isolatedShared(m, 2);
            MigrateRetryTest.Dests d = new MigrateRetryTest.Dests(m);
            List<Long> from = new ArrayList<>(pfns);
            List<Long> ret = new ArrayList<>();
            Migrate.MigratePagesStats stats = new Migrate.MigratePagesStats();
            assertEquals(0, m.migrate().migrate_pages_batch(from, d, d, mode, MigrateReason.MR_SYSCALL, ret, stats, 1));
            assertEquals(2, stats.nr_succeeded);
            assertTrue(from.isEmpty() && ret.isEmpty());
            int warned = mode == MigrateMode.MIGRATE_ASYNC ? 0 : 1;
            assertEquals(warned, m.rmap().warnings().count(), mode + ": " + m.rmap().warnings().messages());
            if (warned == 1) assertTrue(m.rmap().warnings().messages().get(0).contains("list_is_singular"));
        }
        // one folio in a sync mode is what migrate_pages_sync() does: no warning
        Machine m = MigrateTest.machine();
        List<Long> from = new ArrayList<>(MigrateRetryTest.isolatedShared(m, 1));
        MigrateRetryTest.Dests d = new MigrateRetryTest.Dests(m);
        assertEquals(0, m.migrate().migrate_pages_batch(from, d, d, MigrateMode.MIGRATE_SYNC, MigrateReason.MR_SYSCALL,
                new ArrayList<>(), new Migrate.MigratePagesStats(), 1));
        MigrateRetryTest.noWarnings(m);
    }

    /** enum migrate_mode's names: the kernel's, the short ones operations use, and parsing either. */
    @Test
    void modeNames() {
        assertEquals("async", MigrateMode.MIGRATE_ASYNC.shortName());
        assertEquals("sync_light", MigrateMode.MIGRATE_SYNC_LIGHT.shortName());
        assertEquals("sync", MigrateMode.MIGRATE_SYNC.shortName());
        for (MigrateMode mode : MigrateMode.values()) {
            assertSame(mode, MigrateMode.parse(mode.shortName()));
            assertSame(mode, MigrateMode.parse(" " + mode.kernelName().toLowerCase() + " "));
        }
        assertSame(MigrateMode.MIGRATE_SYNC_LIGHT, MigrateMode.parse("Sync_Light"));
        assertThrows(IllegalArgumentException.class, () -> MigrateMode.parse("light"));
        assertThrows(IllegalArgumentException.class, () -> MigrateMode.parse("MIGRATE_"));
    }
}
