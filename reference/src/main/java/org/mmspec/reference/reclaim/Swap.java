package org.mmspec.reference.reclaim;

import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * The LRU functions of mm/swap.c (Linux v6.18; the file is named for the swap token of old, the
 * swap device is {@link SwapInfo}): folio_mark_accessed() and its PG_referenced/PG_active steps,
 * folio_activate() (lru_activate), folio_deactivate() (lru_deactivate),
 * folio_rotate_reclaimable() (lru_move_tail) and the reclaim cost lru_note_cost_unlock_irq().
 * The per-CPU folio batches (cpu_fbatches) are drained at once: a folio queued for a move has
 * moved when the call returns, as after lru_add_drain().
 */
public final class Swap {
    /** SWAP_CLUSTER_MAX. */
    public static final int SWAP_CLUSTER_MAX = 32;

    private final Reclaim r;

    Swap(Reclaim r) {
        this.r = r;
    }

    private MemMap mem() {
        return r.mem;
    }

    private boolean test(int page, int flag) {
        return (r.mem.flags[page] & flag) != 0;
    }

    /**
     * folio_mark_accessed(): inactive,unreferenced -&gt; inactive,referenced; inactive,referenced
     * -&gt; active,unreferenced (folio_activate(), workingset_activation()); active,unreferenced
     * -&gt; active,referenced. Unevictable folios only get PG_referenced.
     */
    public void folio_mark_accessed(int page) {
        MemMap mem = mem();
        if (test(page, PageFlags.PG_dropbehind)) return;
        if (!test(page, PageFlags.PG_referenced)) {
            mem.flags[page] |= PageFlags.PG_referenced;
            r.stats.markAccessedReferenced++;
        } else if (test(page, PageFlags.PG_unevictable)) {
            // the unevictable list is never rotated: marking it accessed has no effect
        } else if (!test(page, PageFlags.PG_active)) {
            if (test(page, PageFlags.PG_lru)) {
                folio_activate(page);
            } else {
                // __lru_cache_activate_folio(): the model's batches are always drained, so a
                // folio off the LRU is isolated, not in a batch: nothing to mark
            }
            mem.flags[page] &= ~PageFlags.PG_referenced;
            r.workingset.workingset_activation(page);
            r.stats.markAccessedActivated++;
        }
    }

    /** folio_activate(): queue an inactive evictable LRU folio for lru_activate(). */
    void folio_activate(int page) {
        if (test(page, PageFlags.PG_active) || test(page, PageFlags.PG_unevictable) || !test(page, PageFlags.PG_lru)) return;
        batchMove(page, this::lru_activate);
    }

    /** lru_activate(): off its inactive list, PG_active, onto the head of the active list. */
    void lru_activate(int page) {
        if (test(page, PageFlags.PG_active) || test(page, PageFlags.PG_unevictable)) return;
        int from = r.lruvec.folio_lru_list(page);
        r.lruvec.lruvec_del_folio(page);
        mem().flags[page] |= PageFlags.PG_active;
        r.lruvec.lruvec_add_folio(page);
        r.stats.pgactivate++;
        r.trace.move(new ReclaimTrace.Move(mem().pfn(page), from, r.lruvec.folio_lru_list(page), "folio_mark_accessed"));
    }

    /**
     * folio_deactivate(): move an active evictable LRU folio to the head of its inactive list,
     * PG_active and PG_referenced cleared (lru_deactivate()).
     */
    public void folio_deactivate(int page) {
        if (test(page, PageFlags.PG_unevictable) || !test(page, PageFlags.PG_lru)) return;
        if (!test(page, PageFlags.PG_active)) return;
        batchMove(page, this::lru_deactivate);
    }

    /** lru_deactivate(). */
    void lru_deactivate(int page) {
        if (test(page, PageFlags.PG_unevictable) || !test(page, PageFlags.PG_active)) return;
        int from = r.lruvec.folio_lru_list(page);
        r.lruvec.lruvec_del_folio(page);
        mem().flags[page] &= ~(PageFlags.PG_active | PageFlags.PG_referenced);
        r.lruvec.lruvec_add_folio(page);
        r.stats.pgdeactivate++;
        r.stats.folioDeactivated++;
        r.trace.move(new ReclaimTrace.Move(mem().pfn(page), from, r.lruvec.folio_lru_list(page), "folio_deactivate"));
    }

    /**
     * folio_rotate_reclaimable(): writeback ended on a folio reclaim marked PG_reclaim; if it is
     * still an unlocked, clean, evictable LRU folio, move it to the tail of its inactive list so
     * the next scan frees it (lru_move_tail()).
     */
    void folio_rotate_reclaimable(int page) {
        if (test(page, PageFlags.PG_locked) || test(page, PageFlags.PG_dirty) || test(page, PageFlags.PG_unevictable)
                || !test(page, PageFlags.PG_lru)) {
            return;
        }
        batchMove(page, this::lru_move_tail);
        r.stats.folioRotateReclaimable++;
    }

    /** lru_move_tail(). */
    void lru_move_tail(int page) {
        if (test(page, PageFlags.PG_unevictable)) return;
        int from = r.lruvec.folio_lru_list(page);
        r.lruvec.lruvec_del_folio(page);
        mem().flags[page] &= ~PageFlags.PG_active;
        r.lruvec.lruvec_add_folio_tail(page);
        r.stats.pgrotated++;
        r.trace.move(new ReclaimTrace.Move(mem().pfn(page), from, r.lruvec.folio_lru_list(page), "folio_rotate_reclaimable"));
    }

    /**
     * folio_batch_move_lru() for a batch of one, drained at once: the move runs only on a folio
     * whose PG_lru it can clear (nobody isolated it meanwhile), and PG_lru is set again after.
     */
    private void batchMove(int page, java.util.function.IntConsumer moveFn) {
        MemMap mem = mem();
        if ((mem.flags[page] & PageFlags.PG_lru) == 0) return; // folio_test_clear_lru() failed
        mem.flags[page] &= ~PageFlags.PG_lru;
        moveFn.accept(page);
        mem.flags[page] |= PageFlags.PG_lru;
    }

    /**
     * lru_note_cost_unlock_irq(): the cost of reclaiming a type is its I/O (SWAP_CLUSTER_MAX per
     * page written or read back) plus its rotations; both costs halve once their sum exceeds a
     * quarter of the LRU, so recent events weigh more.
     */
    void lru_note_cost(boolean file, long nrIo, long nrRotated) {
        long cost = nrIo * SWAP_CLUSTER_MAX + nrRotated;
        if (cost == 0) return;
        Lruvec l = r.lruvec;
        if (file) l.fileCost += cost;
        else l.anonCost += cost;
        long lrusize = l.size(Lruvec.LRU_INACTIVE_ANON) + l.size(Lruvec.LRU_ACTIVE_ANON) + l.size(Lruvec.LRU_INACTIVE_FILE)
                + l.size(Lruvec.LRU_ACTIVE_FILE);
        if (l.fileCost + l.anonCost > lrusize / 4) {
            l.fileCost /= 2;
            l.anonCost /= 2;
        }
        // parent_lruvec(): memcg is off, the node's lruvec is the root
    }

    /** lru_note_cost_refault(): a refault costs its type one page of I/O. */
    void lru_note_cost_refault(int page) {
        lru_note_cost(Lruvec.folio_is_file_lru(mem().flags[page]), 1, 0);
    }
}
