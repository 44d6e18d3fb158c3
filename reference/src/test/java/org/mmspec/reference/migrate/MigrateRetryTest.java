package org.mmspec.reference.migrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.mmspec.reference.rmap.Pte;

/**
 * The retry and accounting paths of migrate_pages() (mm/migrate.c, v6.18) under contention: a
 * folio whose lock another task holds ({@link Contention#lockedPfn}), a folio with an extra
 * reference ({@link Contention#pinnedPfn}), and get_new_folio() running out of pages, in
 * MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT and MIGRATE_SYNC. Every expectation is derived by hand from
 * the kernel's loops, which are, for order-0 folios:
 *
 * <ul>
 * <li>migrate_pages(): MIGRATE_ASYNC runs migrate_pages_batch(nr_pass = NR_MAX_MIGRATE_PAGES_RETRY
 * = 10); the sync modes run migrate_pages_sync(), which runs one MIGRATE_ASYNC batch over the whole
 * list with nr_pass = NR_MAX_MIGRATE_ASYNC_RETRY = 3 (its failures are NOT counted: astats is
 * dropped unless it returned an error), then every folio still on the list alone in the caller's
 * mode with nr_pass = NR_MAX_MIGRATE_SYNC_RETRY = 7.</li>
 * <li>migrate_pages_batch(): up to nr_pass unmap passes while some folio returned -EAGAIN from
 * migrate_folio_unmap() (it stays on the from list; each attempt allocates a destination and puts
 * it back), then up to nr_pass move passes while some migrate_folio_move() returned -EAGAIN;
 * nr_failed += retry and nr_failed_pages += nr_retry_pages of the last pass of each loop.
 * -ENOMEM from get_new_folio() stops the unmapping at once (nr_failed_pages += 1 +
 * nr_retry_pages), moves what was unmapped, and the batch returns -ENOMEM.</li>
 * <li>migrate_folio_unmap(): folio_trylock() failing means -EAGAIN in MIGRATE_ASYNC, with
 * PF_MEMALLOC, and in MIGRATE_SYNC_LIGHT for a folio that is not uptodate; otherwise
 * folio_lock() waits.</li>
 * <li>__migrate_folio(): -EAGAIN while folio_ref_count(src) != folio_expected_ref_count(src) + 1.</li>
 * </ul>
 *
 * The destinations come from {@link Dests}, which counts get_new_folio() and put_new_folio()
 * calls: that count is the number of migrate_folio_unmap() attempts, which tells the passes made.
 */
class MigrateRetryTest {
    static final long A = MigrateTest.A;

    /** get_new_folio() / put_new_folio() that count their calls; get_new_folio() returns NULL from call failFrom on. */
    static final class Dests implements Migrate.NewFolio, Migrate.FreeFolio {
        final Machine m;
        final long failFor;
        final int failFrom;
        int allocated, put;

        Dests(Machine m, long failFor, int failFrom) {
            this.m = m;
            this.failFor = failFor;
            this.failFrom = failFrom;
        }

        Dests(Machine m) {
            this(m, -1, Integer.MAX_VALUE);
        }

        @Override
        public long get_new_folio(long src) {
            allocated++;
            if (src == failFor || allocated >= failFrom) return -1;
            return m.pageAlloc().__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0);
        }

