package org.mmspec.reference.migrate;

import java.util.ArrayList;
import java.util.List;

import org.mmspec.reference.alloc.PageAlloc;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.reclaim.Lruvec;
import org.mmspec.reference.rmap.AnonVma;
import org.mmspec.reference.rmap.Migration;
import org.mmspec.reference.rmap.Rmap;

/**
 * Page migration of mm/migrate.c (Linux v6.18) for the model's folios (order-0 anonymous pages),
 * one method per kernel function and under its name: {@link #migrate_pages} over a list of
 * isolated folios with {@link #migrate_pages_batch} and {@link #migrate_pages_sync}, the two halves
 * {@link #migrate_folio_unmap} (destination from get_new_folio, anon_vma pinned,
 * try_to_migrate(): every PTE becomes a migration entry) and {@link #migrate_folio_move}
 * (move_to_new_folio(): content, mapping, index and flags; then remove_migration_ptes(src, dst)),
 * their undo paths, and {@link #putback_movable_pages}.
 *
 * <p>What makes a migration wait or fail is, in the kernel, other tasks: the model takes it as an
 * explicit {@link Contention} (a folio whose lock another task holds, a folio with an extra
 * reference), and the task's PF_MEMALLOC (direct compaction) as {@link #setPfMemalloc}. With no
 * contention an order-0 anonymous folio always migrates, unless get_new_folio() finds no page
 * (-ENOMEM).
 *
 * <p>Lists are the kernel's {@code list_head}s threaded through {@code folio->lru}: java lists of
 * pfns, head first. The page table edits of try_to_migrate() and remove_migration_ptes() live in
 * {@link Rmap}, next to the page tables they change.
 */
public final class Migrate {
    public static final int EAGAIN = -11;
    public static final int ENOMEM = -12;
    public static final int EBUSY = -16;

    /** NR_MAX_BATCHED_MIGRATION (HPAGE_PMD_NR with THP: 512). */
    public static final int NR_MAX_BATCHED_MIGRATION = 512;
    public static final int NR_MAX_MIGRATE_PAGES_RETRY = 10;
    public static final int NR_MAX_MIGRATE_ASYNC_RETRY = 3;
    public static final int NR_MAX_MIGRATE_SYNC_RETRY = NR_MAX_MIGRATE_PAGES_RETRY - NR_MAX_MIGRATE_ASYNC_RETRY;

    /** get_new_folio(src, private): a destination pfn, or -1 (NULL). */
    @FunctionalInterface
    public interface NewFolio {
        long get_new_folio(long src);
    }

    /** put_new_folio(dst, private): take back a destination that was not used. */
    @FunctionalInterface
    public interface FreeFolio {
        void put_new_folio(long dst);
    }

    /** {@code struct migrate_pages_stats} (order-0 folios: pages and folios are the same). */
    public static final class MigratePagesStats {
        public int nr_succeeded;
        public int nr_failed_pages;
    }

    private final Rmap r;
    private final PageAlloc pa;
    private final MemMap mem;
    private FolioMigrateKsm ksm = FolioMigrateKsm.NONE;
    private Contention contention = Contention.NONE;
    /** current-&gt;flags &amp; PF_MEMALLOC of the migrating task (direct compaction sets it). */
    private boolean pfMemalloc;
    /** What migration did, for the situations a run covered. */
    public final MigrateEvents events = new MigrateEvents();
    private MoveObserver moveObserver;

    /** Told of every folio migrate_folio_move() moved (model bookkeeping: compaction's diagram draws the arrows). */
    @FunctionalInterface
    public interface MoveObserver {
        void moved(long src, long dst);
    }

    public Migrate(Rmap r, PageAlloc pa) {
        this.r = r;
        this.pa = pa;
        this.mem = pa.mem;
    }

    /** Installs the KSM model's folio_test_ksm() and folio_migrate_ksm(); null for none. */
    public void setKsm(FolioMigrateKsm ksm) {
        this.ksm = ksm == null ? FolioMigrateKsm.NONE : ksm;
    }

