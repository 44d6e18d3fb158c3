package org.mmspec.reference.reclaim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * The LRU primitives: include/linux/mm_inline.h (folio_lru_list(), is_file_lru(),
 * lruvec_add_folio(), lruvec_del_folio()), mm/swap.c (folio_add_lru(), folio_mark_accessed(),
 * folio_activate()/lru_activate(), folio_deactivate()/lru_deactivate(),
 * folio_rotate_reclaimable()/lru_move_tail(), lru_note_cost_unlock_irq()) and mm/vmscan.c's
 * folio_isolate_lru(), v6.18, with the per-CPU batches drained at once.
 */
class LruvecTest {
    static final int IA = Lruvec.LRU_INACTIVE_ANON;
    static final int AA = Lruvec.LRU_ACTIVE_ANON;
    static final int IF = Lruvec.LRU_INACTIVE_FILE;
    static final int AF = Lruvec.LRU_ACTIVE_FILE;
    static final int NORMAL = ZoneType.NORMAL.idx();

    static Machine machine() {
        return ShrinkListTest.big(SwapConfig.of(65, true));
    }

    static int flags(Machine m, long pfn) {
        return m.mem().flags[m.mem().idx(pfn)];
    }

    /**
     * include/linux/mm_inline.h, folio_lru_list() and is_file_lru()/is_active_lru(): swap-backed
     * folios are anon, PG_active adds LRU_ACTIVE, PG_unevictable is its own list; a folio both
     * active and unevictable is a VM_BUG_ON_FOLIO.
     */
    @Test
    void folioLruListFollowsTheFlags() {
        Machine m = machine();
        Lruvec l = m.reclaim().lruvec();
        int page = m.mem().idx(m.allocPages(Gfp.GFP_KERNEL, 0));
        MemMap mem = m.mem();
        assertEquals(IF, l.folio_lru_list(page));
        mem.flags[page] |= PageFlags.PG_active;
        assertEquals(AF, l.folio_lru_list(page));
        mem.flags[page] |= PageFlags.PG_swapbacked;
        assertEquals(AA, l.folio_lru_list(page));
        mem.flags[page] &= ~PageFlags.PG_active;
        assertEquals(IA, l.folio_lru_list(page));
        mem.flags[page] |= PageFlags.PG_unevictable;
        assertEquals(Lruvec.LRU_UNEVICTABLE, l.folio_lru_list(page));
        assertEquals(0, m.reclaim().warnings().count() + m.warnings().count());
        mem.flags[page] |= PageFlags.PG_active;
        assertEquals(Lruvec.LRU_UNEVICTABLE, l.folio_lru_list(page));
        assertEquals(1, m.warnings().count(), "VM_BUG_ON_FOLIO(active && unevictable): " + m.warnings().messages());
        assertTrue(Lruvec.is_file_lru(IF) && Lruvec.is_file_lru(AF));
        assertFalse(Lruvec.is_file_lru(IA) || Lruvec.is_file_lru(AA) || Lruvec.is_file_lru(Lruvec.LRU_UNEVICTABLE));
        assertTrue(Lruvec.is_active_lru(AA) && Lruvec.is_active_lru(AF));
        assertFalse(Lruvec.is_active_lru(IA) || Lruvec.is_active_lru(IF) || Lruvec.is_active_lru(Lruvec.LRU_UNEVICTABLE));
    }

