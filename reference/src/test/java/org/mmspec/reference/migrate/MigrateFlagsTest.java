package org.mmspec.reference.migrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.rmap.Pte;

/**
 * What migration carries to the new folio and what it counts, against mm/migrate.c (v6.18):
 * folio_migrate_flags() (lines 755-784) and the PGMIGRATE_SUCCESS / PGMIGRATE_FAIL events
 * migrate_pages() counts (lines 2145-2146). Written for the mutants PIT found surviving in this
 * package (README.md, "Mutation testing"): MigrateTest checks mappings and content, not flags or
 * counts.
 */
class MigrateFlagsTest {
    static final int CARRIED = PageFlags.PG_referenced | PageFlags.PG_uptodate | PageFlags.PG_workingset
            | PageFlags.PG_dirty;
    /**
     * The flags the source may lose without the new folio inventing them. PG_dirty is not among
     * them: the page was written through a dirty PTE, and try_to_migrate_one() marks the folio
     * dirty as it takes that PTE down (mm/rmap.c:2433, v6.18), so the new folio is dirty whatever
     * the test cleared before.
     */
    static final int NOT_INVENTED = PageFlags.PG_referenced | PageFlags.PG_uptodate | PageFlags.PG_workingset
            | PageFlags.PG_active | PageFlags.PG_unevictable;

    static long migrateOne(Machine m, long src, MigrateMode mode) {
        List<Long> from = new ArrayList<>(List.of(src));
        int[] ok = new int[1];
        assertEquals(0, m.migrate().migrate_pages(from, s -> m.pageAlloc().__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0), null,
                mode, MigrateReason.MR_SYSCALL, ok));
        assertEquals(1, ok[0], "retSucceeded");
        long dst = Pte.pfn(m.rmap().task(1).pageTable().get(MigrateTest.A));
        assertNotEquals(src, dst);
        return dst;
    }

    @Test
    void referencedUptodateWorkingsetDirtyAndActiveMoveToTheNewFolio() {
        Machine m = MigrateTest.machine();
        long src = MigrateTest.isolatedShared(m);
        m.mem().flags[m.mem().idx(src)] |= CARRIED | PageFlags.PG_active;
        long dst = migrateOne(m, src, MigrateMode.MIGRATE_SYNC);
        int f = m.mem().flags[m.mem().idx(dst)];
        assertEquals(CARRIED | PageFlags.PG_active, f & (CARRIED | PageFlags.PG_active | PageFlags.PG_unevictable),
                PageFlags.describe(f));
    }

    /** A flag the source does not have is not set on the new folio (PG_dirty aside: see {@link #NOT_INVENTED}). */
    @Test
    void nothingIsInvented() {
        Machine m = MigrateTest.machine();
        long src = MigrateTest.isolatedShared(m);
        int sp = m.mem().idx(src);
        m.mem().flags[sp] &= ~(CARRIED | PageFlags.PG_active | PageFlags.PG_unevictable);
        long dst = migrateOne(m, src, MigrateMode.MIGRATE_ASYNC);
        int f = m.mem().flags[m.mem().idx(dst)];
        assertEquals(0, f & NOT_INVENTED, PageFlags.describe(f));
        assertEquals(PageFlags.PG_dirty, f & PageFlags.PG_dirty, "try_to_migrate_one() dirtied it: " + PageFlags.describe(f));
    }

    /** count_vm_events(PGMIGRATE_SUCCESS, stats.nr_succeeded) and PGMIGRATE_FAIL, per call of migrate_pages(). */
    @Test
    void successAndFailureAreCounted() {
        Machine m = MigrateTest.machine();
        long src = MigrateTest.isolatedShared(m);
        migrateOne(m, src, MigrateMode.MIGRATE_SYNC);
        MigrateEvents e = m.migrate().events;
        assertEquals(1, e.migratePagesCalls);
        assertEquals(1, e.byMode[MigrateMode.MIGRATE_SYNC.ordinal()]);
        assertEquals(1, e.succeeded);
        assertEquals(0, e.failedPages);
        assertEquals(1L, e.figures().get("PGMIGRATE_SUCCESS"));
        assertEquals(1L, e.figures().get("migrate_pages " + MigrateMode.MIGRATE_SYNC.kernelName()));
        assertEquals("MIGRATE_SYNC", MigrateMode.MIGRATE_SYNC.kernelName());

        // an extra reference on a second folio: retried, then one failed page
        Machine n = MigrateTest.machine();
        long busy = MigrateTest.isolatedShared(n);
        n.migrate().setContention(new Contention(-1, busy));
        List<Long> from = new ArrayList<>(List.of(busy));
        assertEquals(1, n.migrate().migrate_pages(from, s -> n.pageAlloc().__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0),
                null, MigrateMode.MIGRATE_ASYNC, MigrateReason.MR_COMPACTION, null));
        assertEquals(0, n.migrate().events.succeeded);
        assertEquals(1, n.migrate().events.failedPages);
        assertEquals(1L, n.migrate().events.figures().get("PGMIGRATE_FAIL"));
        n.migrate().setContention(Contention.NONE);
        n.migrate().putback_movable_pages(from);
        assertEquals(1, n.migrate().events.putBack);

        // the events travel with a copy of the machine
        Machine c = n.copy();
        assertEquals(n.migrate().events.figures(), c.migrate().events.figures());
    }
}