    public FolioMigrateKsm ksm() {
        return ksm;
    }

    /** What other tasks hold during the calls that follow (until set again). */
    public void setContention(Contention c) {
        this.contention = c == null ? Contention.NONE : c;
    }

    public Contention contention() {
        return contention;
    }

    /** Who hears of each folio moved; null for nobody. */
    public void setMoveObserver(MoveObserver o) {
        this.moveObserver = o;
    }

    /** memalloc_noreclaim_save()/restore(): whether the migrating task runs with PF_MEMALLOC. */
    public boolean setPfMemalloc(boolean on) {
        boolean old = pfMemalloc;
        pfMemalloc = on;
        return old;
    }

    public void copyFrom(Migrate o) {
        events.copyFrom(o.events);
    }

    private Lruvec lruvec() {
        return pa.node.lruvec;
    }

    // ------------------------------------------------------------------ folio primitives

    /** folio_ref_count(): the page's references plus those the contention says others hold. */
    public int folio_ref_count(long pfn) {
        return mem.refcount[mem.idx(pfn)] + contention.extraRefs(pfn);
    }

    /**
     * folio_trylock(): fails when another task holds the lock: the contention's folio, or a folio
     * whose migration (an rmap migrate_folio_unmap step) is in flight and holds it.
     */
    boolean folio_trylock(long pfn) {
        return !contention.locked(pfn) && !r.migrations().containsKey(pfn);
    }

    /** folio_test_uptodate(): do_anonymous_page() and wp_page_copy() mark every anonymous folio uptodate. */
    boolean folio_test_uptodate(long pfn) {
        return r.folioTestAnon(pfn);
    }

    boolean folio_mapped(long pfn) {
        return mem.mapcountOf(mem.idx(pfn)) > 0;
    }

    // ------------------------------------------------------------------ migrate_pages

    /**
     * migrate_pages(): migrate the folios on {@code from} to destinations get_new_folio() supplies,
     * in batches of NR_MAX_BATCHED_MIGRATION: ASYNC in one batch with NR_MAX_MIGRATE_PAGES_RETRY
     * passes, the sync modes through migrate_pages_sync(). Returns the number of folios not
     * migrated, or -ENOMEM; the folios not migrated are left on {@code from} for the caller to
     * putback_movable_pages() (only when the result is not 0). {@code retSucceeded[0]}, when given,
     * is set to the folios migrated.
     */
    public int migrate_pages(List<Long> from, NewFolio get_new_folio, FreeFolio put_new_folio, MigrateMode mode,
                             MigrateReason reason, int[] retSucceeded) {
        int rc;
        int rc_gather = 0;
        List<Long> ret_folios = new ArrayList<>();
        MigratePagesStats stats = new MigratePagesStats();
        events.migratePagesCalls++;
        events.byMode[mode.ordinal()]++;
        while (true) {
            // again: take at most NR_MAX_BATCHED_MIGRATION pages off the list
            List<Long> folios = new ArrayList<>();
            int n = Math.min(from.size(), NR_MAX_BATCHED_MIGRATION);
            for (int i = 0; i < n; i++) folios.add(from.get(i));
            from.subList(0, n).clear();
            if (mode == MigrateMode.MIGRATE_ASYNC) {
                rc = migrate_pages_batch(folios, get_new_folio, put_new_folio, mode, reason, ret_folios, stats,
                        NR_MAX_MIGRATE_PAGES_RETRY);
            } else {
                rc = migrate_pages_sync(folios, get_new_folio, put_new_folio, mode, reason, ret_folios, stats);
            }
            ret_folios.addAll(folios); // list_splice_tail_init(&folios, &ret_folios)
            if (rc < 0) {
                rc_gather = rc;
                break;
            }
            rc_gather += rc;
            if (from.isEmpty()) break;
        }
        // out: put the permanent failures back on the migration list for the caller
        from.addAll(0, ret_folios);
        if (from.isEmpty()) rc_gather = 0;
        events.succeeded += stats.nr_succeeded;
        events.failedPages += stats.nr_failed_pages;
        if (rc_gather == ENOMEM) events.enomem++;
        if (retSucceeded != null) retSucceeded[0] = stats.nr_succeeded;
        return rc_gather;
    }