    /**
     * mm/swap.c, folio_add_lru() -&gt; lru_add(): the folio goes to the head of its list with PG_lru,
     * folio_test_clear_unevictable() making it evictable; adding a folio already on the LRU is a
     * VM_BUG_ON_FOLIO and changes nothing; so is adding one both active and unevictable.
     * update_lru_size() counts it per node and per zone, and total() sums every list.
     */
    @Test
    void folioAddLruPutsTheFolioAtTheHead() {
        Machine m = machine();
        Lruvec l = m.reclaim().lruvec();
        long a = m.allocPages(Gfp.GFP_KERNEL, 0);
        long b = m.allocPages(Gfp.GFP_KERNEL, 0);
        long c = m.allocPages(Gfp.GFP_KERNEL, 0);
        MemMap mem = m.mem();
        mem.flags[mem.idx(c)] |= PageFlags.PG_unevictable;
        l.folio_add_lru(a);
        l.folio_add_lru(b);
        l.folio_add_lru(c);
        assertEquals(List.of(mem.idx(c), mem.idx(b), mem.idx(a)), l.pages(IF));
        assertEquals(mem.idx(c), l.first(IF));
        assertEquals(mem.idx(a), l.last(IF));
        assertEquals(MemMap.NIL, l.first(AF));
        assertEquals(List.of(), l.pages(AF));
        assertEquals(0, flags(m, c) & PageFlags.PG_unevictable, "lru_add(): evictable");
        assertTrue((flags(m, a) & PageFlags.PG_lru) != 0);
        assertEquals(3, l.size(IF));
        assertEquals(3, l.zoneLruSize[NORMAL][IF]);
        assertEquals(3, l.total());
        l.folio_add_lru(a);
        assertEquals(1, m.warnings().count(), "VM_BUG_ON_FOLIO(folio_test_lru(folio))");
        assertEquals(3, l.size(IF));
        long d = m.allocPages(Gfp.GFP_KERNEL, 0);
        mem.flags[mem.idx(d)] |= PageFlags.PG_active | PageFlags.PG_swapbacked;
        l.folio_add_lru(d);
        assertEquals(List.of(mem.idx(d)), l.pages(AA));
        assertEquals(4, l.total());
        assertEquals(1, l.size(AA));
        long e = m.allocPages(Gfp.GFP_KERNEL, 0);
        mem.flags[mem.idx(e)] |= PageFlags.PG_active | PageFlags.PG_unevictable;
        l.folio_add_lru(e);
        assertTrue(m.warnings().count() >= 2, m.warnings().messages().toString());
    }

    /**
     * mm/vmscan.c, folio_isolate_lru(): a folio on the LRU loses PG_lru, gains a reference and
     * leaves its list (true); one not on the LRU is left alone (false). Isolating a folio without
     * references is a VM_BUG_ON_FOLIO.
     */
    @Test
    void folioIsolateLruTakesAReference() {
        Machine m = machine();
        Lruvec l = m.reclaim().lruvec();
        long a = m.reclaim().fileRead(1, 0).pfn();
        MemMap mem = m.mem();
        assertEquals(1, mem.refcount[mem.idx(a)]);
        assertTrue(l.folio_isolate_lru(a));
        assertEquals(2, mem.refcount[mem.idx(a)]);
        assertEquals(0, flags(m, a) & PageFlags.PG_lru);
        assertEquals(0, l.size(IF));
        assertEquals(0, l.zoneLruSize[NORMAL][IF]);
        assertFalse(l.folio_isolate_lru(a), "no longer on the LRU");
        assertEquals(2, mem.refcount[mem.idx(a)]);
        assertEquals(0, m.warnings().count());
        long f = m.allocPages(Gfp.GFP_KERNEL, 0);
        mem.refcount[mem.idx(f)] = 0;
        assertFalse(l.folio_isolate_lru(f));
        assertEquals(1, m.warnings().count(), "VM_BUG_ON_FOLIO(!folio_ref_count(folio))");
        mem.refcount[mem.idx(f)] = 1;
    }