        @Override
        public void put_new_folio(long dst) {
            put++;
            m.rmap().folio_put(dst);
        }
    }

    static Machine machine(long pages) {
        return new Machine(MachineConfig.of("m", 5, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, pages))).withMinFreeKbytes(0));
    }

    /**
     * pid 1 maps n pages at A and writes 100 + i into page i, forks (pid 2 shares every page), and
     * every page is isolated from the LRU. The pfns, in address order.
     */
    static List<Long> isolatedShared(Machine m, int n) {
        m.rmap().mmap(1, A, n);
        List<Long> pfns = new ArrayList<>();
        for (int i = 0; i < n; i++) pfns.add(m.rmap().access(1, A + i, true, 100 + i).pfn());
        m.rmap().fork(1, 0);
        for (long pfn : pfns) assertTrue(m.node().lruvec.folio_isolate_lru(pfn));
        return pfns;
    }

    static long mapped(Machine m, int pid, long addr) {
        long pte = m.rmap().task(pid).pageTable().get(addr);
        assertTrue(Pte.normal(pte), "a present PTE at 0x" + Long.toHexString(addr));
        return Pte.pfn(pte);
    }

    static void noWarnings(Machine m) {
        assertEquals(0, m.rmap().warnings().count(), m.rmap().warnings().messages().toString());
    }

    static long free(Machine m) {
        return m.zone(ZoneType.NORMAL).nrFreePages;
    }

    static boolean buddy(Machine m, long pfn) {
        return (m.mem().flags[m.mem().idx(pfn)] & PageFlags.PGTY_buddy) != 0;
    }

    /** The source is back as it was before the call: mapped by both processes, its content, its references. */
    static void restored(Machine m, long src, long addr, long value) {
        assertEquals(src, mapped(m, 1, addr));
        assertEquals(src, mapped(m, 2, addr));
        assertEquals(value, m.rmap().peek(2, addr));
        assertEquals(2, m.rmap().mapcount(src));
        assertEquals(3, m.mem().refcount[m.mem().idx(src)], "two mappings and the isolation");
    }

    /**
     * MIGRATE_ASYNC, the folio lock held by another task: migrate_pages() runs one
     * migrate_pages_batch() with nr_pass = NR_MAX_MIGRATE_PAGES_RETRY (mm/migrate.c,
     * migrate_pages()); each pass, migrate_folio_unmap() gets a destination, fails
     * folio_trylock() and, mode == MIGRATE_ASYNC, goes to out with rc = -EAGAIN: ret = NULL, so
     * the folio stays on the from list, and migrate_folio_undo_dst() puts the destination. Ten
     * passes, then nr_failed += retry (1) and nr_failed_pages += nr_retry_pages (1); nothing was
     * unmapped, so the move loop does nothing. Returns 1, the folio is left on the list.
     */
    @Test
    void asyncGivesUpOnALockedFolioAfterTenPasses() {
        Machine m = MigrateTest.machine();
        long src = isolatedShared(m, 1).get(0);
        int anonVmaRefs = m.rmap().folioAnonVma(src).refcount();
        long freeBefore = free(m);
        Migrate mig = m.migrate();
        mig.setContention(new Contention(src, -1));
        Dests d = new Dests(m);
        List<Long> from = new ArrayList<>(List.of(src));
        int[] ok = {-1};
        assertEquals(1, mig.migrate_pages(from, d, d, MigrateMode.MIGRATE_ASYNC, MigrateReason.MR_COMPACTION, ok));
        assertEquals(0, ok[0]);
        assertEquals(List.of(src), from);
        assertEquals(Migrate.NR_MAX_MIGRATE_PAGES_RETRY, d.allocated, "one unmap attempt per pass");
        assertEquals(Migrate.NR_MAX_MIGRATE_PAGES_RETRY, d.put, "every destination went back through put_new_folio()");
        MigrateEvents e = mig.events;
        assertEquals(10, e.asyncLockBusy);
        assertEquals(10, e.unmapRetries);
        assertEquals(10, e.undone);
        assertEquals(0, e.lockWaits);
        assertEquals(0, e.moveRetries);
        assertEquals(0, e.moved);
        assertEquals(0, e.succeeded);
        assertEquals(1, e.failedPages, "PGMIGRATE_FAIL: the retried folio once");
        assertEquals(0, e.enomem);
        assertEquals(freeBefore, free(m));
        restored(m, src, A, 100);
        assertEquals(anonVmaRefs, m.rmap().folioAnonVma(src).refcount(), "no anon_vma was pinned");
        mig.setContention(Contention.NONE);
        mig.putback_movable_pages(from);
        assertEquals(2, m.mem().refcount[m.mem().idx(src)]);
        noWarnings(m);
    }

    /**
     * MIGRATE_SYNC, the folio lock held by another task: migrate_pages_sync() first runs the
     * MIGRATE_ASYNC batch (3 passes of -EAGAIN, which it does not count), then the folio alone in
     * MIGRATE_SYNC: folio_trylock() fails, the task has no PF_MEMALLOC, the mode is not
     * SYNC_LIGHT, so folio_lock() waits (mm/migrate.c, migrate_folio_unmap()) and the folio
     * migrates on that first sync pass. 4 destinations asked for, 3 put back; PGMIGRATE_SUCCESS 1
     * and PGMIGRATE_FAIL 0 (the async batch's failures are dropped with astats).
     */
    @Test
    void syncWaitsForTheLockAfterTheAsyncBatch() {
        Machine m = MigrateTest.machine();
        long src = isolatedShared(m, 1).get(0);
        int anonVmaRefs = m.rmap().folioAnonVma(src).refcount();
        long freeBefore = free(m);
        Migrate mig = m.migrate();
        mig.setContention(new Contention(src, -1));
        List<long[]> moves = new ArrayList<>();
        mig.setMoveObserver((s, t) -> moves.add(new long[] {s, t}));
        Dests d = new Dests(m);
        List<Long> from = new ArrayList<>(List.of(src));
        int[] ok = {-1};
        assertEquals(0, mig.migrate_pages(from, d, d, MigrateMode.MIGRATE_SYNC, MigrateReason.MR_SYSCALL, ok));
        assertEquals(1, ok[0]);
        assertTrue(from.isEmpty());
        assertEquals(4, d.allocated);
        assertEquals(3, d.put);
        MigrateEvents e = mig.events;
        assertEquals(3, e.asyncLockBusy);
        assertEquals(3, e.unmapRetries);
        assertEquals(1, e.lockWaits);
        assertEquals(0, e.memallocLockBusy);
        assertEquals(0, e.moveRetries);
        assertEquals(1, e.moved);
        assertEquals(3, e.undone);
        assertEquals(1, e.succeeded);
        assertEquals(0, e.failedPages);
        long dst = mapped(m, 1, A);
        assertNotEquals(src, dst);
        assertEquals(1, moves.size(), "the move observer heard of it");
        assertEquals(src, moves.get(0)[0]);
        assertEquals(dst, moves.get(0)[1]);
        assertEquals(dst, mapped(m, 2, A));
        assertEquals(100, m.rmap().peek(2, A));
        assertTrue(buddy(m, src), "migrate_folio_done() freed the source");
        assertEquals(freeBefore, free(m), "one page taken, one freed");
        // migrate_folio_move(): folio_add_lru(dst), then folio_put(dst) drops get_new_folio()'s reference
        int dp = m.mem().idx(dst);
        assertTrue((m.mem().flags[dp] & PageFlags.PG_lru) != 0, "folio_add_lru(dst)");
        assertEquals(2, m.mem().refcount[dp], "one reference per mapping, the allocation's dropped");
        assertEquals(anonVmaRefs, m.rmap().folioAnonVma(dst).refcount(), "the anon_vma pin was dropped");
        noWarnings(m);
    }

    /**
     * MIGRATE_SYNC_LIGHT waits for the lock of an uptodate folio (every anonymous folio is): the
     * "light" mode only refuses a folio that is not uptodate (mm/migrate.c, migrate_folio_unmap()).
     */
    @Test
    void syncLightWaitsForAnUptodateFolio() {
        Machine m = MigrateTest.machine();
        long src = isolatedShared(m, 1).get(0);
        Migrate mig = m.migrate();
        mig.setContention(new Contention(src, -1));
        Dests d = new Dests(m);
        List<Long> from = new ArrayList<>(List.of(src));
        assertEquals(0, mig.migrate_pages(from, d, d, MigrateMode.MIGRATE_SYNC_LIGHT, MigrateReason.MR_COMPACTION, null));
        assertTrue(from.isEmpty());
        assertEquals(3, mig.events.asyncLockBusy);
        assertEquals(1, mig.events.lockWaits);
        assertEquals(1, mig.events.succeeded);
        assertEquals(1, mig.events.byMode[MigrateMode.MIGRATE_SYNC_LIGHT.ordinal()]);
        assertEquals(100, m.rmap().peek(1, A));
        noWarnings(m);
    }

    /**
     * With PF_MEMALLOC (direct compaction) a sync migration must not sleep in folio_lock()
     * (mm/migrate.c, migrate_folio_unmap(): "It's not safe for direct compaction to call
     * lock_page"): 3 async passes, then 7 sync passes that all give up with -EAGAIN. Only the sync
     * batch's failure is counted: PGMIGRATE_FAIL 1. setPfMemalloc() answers the old setting, as
     * memalloc_noreclaim_save() does.
     */
    @Test
    void pfMemallocNeverWaitsForTheLock() {
        Machine m = MigrateTest.machine();
        long src = isolatedShared(m, 1).get(0);
        Migrate mig = m.migrate();
        assertEquals(false, mig.setPfMemalloc(true));
        mig.setContention(new Contention(src, -1));
        Dests d = new Dests(m);
        List<Long> from = new ArrayList<>(List.of(src));
        assertEquals(1, mig.migrate_pages(from, d, d, MigrateMode.MIGRATE_SYNC, MigrateReason.MR_COMPACTION, null));
        assertEquals(true, mig.setPfMemalloc(false));
        assertEquals(false, mig.setPfMemalloc(false));
        assertEquals(List.of(src), from);
        assertEquals(10, d.allocated);
        assertEquals(10, d.put);
        assertEquals(3, mig.events.asyncLockBusy);
        assertEquals(7, mig.events.memallocLockBusy);
        assertEquals(0, mig.events.lockWaits);
        assertEquals(10, mig.events.unmapRetries);
        assertEquals(1, mig.events.failedPages);
        restored(m, src, A, 100);
        noWarnings(m);
    }

    /**
     * A folio that is not uptodate (in the model: one with no mapping, which is never anonymous),
     * locked by another task that also holds a reference (a read in flight). MIGRATE_SYNC_LIGHT
     * does not wait for it: 3 async and 7 light passes of -EAGAIN from migrate_folio_unmap().
     * MIGRATE_SYNC waits once for the lock, unmaps nothing (no mapping) and then meets the extra
     * reference in __migrate_folio(): 7 move passes of -EAGAIN with the folio locked throughout,
     * then migrate_folios_undo() (mm/migrate.c, migrate_pages_batch()).
     */
    @Test
    void syncLightDoesNotWaitForAFolioThatIsNotUptodate() {
        Machine m = MigrateTest.machine();
        long p = m.pageAlloc().__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0);
        Migrate mig = m.migrate();
        assertEquals(false, mig.folio_test_uptodate(p));
        mig.setContention(new Contention(p, p));
        Dests d = new Dests(m);
        List<Long> from = new ArrayList<>(List.of(p));
        assertEquals(1, mig.migrate_pages(from, d, d, MigrateMode.MIGRATE_SYNC_LIGHT, MigrateReason.MR_COMPACTION, null));
        assertEquals(List.of(p), from);
        assertEquals(10, d.allocated);
        assertEquals(10, d.put);
        assertEquals(3, mig.events.asyncLockBusy);
        assertEquals(10, mig.events.unmapRetries);
        assertEquals(0, mig.events.lockWaits);
        assertEquals(0, mig.events.moveRetries);
        assertEquals(1, mig.events.failedPages);

        Machine n = MigrateTest.machine();
        long q = n.pageAlloc().__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0);
        Migrate nig = n.migrate();
        nig.setContention(new Contention(q, q));
        Dests e = new Dests(n);
        from = new ArrayList<>(List.of(q));
        assertEquals(1, nig.migrate_pages(from, e, e, MigrateMode.MIGRATE_SYNC, MigrateReason.MR_COMPACTION, null));
        assertEquals(List.of(q), from);
        assertEquals(4, e.allocated, "3 async attempts, then one unmap that succeeded");
        assertEquals(4, e.put);
        assertEquals(3, nig.events.asyncLockBusy);
        assertEquals(3, nig.events.unmapRetries);
        assertEquals(1, nig.events.lockWaits);
        assertEquals(Migrate.NR_MAX_MIGRATE_SYNC_RETRY, nig.events.moveRetries);
        assertEquals(4, nig.events.undone);
        assertEquals(1, nig.events.failedPages);
        assertEquals(1, n.mem().refcount[n.mem().idx(q)], "only our reference: the other task's is the contention's");
        noWarnings(m);
        noWarnings(n);
    }

    /**
     * MIGRATE_ASYNC and an extra reference: one unmap (try_to_migrate() succeeds), then the move
     * loop's 10 passes of -EAGAIN from __migrate_folio(); nr_failed += retry, and
     * migrate_folios_undo() restores the PTEs, drops the anon_vma pin and puts the one
     * destination (mm/migrate.c, migrate_pages_batch(), migrate_folio_undo_src()). MIGRATE_ASYNC
     * does not go through migrate_pages_sync(): one destination, not two.
     */
    @Test
    void asyncPinnedFolioIsUnmappedOnceAndMovedTenTimes() {
        Machine m = MigrateTest.machine();
        long src = isolatedShared(m, 1).get(0);
        int anonVmaRefs = m.rmap().folioAnonVma(src).refcount();
        long freeBefore = free(m);
        Migrate mig = m.migrate();
        mig.setContention(new Contention(-1, src));
        assertEquals(4, mig.folio_ref_count(src), "two mappings, the isolation, the pin");
        Dests d = new Dests(m);
        List<Long> from = new ArrayList<>(List.of(src));
        int[] ok = {-1};
        assertEquals(1, mig.migrate_pages(from, d, d, MigrateMode.MIGRATE_ASYNC, MigrateReason.MR_COMPACTION, ok));
        assertEquals(0, ok[0]);
        assertEquals(List.of(src), from);
        assertEquals(1, d.allocated);
        assertEquals(1, d.put);
        assertEquals(0, mig.events.unmapRetries);
        assertEquals(10, mig.events.moveRetries);
        assertEquals(1, mig.events.undone);
        assertEquals(1, mig.events.failedPages);
        assertEquals(0, mig.events.succeeded);
        assertEquals(freeBefore, free(m));
        restored(m, src, A, 100);
        assertEquals(anonVmaRefs, m.rmap().folioAnonVma(src).refcount(), "migrate_folio_undo_src() dropped the pin");
        noWarnings(m);
    }

    /**
     * MIGRATE_SYNC and an extra reference: the async batch unmaps it, fails 3 moves and undoes it
     * onto its local list; migrate_pages_sync() splices that list back onto from
     * (list_splice_tail_init(), which leaves the local list empty) and runs the folio alone: one
     * more unmap, 7 moves. Two destinations, the folio once on the list, 1 failed page.
     */
    @Test
    void syncPinnedFolioIsUnmappedTwice() {
        Machine m = MigrateTest.machine();
        long src = isolatedShared(m, 1).get(0);
        int anonVmaRefs = m.rmap().folioAnonVma(src).refcount();
        Migrate mig = m.migrate();
        mig.setContention(new Contention(-1, src));
        Dests d = new Dests(m);
        List<Long> from = new ArrayList<>(List.of(src));
        assertEquals(1, mig.migrate_pages(from, d, d, MigrateMode.MIGRATE_SYNC, MigrateReason.MR_SYSCALL, null));
        assertEquals(List.of(src), from);
        assertEquals(2, d.allocated);
        assertEquals(2, d.put);
        assertEquals(10, mig.events.moveRetries);
        assertEquals(2, mig.events.undone);
        assertEquals(1, mig.events.failedPages);
        restored(m, src, A, 100);
        assertEquals(anonVmaRefs, m.rmap().folioAnonVma(src).refcount());
        noWarnings(m);
    }

    /**
     * Two folios in MIGRATE_SYNC, the first locked by another task, the second pinned. The async
     * batch (3 passes): the first fails to lock each pass (3 destinations put), the second is
     * unmapped in pass 1 and fails its 3 moves. migrate_pages_sync() then runs each alone in
     * MIGRATE_SYNC: the first waits for its lock and migrates (rc 0: the loop goes on), the
     * second is unmapped again and fails 7 moves (rc 1). Returns 1; 6 destinations asked for.
     */
    @Test
    void syncRetriesEveryFolioAloneEvenAfterOneSucceeds() {
        Machine m = MigrateTest.machine();
        List<Long> pfns = isolatedShared(m, 2);
        long f1 = pfns.get(0), f2 = pfns.get(1);
        Migrate mig = m.migrate();
        mig.setContention(new Contention(f1, f2));
        Dests d = new Dests(m);
        List<Long> from = new ArrayList<>(pfns);
        int[] ok = {-1};
        assertEquals(1, mig.migrate_pages(from, d, d, MigrateMode.MIGRATE_SYNC, MigrateReason.MR_SYSCALL, ok));
        assertEquals(1, ok[0]);
        assertEquals(List.of(f2), from);
        assertEquals(6, d.allocated);
        assertEquals(5, d.put);
        MigrateEvents e = mig.events;
        assertEquals(3, e.asyncLockBusy);
        assertEquals(3, e.unmapRetries);
        assertEquals(1, e.lockWaits);
        assertEquals(3 + 7, e.moveRetries);
        assertEquals(1, e.moved);
        assertEquals(5, e.undone);
        assertEquals(1, e.succeeded);
        assertEquals(1, e.failedPages);
        assertNotEquals(f1, mapped(m, 1, A));
        assertEquals(100, m.rmap().peek(2, A));
        restored(m, f2, A + 1, 101);
        noWarnings(m);
    }

    /**
     * Direct compaction's case: MIGRATE_SYNC_LIGHT with PF_MEMALLOC, two folios, the first locked
     * by another task, the second pinned. Async batch: the first fails to lock 3 times and stays on
     * the list, the second is unmapped and fails 3 moves (undone onto the batch's local list,
     * spliced back behind the first). Sync pass, each alone: the first fails to lock 7 times and is
     * left on the one-folio list, which migrate_pages_sync() splices to ret_folios
     * (list_splice_tail_init(), emptying it) before taking the second: one unmap, 7 moves. Returns
     * 2, both on the list in their order, 12 destinations, PGMIGRATE_FAIL 2 (the sync passes').
     */
    @Test
    void pfMemallocSyncLightLeavesBothFoliosEachTriedAlone() {
        Machine m = MigrateTest.machine();
        List<Long> pfns = isolatedShared(m, 2);
        long f1 = pfns.get(0), f2 = pfns.get(1);
        long freeBefore = free(m);
        Migrate mig = m.migrate();
        mig.setContention(new Contention(f1, f2));
        boolean old = mig.setPfMemalloc(true);
        Dests d = new Dests(m);
        List<Long> from = new ArrayList<>(pfns);
        int[] ok = {-1};
        int rc = mig.migrate_pages(from, d, d, MigrateMode.MIGRATE_SYNC_LIGHT, MigrateReason.MR_COMPACTION, ok);
        mig.setPfMemalloc(old);
        assertEquals(2, rc);
        assertEquals(0, ok[0]);
        assertEquals(List.of(f1, f2), from);
        assertEquals(3 + 1 + 7 + 1, d.allocated);
        assertEquals(12, d.put);
        MigrateEvents e = mig.events;
        assertEquals(3, e.asyncLockBusy);
        assertEquals(7, e.memallocLockBusy);
        assertEquals(10, e.unmapRetries);
        assertEquals(10, e.moveRetries);
        assertEquals(12, e.undone);
        assertEquals(0, e.lockWaits);
        assertEquals(2, e.failedPages);
        assertEquals(freeBefore, free(m));
        restored(m, f1, A, 100);
        restored(m, f2, A + 1, 101);
        noWarnings(m);
    }

    /**
     * -ENOMEM in the async batch of a sync migration: the first folio fails to lock (-EAGAIN,
     * retry 1, nr_retry_pages 1), then get_new_folio() fails for the second: nr_failed_pages +=
     * 1 + nr_retry_pages = 2 and, nothing unmapped, the batch returns -ENOMEM at once
     * (mm/migrate.c, migrate_pages_batch()). migrate_pages_sync() counts astats.nr_failed_pages
     * and returns the error without the sync pass; migrate_pages() leaves both folios on the list.
     */
    @Test
    void enomemInTheAsyncBatchEndsASyncMigration() {
        Machine m = MigrateTest.machine();
        List<Long> pfns = isolatedShared(m, 2);
        long f1 = pfns.get(0), f2 = pfns.get(1);
        long freeBefore = free(m);
        Migrate mig = m.migrate();
        mig.setContention(new Contention(f1, -1));
        Dests d = new Dests(m, f2, Integer.MAX_VALUE);
        List<Long> from = new ArrayList<>(pfns);
        int[] ok = {-1};
        assertEquals(Migrate.ENOMEM, mig.migrate_pages(from, d, d, MigrateMode.MIGRATE_SYNC, MigrateReason.MR_SYSCALL, ok));
        assertEquals(0, ok[0]);
        assertEquals(List.of(f1, f2), from);
        assertEquals(2, d.allocated, "no sync pass after the error");
        assertEquals(1, d.put);
        assertEquals(2, mig.events.failedPages, "1 + nr_retry_pages");
        assertEquals(1, mig.events.enomem);
        assertEquals(1L, mig.events.figures().get("migrate_pages -ENOMEM"));
        assertEquals(0, mig.events.succeeded);
        assertEquals(freeBefore, free(m));
        restored(m, f1, A, 100);
        restored(m, f2, A + 1, 101);
        noWarnings(m);
    }

    /**
     * -ENOMEM in the sync pass: the async batch runs as in
     * {@link #syncRetriesEveryFolioAloneEvenAfterOneSucceeds} (4 destinations), then
     * get_new_folio() fails for the first folio alone: that batch returns -ENOMEM (1 failed page)
     * and migrate_pages_sync() returns it at once, without trying the second folio
     * (mm/migrate.c, migrate_pages_sync(): "if (rc < 0) return rc;"). Both folios are left on the
     * list, the one that failed first.
     */
    @Test
    void enomemInTheSyncPassStopsAtOnce() {
        Machine m = MigrateTest.machine();
        List<Long> pfns = isolatedShared(m, 2);
        long f1 = pfns.get(0), f2 = pfns.get(1);
        long freeBefore = free(m);
        Migrate mig = m.migrate();
        mig.setContention(new Contention(f1, f2));
        Dests d = new Dests(m, -1, 5);
        List<Long> from = new ArrayList<>(pfns);
        int[] ok = {-1};
        assertEquals(Migrate.ENOMEM, mig.migrate_pages(from, d, d, MigrateMode.MIGRATE_SYNC, MigrateReason.MR_SYSCALL, ok));
        assertEquals(0, ok[0]);
        assertEquals(List.of(f1, f2), from);
        assertEquals(5, d.allocated);
        assertEquals(4, d.put);
        assertEquals(1, mig.events.failedPages, "the async batch's failures are not counted");
        assertEquals(1, mig.events.enomem);
        assertEquals(0, mig.events.lockWaits);
        assertEquals(freeBefore, free(m));
        restored(m, f1, A, 100);
        restored(m, f2, A + 1, 101);
        noWarnings(m);
    }

    /**
     * -ENOMEM after another folio was unmapped, MIGRATE_ASYNC: the batch still moves what it
     * unmapped ("move unmapped folios, then exit") and returns rc_saved, -ENOMEM, not nr_failed
     * (mm/migrate.c, migrate_pages_batch(): rc = rc_saved ? : nr_failed). The first folio is
     * migrated and counted (ret_succeeded 1), the second left on the list.
     */
    @Test
    void enomemAfterAnUnmapStillMovesWhatWasUnmapped() {
        Machine m = MigrateTest.machine();
        List<Long> pfns = isolatedShared(m, 2);
        long f1 = pfns.get(0), f2 = pfns.get(1);
        Migrate mig = m.migrate();
        Dests d = new Dests(m, f2, Integer.MAX_VALUE);
        List<Long> from = new ArrayList<>(pfns);
        int[] ok = {-1};
        assertEquals(Migrate.ENOMEM, mig.migrate_pages(from, d, d, MigrateMode.MIGRATE_ASYNC, MigrateReason.MR_COMPACTION, ok));
        assertEquals(1, ok[0]);
        assertEquals(List.of(f2), from);
        assertEquals(2, d.allocated);
        assertEquals(0, d.put);
        assertEquals(1, mig.events.succeeded);
        assertEquals(1, mig.events.failedPages);
        assertEquals(1, mig.events.enomem);
        assertEquals(1, mig.events.moved);
        assertNotEquals(f1, mapped(m, 1, A));
        assertEquals(100, m.rmap().peek(2, A));
        assertTrue(buddy(m, f1));
        restored(m, f2, A + 1, 101);
        noWarnings(m);
    }

    /**
     * A folio whose last reference is the isolation's (its process unmapped it meanwhile) "was
     * freed from under us": migrate_pages_batch() clears PG_active and PG_unevictable, and
     * migrate_folio_done() drops the reference, which frees it; it counts as succeeded and asks
     * for no destination (mm/migrate.c, migrate_pages_batch()).
     */
    @Test
    void aFolioFreedFromUnderUsCountsAsMigrated() {
        Machine m = MigrateTest.machine();
        m.rmap().mmap(1, A, 1);
        long src = m.rmap().access(1, A, true, 7).pfn();
        assertTrue(m.node().lruvec.folio_isolate_lru(src));
        m.rmap().munmap(1, A, 1);
        int sp = m.mem().idx(src);
        assertEquals(1, m.mem().refcount[sp]);
        m.mem().flags[sp] |= PageFlags.PG_active;
        long freeBefore = free(m);
        Dests d = new Dests(m);
        List<Long> from = new ArrayList<>(List.of(src));
        int[] ok = {-1};
        assertEquals(0, m.migrate().migrate_pages(from, d, d, MigrateMode.MIGRATE_ASYNC, MigrateReason.MR_COMPACTION, ok));
        assertEquals(1, ok[0]);
        assertTrue(from.isEmpty());
        assertEquals(0, d.allocated);
        assertEquals(1, m.migrate().events.freedUnderUs);
        assertEquals(1, m.migrate().events.succeeded);
        assertEquals(0, m.migrate().events.moved);
        assertTrue(buddy(m, src));
        assertEquals(0, m.mem().flags[sp] & (PageFlags.PG_active | PageFlags.PG_unevictable));
        assertEquals(freeBefore + 1, free(m));
        noWarnings(m);
    }

    /**
     * migrate_pages() takes the list in batches of NR_MAX_BATCHED_MIGRATION (512) folios and goes
     * "again" while the list is not empty and no batch failed with an error (mm/migrate.c,
     * migrate_pages()). 513 folios freed from under us: two batches, 513 succeeded.
     */
    @Test
    void a513thFolioGoesInASecondBatch() {
        int n = Migrate.NR_MAX_BATCHED_MIGRATION + 1;
        Machine m = machine(1024);
        m.rmap().mmap(1, A, n);
        List<Long> pfns = new ArrayList<>();
        for (int i = 0; i < n; i++) pfns.add(m.rmap().access(1, A + i, true, i).pfn());
        for (long pfn : pfns) assertTrue(m.node().lruvec.folio_isolate_lru(pfn));
        m.rmap().munmap(1, A, n);
        Dests d = new Dests(m);
        List<Long> from = new ArrayList<>(pfns);
        int[] ok = {-1};
        assertEquals(0, m.migrate().migrate_pages(from, d, d, MigrateMode.MIGRATE_ASYNC, MigrateReason.MR_COMPACTION, ok));
        assertEquals(n, ok[0]);
        assertTrue(from.isEmpty());
        assertEquals(n, m.migrate().events.freedUnderUs);
        assertEquals(n, m.migrate().events.succeeded);
        assertTrue(buddy(m, pfns.get(n - 1)));
        noWarnings(m);
    }

    /**
     * A batch that fails with -ENOMEM ends migrate_pages(): the 513th folio is not tried
     * (mm/migrate.c, migrate_pages(): "if (rc < 0) { rc_gather = rc; ... goto out; }"), and the
     * first batch goes back onto the head of the list (list_splice(&ret_folios, from)): the list
     * is as it was. One get_new_folio() call, one failed page, the result -ENOMEM (not summed).
     */
    @Test
    void enomemInTheFirstBatchLeavesTheSecondUntried() {
        int n = Migrate.NR_MAX_BATCHED_MIGRATION + 1;
        Machine m = machine(1024);
        m.rmap().mmap(1, A, n);
        List<Long> pfns = new ArrayList<>();
        for (int i = 0; i < n; i++) pfns.add(m.rmap().access(1, A + i, true, i).pfn());
        for (long pfn : pfns) assertTrue(m.node().lruvec.folio_isolate_lru(pfn));
        Dests d = new Dests(m, -1, 1);
        List<Long> from = new ArrayList<>(pfns);
        assertEquals(Migrate.ENOMEM, m.migrate().migrate_pages(from, d, d, MigrateMode.MIGRATE_ASYNC, MigrateReason.MR_COMPACTION,
                null));
        assertEquals(pfns, from);
        assertEquals(1, d.allocated);
        assertEquals(1, m.migrate().events.failedPages);
        assertEquals(1, m.migrate().events.enomem);
        noWarnings(m);
    }
}