    /**
     * migrate_pages_sync(): first the whole list in one MIGRATE_ASYNC batch
     * (NR_MAX_MIGRATE_ASYNC_RETRY passes), then every folio that failed alone in the caller's mode
     * (NR_MAX_MIGRATE_SYNC_RETRY passes): only then may the task sleep on one folio's lock.
     */
    int migrate_pages_sync(List<Long> from, NewFolio get_new_folio, FreeFolio put_new_folio, MigrateMode mode,
                           MigrateReason reason, List<Long> ret_folios, MigratePagesStats stats) {
        int nr_failed = 0;
        List<Long> folios = new ArrayList<>();
        MigratePagesStats astats = new MigratePagesStats();
        int rc = migrate_pages_batch(from, get_new_folio, put_new_folio, MigrateMode.MIGRATE_ASYNC, reason, folios, astats,
                NR_MAX_MIGRATE_ASYNC_RETRY);
        stats.nr_succeeded += astats.nr_succeeded;
        if (rc < 0) {
            stats.nr_failed_pages += astats.nr_failed_pages;
            ret_folios.addAll(folios);
            return rc;
        }
        // Fall back to migrate all failed folios one by one synchronously
        from.addAll(folios); // list_splice_tail_init(&folios, from)
        folios.clear();
        while (!from.isEmpty()) {
            folios.add(from.remove(0)); // list_move(from->next, &folios)
            rc = migrate_pages_batch(folios, get_new_folio, put_new_folio, mode, reason, ret_folios, stats,
                    NR_MAX_MIGRATE_SYNC_RETRY);
            ret_folios.addAll(folios);
            folios.clear();
            if (rc < 0) return rc;
            nr_failed += rc;
        }
        return nr_failed;
    }

    /**
     * migrate_pages_batch(): unmap as many folios of {@code from} as possible (up to nr_pass passes
     * while some return -EAGAIN), then move them (up to nr_pass passes). -ENOMEM stops the unmapping
     * at once and moves what was unmapped. Returns the folios that failed (retries left over
     * included), or -ENOMEM. Folios still to retry stay on {@code from}; permanent failures go to
     * {@code ret_folios}; migrated ones are freed.
     */
    int migrate_pages_batch(List<Long> from, NewFolio get_new_folio, FreeFolio put_new_folio, MigrateMode mode,
                            MigrateReason reason, List<Long> ret_folios, MigratePagesStats stats, int nr_pass) {
        int retry = 1;
        int nr_failed = 0;
        int nr_retry_pages = 0;
        int rc_saved = 0;
        List<Long> unmap_folios = new ArrayList<>();
        List<Migration> dst_folios = new ArrayList<>();
        if (mode != MigrateMode.MIGRATE_ASYNC && from.size() > 1) {
            r.warnings().warn("migrate_pages_batch", "VM_WARN_ON_ONCE(mode != MIGRATE_ASYNC && !list_is_singular(from))");
        }
        boolean enomem = false;
        passes:
        for (int pass = 0; pass < nr_pass && retry != 0; pass++) {
            retry = 0;
            nr_retry_pages = 0;
            for (long folio : new ArrayList<>(from)) {
                // If we are holding the last folio reference, the folio was freed from under us
                if (folio_ref_count(folio) == 1) {
                    int page = mem.idx(folio);
                    mem.flags[page] &= ~(PageFlags.PG_active | PageFlags.PG_unevictable);
                    from.remove(folio);
                    migrate_folio_done(folio, reason);
                    stats.nr_succeeded++;
                    events.freedUnderUs++;
                    continue;
                }
                Migration[] rec = new Migration[1];
                int rc = migrate_folio_unmap(get_new_folio, put_new_folio, folio, rec, mode, from, ret_folios);
                switch (rc) {
                    case ENOMEM -> {
                        // When memory is low, don't bother to try to migrate other folios, move
                        // unmapped folios, then exit.
                        nr_failed++;
                        stats.nr_failed_pages += 1 + nr_retry_pages;
                        rc_saved = rc;
                        enomem = true;
                        break passes;
                    }
                    case EAGAIN -> {
                        retry++;
                        nr_retry_pages++;
                        events.unmapRetries++;
                    }
                    case 0 -> {
                        from.remove(folio);
                        unmap_folios.add(folio);
                        dst_folios.add(rec[0]);
                    }
                    default -> {
                        // Permanent failure: the folio went to ret_folios and is not retried
                        nr_failed++;
                        stats.nr_failed_pages++;
                    }
                }
            }
        }
        if (!enomem) {
            nr_failed += retry;
            stats.nr_failed_pages += nr_retry_pages;
        } else if (unmap_folios.isEmpty()) {
            migrate_folios_undo(unmap_folios, dst_folios, put_new_folio, ret_folios);
            return rc_saved;
        }
        // move: try_to_unmap_flush() has nothing to flush in the model
        retry = 1;
        for (int pass = 0; pass < nr_pass && retry != 0; pass++) {
            int[] counts = new int[3]; // retry, nr_failed, nr_retry_pages
            migrate_folios_move(unmap_folios, dst_folios, put_new_folio, mode, reason, ret_folios, stats, counts);
            retry = counts[0];
            nr_failed += counts[1];
            nr_retry_pages = counts[2];
        }
        nr_failed += retry;
        stats.nr_failed_pages += nr_retry_pages;
        int rc = rc_saved != 0 ? rc_saved : nr_failed;
        // out: cleanup remaining folios
        migrate_folios_undo(unmap_folios, dst_folios, put_new_folio, ret_folios);
        return rc;
    }