    /**
     * mm/swap.c, folio_mark_accessed(): PG_dropbehind folios are left alone; inactive,unreferenced
     * -&gt; inactive,referenced; inactive,referenced -&gt; active,unreferenced via folio_activate()
     * (lru_activate(): PGACTIVATE, head of the active list) and workingset_activation() (the age
     * advances); active,unreferenced -&gt; active,referenced; an unevictable referenced folio gets
     * nothing more. A folio off the LRU (isolated) is not moved, but still loses PG_referenced and
     * ages the lruvec (__lru_cache_activate_folio() finds it in no batch).
     */
    @Test
    void markAccessedTakesOneStepAtATime() {
        Machine m = machine();
        Reclaim rc = m.reclaim();
        Lruvec l = rc.lruvec();
        MemMap mem = m.mem();
        long a = m.allocPages(Gfp.GFP_KERNEL, 0);
        long b = m.allocPages(Gfp.GFP_KERNEL, 0);
        l.folio_add_lru(a);
        l.folio_add_lru(b);
        long age = l.nonresidentAge;
        rc.folio_mark_accessed(a);
        assertEquals(PageFlags.PG_referenced, flags(m, a) & (PageFlags.PG_referenced | PageFlags.PG_active));
        assertEquals(1, rc.stats.markAccessedReferenced);
        rc.folio_mark_accessed(a);
        assertEquals(PageFlags.PG_active, flags(m, a) & (PageFlags.PG_referenced | PageFlags.PG_active));
        assertEquals(List.of(mem.idx(a)), l.pages(AF));
        assertEquals(List.of(mem.idx(b)), l.pages(IF));
        assertEquals(1, rc.stats.pgactivate);
        assertEquals(age + 1, l.nonresidentAge);
        assertEquals(1, rc.stats.markAccessedActivated);
        rc.folio_mark_accessed(a);
        assertEquals(PageFlags.PG_active | PageFlags.PG_referenced, flags(m, a) & (PageFlags.PG_referenced | PageFlags.PG_active));
        rc.folio_mark_accessed(a);
        assertEquals(1, rc.stats.pgactivate, "active,referenced: nothing more");
        assertEquals(age + 1, l.nonresidentAge);
        // dropbehind
        mem.flags[mem.idx(b)] |= PageFlags.PG_dropbehind;
        rc.folio_mark_accessed(b);
        assertEquals(0, flags(m, b) & PageFlags.PG_referenced);
        mem.flags[mem.idx(b)] &= ~PageFlags.PG_dropbehind;
        // isolated, referenced: no move, PG_referenced cleared, the age advances
        rc.folio_mark_accessed(b);
        assertTrue(l.folio_isolate_lru(b));
        rc.folio_mark_accessed(b);
        assertEquals(0, flags(m, b) & (PageFlags.PG_referenced | PageFlags.PG_active));
        assertEquals(age + 2, l.nonresidentAge);
        assertEquals(1, rc.stats.pgactivate);
        // unevictable and referenced: nothing
        mem.flags[mem.idx(b)] |= PageFlags.PG_unevictable | PageFlags.PG_referenced;
        rc.folio_mark_accessed(b);
        assertEquals(PageFlags.PG_referenced, flags(m, b) & (PageFlags.PG_referenced | PageFlags.PG_active));
        assertEquals(age + 2, l.nonresidentAge);
    }

    /**
     * mm/swap.c, folio_activate() and lru_activate(): only an inactive, evictable folio on the
     * LRU moves (PGACTIVATE); an active one, an unevictable one, or one off the LRU does not.
     */
    @Test
    void folioActivateOnlyMovesInactiveEvictableLruFolios() {
        Machine m = machine();
        Reclaim rc = m.reclaim();
        Lruvec l = rc.lruvec();
        MemMap mem = m.mem();
        long a = m.allocPages(Gfp.GFP_KERNEL, 0);
        long b = m.allocPages(Gfp.GFP_KERNEL, 0);
        l.folio_add_lru(a);
        l.folio_add_lru(b);
        rc.trace().enable(true);
        rc.swap.folio_activate(mem.idx(a));
        assertEquals(List.of(mem.idx(a)), l.pages(AF));
        assertEquals(1, rc.stats.pgactivate);
        assertEquals(1, rc.trace().moves().size());
        assertEquals(new ReclaimTrace.Move(a, IF, AF, "folio_mark_accessed"), rc.trace().moves().get(0));
        rc.swap.folio_activate(mem.idx(a));
        rc.swap.lru_activate(mem.idx(a));
        assertEquals(1, rc.stats.pgactivate, "already active");
        assertTrue((flags(m, a) & PageFlags.PG_lru) != 0, "PG_lru set again after the move");
        assertTrue(l.folio_isolate_lru(b));
        rc.swap.folio_activate(mem.idx(b));
        assertEquals(0, flags(m, b) & PageFlags.PG_active, "off the LRU");
        mem.flags[mem.idx(b)] |= PageFlags.PG_unevictable;
        rc.swap.lru_activate(mem.idx(b));
        assertEquals(0, flags(m, b) & PageFlags.PG_active, "unevictable");
        mem.flags[mem.idx(b)] |= PageFlags.PG_lru;
        rc.swap.folio_activate(mem.idx(b));
        assertEquals(0, flags(m, b) & PageFlags.PG_active, "unevictable");
        assertEquals(1, rc.stats.pgactivate);
    }