    /**
     * migrate_folios_move(): migrate_folio_move() for every unmapped folio and its destination;
     * -EAGAIN keeps the pair for another pass. {@code counts} gets retry, failures, retried pages.
     */
    void migrate_folios_move(List<Long> src_folios, List<Migration> dst_folios, FreeFolio put_new_folio, MigrateMode mode,
                             MigrateReason reason, List<Long> ret_folios, MigratePagesStats stats, int[] counts) {
        for (int i = 0; i < src_folios.size(); ) {
            Migration m = dst_folios.get(i);
            int rc = migrate_folio_move(put_new_folio, m, mode, reason, src_folios, ret_folios);
            switch (rc) {
                case EAGAIN -> {
                    counts[0]++;
                    counts[2]++;
                    events.moveRetries++;
                    i++;
                }
                case 0 -> {
                    stats.nr_succeeded++;
                    dst_folios.remove(i);
                }
                default -> {
                    counts[1]++;
                    stats.nr_failed_pages++;
                    dst_folios.remove(i);
                }
            }
        }
    }

    /** migrate_folios_undo(): undo every pair still unmapped: PTEs back to the source, destination put. */
    void migrate_folios_undo(List<Long> src_folios, List<Migration> dst_folios, FreeFolio put_new_folio,
                             List<Long> ret_folios) {
        while (!src_folios.isEmpty()) {
            Migration m = dst_folios.remove(0);
            migrate_folio_undo_src(m.src(), m.pageWasMapped(), m.anonVma(), true, src_folios, ret_folios);
            migrate_folio_undo_dst(m.dst(), true, put_new_folio);
        }
    }

    // ------------------------------------------------------------------ one folio