    /**
     * mm/swap.c, folio_deactivate() and lru_deactivate() (MADV_COLD): an active, evictable LRU
     * folio moves to the head of its inactive list with PG_active and PG_referenced cleared,
     * PGDEACTIVATE; an inactive, unevictable, or isolated folio is left alone.
     */
    @Test
    void folioDeactivateMovesActiveFoliosToTheInactiveHead() {
        Machine m = machine();
        Reclaim rc = m.reclaim();
        Lruvec l = rc.lruvec();
        MemMap mem = m.mem();
        long[] p = new long[3];
        for (int i = 0; i < 3; i++) {
            p[i] = m.allocPages(Gfp.GFP_KERNEL, 0);
            mem.flags[mem.idx(p[i])] |= PageFlags.PG_swapbacked;
            l.folio_add_lru(p[i]);
        }
        rc.swap.folio_activate(mem.idx(p[0]));
        rc.folio_mark_accessed(p[0]); // active, referenced
        rc.trace().enable(true);
        rc.folio_deactivate(p[0]);
        assertEquals(List.of(mem.idx(p[0]), mem.idx(p[2]), mem.idx(p[1])), l.pages(IA));
        assertEquals(0, flags(m, p[0]) & (PageFlags.PG_active | PageFlags.PG_referenced));
        assertTrue((flags(m, p[0]) & PageFlags.PG_lru) != 0);
        assertEquals(1, rc.stats.pgdeactivate);
        assertEquals(1, rc.stats.folioDeactivated);
        assertEquals(0, l.size(AA));
        assertEquals(3, l.size(IA));
        assertEquals(new ReclaimTrace.Move(p[0], AA, IA, "folio_deactivate"), rc.trace().moves().get(0));
        rc.folio_deactivate(p[1]); // inactive
        assertEquals(1, rc.stats.pgdeactivate);
        assertEquals(List.of(mem.idx(p[0]), mem.idx(p[2]), mem.idx(p[1])), l.pages(IA));
        // active but isolated, or active and unevictable: nothing
        rc.swap.folio_activate(mem.idx(p[2]));
        assertTrue(l.folio_isolate_lru(p[2]));
        rc.folio_deactivate(p[2]);
        assertTrue((flags(m, p[2]) & PageFlags.PG_active) != 0);
        mem.flags[mem.idx(p[2])] |= PageFlags.PG_lru | PageFlags.PG_unevictable;
        rc.folio_deactivate(p[2]);
        rc.swap.lru_deactivate(mem.idx(p[2]));
        assertEquals(1, rc.stats.pgdeactivate);
        mem.flags[mem.idx(p[2])] &= ~(PageFlags.PG_unevictable | PageFlags.PG_lru);
        rc.swap.lru_deactivate(mem.idx(p[1])); // lru_deactivate() itself checks !active
        assertEquals(1, rc.stats.pgdeactivate);
    }

    /**
     * mm/swap.c, folio_rotate_reclaimable() -&gt; lru_move_tail(): a clean, unlocked, evictable
     * LRU folio goes to the tail of its inactive list (PG_active cleared), PGROTATED; a locked,
     * dirty, unevictable or isolated folio does not move.
     */
    @Test
    void rotateReclaimableMovesToTheInactiveTail() {
        Machine m = machine();
        Reclaim rc = m.reclaim();
        Lruvec l = rc.lruvec();
        MemMap mem = m.mem();
        long[] p = new long[3];
        for (int i = 0; i < 3; i++) {
            p[i] = m.allocPages(Gfp.GFP_KERNEL, 0);
            l.folio_add_lru(p[i]);
        }
        rc.swap.folio_activate(mem.idx(p[2]));
        rc.trace().enable(true);
        rc.swap.folio_rotate_reclaimable(mem.idx(p[2]));
        assertEquals(List.of(mem.idx(p[1]), mem.idx(p[0]), mem.idx(p[2])), l.pages(IF));
        assertEquals(0, flags(m, p[2]) & PageFlags.PG_active);
        assertEquals(1, rc.stats.pgrotated);
        assertEquals(1, rc.stats.folioRotateReclaimable);
        assertEquals(new ReclaimTrace.Move(p[2], AF, IF, "folio_rotate_reclaimable"), rc.trace().moves().get(0));
        int[] blockers = {PageFlags.PG_locked, PageFlags.PG_dirty, PageFlags.PG_unevictable};
        for (int bl : blockers) {
            mem.flags[mem.idx(p[1])] |= bl;
            rc.swap.folio_rotate_reclaimable(mem.idx(p[1]));
            mem.flags[mem.idx(p[1])] &= ~bl;
        }
        assertEquals(1, rc.stats.folioRotateReclaimable, "locked, dirty or unevictable: not queued");
        assertTrue(l.folio_isolate_lru(p[1]));
        rc.swap.folio_rotate_reclaimable(mem.idx(p[1]));
        assertEquals(1, rc.stats.pgrotated);
        assertEquals(1, rc.stats.folioRotateReclaimable, "off the LRU: not queued");
        assertEquals(List.of(mem.idx(p[0]), mem.idx(p[2])), l.pages(IF));
        // lru_move_tail() of an unevictable folio: nothing
        mem.flags[mem.idx(p[0])] |= PageFlags.PG_unevictable;
        rc.swap.lru_move_tail(mem.idx(p[0]));
        assertEquals(1, rc.stats.pgrotated);
        mem.flags[mem.idx(p[0])] &= ~PageFlags.PG_unevictable;
    }