    /**
     * migrate_folio_unmap(): get a destination (-ENOMEM when there is none), lock the source (in
     * ASYNC, or with PF_MEMALLOC, a lock another task holds means -EAGAIN; otherwise wait for it),
     * pin its anon_vma (folio_get_anon_vma(); not for KSM folios), and try_to_migrate() it: every
     * PTE becomes a migration entry. 0 with the record in {@code out[0]}; on failure the source is
     * restored (and moved from {@code on} to {@code ret}, unless -EAGAIN) and the destination put.
     */
    public int migrate_folio_unmap(NewFolio get_new_folio, FreeFolio put_new_folio, long src, Migration[] out,
                                   MigrateMode mode, List<Long> on, List<Long> ret) {
        int rc = EAGAIN;
        boolean pageWasMapped = false;
        AnonVma anon_vma = null;
        boolean locked = false;
        boolean dst_locked = false;

        long dst = get_new_folio.get_new_folio(src);
        if (dst < 0) return ENOMEM;

        out:
        {
            if (!folio_trylock(src)) {
                if (mode == MigrateMode.MIGRATE_ASYNC) {
                    events.asyncLockBusy++;
                    break out;
                }
                // It's not safe for direct compaction to call lock_page.
                if (pfMemalloc) {
                    events.memallocLockBusy++;
                    break out;
                }
                // In "light" mode, we can wait for transient locks, but it's not worth waiting for I/O.
                if (mode == MigrateMode.MIGRATE_SYNC_LIGHT && !folio_test_uptodate(src)) break out;
                events.lockWaits++; // folio_lock(): the other task releases it
            }
            locked = true;
            // PG_writeback: the model has no writeback, so no mode has to wait for it
            if (r.folioTestAnon(src) && !ksm.folio_test_ksm(src)) anon_vma = r.folio_get_anon_vma(src);
            dst_locked = true; // folio_trylock(dst): nobody else knows the new folio
            if (mem.mappingOf(mem.idx(src)) != 0 && folio_mapped(src)) {
                if (r.folioTestAnon(src) && !ksm.folio_test_ksm(src) && anon_vma == null) {
                    r.warnings().warn("migrate_folio_unmap", "VM_BUG_ON_FOLIO(folio_test_anon(src) && !anon_vma) pfn 0x"
                            + Long.toHexString(src));
                }
                r.try_to_migrate(src);
                pageWasMapped = true;
            }
            if (!folio_mapped(src)) {
                out[0] = new Migration(src, dst, anon_vma, pageWasMapped);
                return 0;
            }
            r.warnings().warn("migrate_folio_unmap", "folio_mapped(src) after try_to_migrate() pfn 0x" + Long.toHexString(src));
        }
        // out: a folio that has not been unmapped will be restored to the right list unless we want to retry
        if (rc == EAGAIN) ret = null;
        migrate_folio_undo_src(src, pageWasMapped, anon_vma, locked, on, ret);
        migrate_folio_undo_dst(dst, dst_locked, put_new_folio);
        return rc;
    }

    /**
     * migrate_folio_move(): move_to_new_folio() (-EAGAIN on an unexpected reference: the pair
     * stays for another pass), then folio_add_lru(dst), remove_migration_ptes(src, dst), drop the
     * destination's allocation reference and the anon_vma pin, and migrate_folio_done(src), which
     * frees the source. Any other failure undoes both.
     */
    public int migrate_folio_move(FreeFolio put_new_folio, Migration m, MigrateMode mode, MigrateReason reason,
                                  List<Long> on, List<Long> ret) {
        long src = m.src();
        long dst = m.dst();
        int rc = move_to_new_folio(dst, src, mode);
        if (rc == 0) {
            // When successful, push dst to LRU immediately
            lruvec().folio_add_lru(dst);
            if (m.pageWasMapped()) r.remove_migration_ptes(src, dst);
            // decrease refcount of dst, which will not free the page because new page owner increased refcounter
            r.folio_put(dst);
            if (on != null) on.remove(src);
            if (m.anonVma() != null) r.put_anon_vma(m.anonVma());
            migrate_folio_done(src, reason);
            events.moved++;
            if (moveObserver != null) moveObserver.moved(src, dst);
            return 0;
        }
        if (rc == EAGAIN) return rc;
        migrate_folio_undo_src(src, m.pageWasMapped(), m.anonVma(), true, on, ret);
        migrate_folio_undo_dst(dst, true, put_new_folio);
        return rc;
    }

    /**
     * move_to_new_folio() of an anonymous folio (no address_space): migrate_folio() -&gt;
     * __migrate_folio(): -EAGAIN unless the source's references are exactly its mappings plus the
     * isolation's; then folio_mc_copy(), __folio_migrate_mapping() (index, mapping, swapbacked) and
     * folio_migrate_flags().
     */
    int move_to_new_folio(long dst, long src, MigrateMode mode) {
        int sp = mem.idx(src);
        int dp = mem.idx(dst);
        int expected_count = mem.mapcountOf(sp) + 1; // folio_expected_ref_count(src) + 1
        if (folio_ref_count(src) != expected_count) return EAGAIN;
        r.folio_mc_copy(dst, src);
        // __folio_migrate_mapping(NULL, ...): "No turning back from here"
        mem.index()[dp] = mem.indexOf(sp);
        mem.mapping()[dp] = mem.mappingOf(sp);
        if ((mem.flags[sp] & PageFlags.PG_swapbacked) != 0) mem.flags[dp] |= PageFlags.PG_swapbacked;
        folio_migrate_flags(dst, src);
        return 0;
    }

    /**
     * folio_migrate_flags(): referenced, uptodate, active (or unevictable: test-and-clear on the
     * source), workingset, dirty move to the new folio; the KSM stable node follows
     * (folio_migrate_ksm()). PG_anon_exclusive travels in the migration entries, not here.
     */
    void folio_migrate_flags(long dst, long src) {
        int sp = mem.idx(src);
        int dp = mem.idx(dst);
        int f = mem.flags[sp];
        mem.flags[dp] |= f & (PageFlags.PG_referenced | PageFlags.PG_uptodate | PageFlags.PG_workingset | PageFlags.PG_dirty);
        if ((f & PageFlags.PG_active) != 0) {
            mem.flags[sp] &= ~PageFlags.PG_active;
            mem.flags[dp] |= PageFlags.PG_active;
        } else if ((f & PageFlags.PG_unevictable) != 0) {
            mem.flags[sp] &= ~PageFlags.PG_unevictable;
            mem.flags[dp] |= PageFlags.PG_unevictable;
        }
        if (ksm.folio_test_ksm(src)) {
            ksm.folio_migrate_ksm(dst, src);
            events.ksmMoved++;
        }
    }

    /**
     * migrate_folio_undo_src(): restore the source: its migration entries back to PTEs of itself
     * (remove_migration_ptes(src, src)), the anon_vma pin dropped, unlocked, and moved from
     * {@code on} to {@code ret} when a list is given.
     */
    public void migrate_folio_undo_src(long src, boolean pageWasMapped, AnonVma anon_vma, boolean locked, List<Long> on,
                                       List<Long> ret) {
        if (pageWasMapped) r.remove_migration_ptes(src, src);
        if (anon_vma != null) r.put_anon_vma(anon_vma);
        if (ret != null) {
            if (on != null) on.remove(src);
            ret.add(src);
        }
        events.undone++;
    }

    /** migrate_folio_undo_dst(): the destination goes back through put_new_folio(), or folio_put(). */
    public void migrate_folio_undo_dst(long dst, boolean locked, FreeFolio put_new_folio) {
        if (put_new_folio != null) put_new_folio.put_new_folio(dst);
        else r.folio_put(dst);
    }

    /** migrate_folio_done(): the isolation's reference dropped; a migrated source is freed by it. */
    void migrate_folio_done(long src, MigrateReason reason) {
        if (reason != MigrateReason.MR_MEMORY_FAILURE) r.folio_put(src);
    }

    /** putback_movable_pages(): every folio on the list back to the LRU, the isolation's reference dropped. */
    public void putback_movable_pages(List<Long> l) {
        for (long folio : new ArrayList<>(l)) {
            l.remove(folio);
            r.folio_putback_lru(folio);
            events.putBack++;
        }
    }
}