    /**
     * mm/swap.c, lru_note_cost_unlock_irq(): cost = nr_io * SWAP_CLUSTER_MAX + nr_rotated, none
     * recorded when 0; added to the type's cost; both costs halve when their sum exceeds a
     * quarter of the four evictable lists (strictly: equal is kept).
     */
    @Test
    void lruNoteCostAddsAndDecays() {
        Machine m = ScanCountTest.fourLists(); // lrusize 96: a quarter is 24
        Reclaim rc = m.reclaim();
        Lruvec l = rc.lruvec();
        rc.swap.lru_note_cost(true, 0, 0);
        assertEquals(0, l.fileCost + l.anonCost);
        rc.swap.lru_note_cost(true, 0, 20);
        assertEquals(20, l.fileCost);
        rc.swap.lru_note_cost(false, 0, 4);
        assertEquals(4, l.anonCost, "24 is not more than 24: no decay");
        assertEquals(20, l.fileCost);
        rc.swap.lru_note_cost(false, 0, 1);
        assertEquals(2, l.anonCost, "25 > 24: (5 / 2, 20 / 2)");
        assertEquals(10, l.fileCost);
        rc.swap.lru_note_cost(false, 1, 3);
        assertEquals((2 + 35) / 2, l.anonCost, "32 + 3");
        assertEquals(5, l.fileCost);
        // the unevictable list does not count towards lrusize
        ScanCountTest.unevictable(m, ScanCountTest.files(m, 9, 1)[0]);
        l.anonCost = 0;
        l.fileCost = 30;
        rc.swap.lru_note_cost(true, 0, 0);
        assertEquals(30, l.fileCost, "no cost: no decay either, though 30 > 24");
        rc.swap.lru_note_cost_refault(m.mem().idx(ScanCountTest.files(m, 8, 1)[0])); // lrusize now 97: a quarter 24
        assertEquals((30 + 32) / 2, l.fileCost);
        assertEquals(0, l.anonCost);
    }

    /**
     * The model's copy and fingerprint of the lruvec (not kernel state, the model checker's): a
     * copy is equal field for field, and each field the fingerprint covers changes it.
     */
    @Test
    void copyAndFingerprintCoverEveryField() {
        Machine m = ScanCountTest.fourLists();
        Lruvec l = m.reclaim().lruvec();
        l.anonCost = 3;
        l.fileCost = 4;
        l.nonresidentAge = 5;
        l.refaults[0] = 6;
        l.refaults[1] = 7;
        l.flags = Lruvec.LRUVEC_NODE_CONGESTED;
        l.workingsetRefault[1] = 8;
        l.workingsetActivate[0] = 9;
        l.workingsetActivate[1] = 10;
        l.workingsetRestore[1] = 11;
        Machine c = m.copy();
        Lruvec k = c.reclaim().lruvec();
        assertArrayEquals(l.nrPages, k.nrPages);
        for (int z = 0; z < ZoneType.MAX_NR_ZONES; z++) assertArrayEquals(l.zoneLruSize[z], k.zoneLruSize[z]);
        assertArrayEquals(l.refaults, k.refaults);
        assertArrayEquals(l.workingsetRefault, k.workingsetRefault);
        assertArrayEquals(l.workingsetActivate, k.workingsetActivate);
        assertArrayEquals(l.workingsetRestore, k.workingsetRestore);
        assertEquals(List.of(3L, 4L, 5L, Lruvec.LRUVEC_NODE_CONGESTED + 0L), List.of(k.anonCost, k.fileCost, k.nonresidentAge, (long) k.flags));
        long f = l.fingerprint();
        assertEquals(f, k.fingerprint());
        assertNotEquals(0, f);
        java.util.List<Runnable> pokes = List.of(
                () -> k.nrPages[IA]++, () -> k.zoneLruSize[NORMAL][AF]++, () -> k.anonCost++, () -> k.fileCost++,
                () -> k.nonresidentAge++, () -> k.refaults[1]++, () -> k.flags ^= 1, () -> k.workingsetActivate[1]++);
        for (Runnable poke : pokes) {
            k.copyFrom(l);
            assertEquals(f, k.fingerprint());
            poke.run();
            assertNotEquals(f, k.fingerprint());
        }
    }
}
