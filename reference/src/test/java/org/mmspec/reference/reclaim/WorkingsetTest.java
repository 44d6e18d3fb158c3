package org.mmspec.reference.reclaim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.page.PageFlags;

/**
 * mm/workingset.c (v6.18, classic LRU, memcg off): pack_shadow()/unpack_shadow(),
 * workingset_eviction(), workingset_test_recent() with its workingset size and the refault
 * distance modulo EVICTION_MASK, workingset_refault() and its WORKINGSET_REFAULT/ACTIVATE/RESTORE
 * counts, and workingset_age_nonresident() with the one known bug it can re-create.
 */
class WorkingsetTest {
    /** The four lists of ScanCountTest.fourLists(): IA 40, AA 8, IF 36, AF 12, swap with free slots. */
    static Machine fourLists() {
        return ScanCountTest.fourLists();
    }

    /** A fresh page the allocator handed out: no flags, so folio_is_file_lru(); PG_swapbacked makes it anon. */
    static int freshPage(Machine m, boolean anon) {
        long pfn = m.allocPages(Gfp.GFP_KERNEL, 0);
        int page = m.mem().idx(pfn);
        if (anon) m.mem().flags[page] |= PageFlags.PG_swapbacked;
        return page;
    }

    /**
     * mm/workingset.c, pack_shadow()/unpack_shadow() and xarray.h xa_mk_value()/xa_is_value():
     * the eviction stamp is masked to EVICTION_MASK (64 - 24 = 40 bits), then memcg id (16 bits),
     * node (NODES_SHIFT 6) and the workingset bit are packed below it, and the value entry has its
     * low bit set.
     */
    @Test
    void shadowsPackAndUnpackEveryField() {
        long sh = Workingset.pack_shadow(5, 3, 12345, false);
        assertTrue(Workingset.xa_is_value(sh));
        assertFalse(Workingset.xa_is_value(sh - 1), "a pointer (low bit clear) is not a value entry");
        assertFalse(Workingset.xa_is_value(0));
        assertArrayEquals(new long[] {12345, 5, 3, 0}, Workingset.unpack_shadow(sh));
        assertEquals(((((12345L << 16 | 5) << 6 | 3) << 1 | 0) << 1) | 1, sh);
        long big = Workingset.pack_shadow(0, 0, (1L << 40) | 7, true);
        assertArrayEquals(new long[] {7, 0, 0, 1}, Workingset.unpack_shadow(big), "the stamp is taken modulo 2^40");
        assertEquals((1L << 40) - 1, Workingset.EVICTION_MASK);
    }

    /**
     * mm/workingset.c, workingset_eviction(): the shadow holds the nonresident age before the
     * eviction (eviction &gt;&gt;= bucket_order 0), then workingset_age_nonresident() advances it by
     * one; the workingset bit is folio_test_workingset(). The folio must be off the LRU with its
     * references frozen at 0 (VM_BUG_ON_FOLIO otherwise, reported as warnings).
     */
    @Test
    void evictionStampsTheAgeBeforeAgingIt() {
        Machine m = fourLists();
        Reclaim rc = m.reclaim();
        rc.lruvec().nonresidentAge = 77;
        long clock = rc.lruEventClock();
        int page = freshPage(m, false);
        m.mem().refcount[page] = 0;
        long sh = rc.workingset.workingset_eviction(page);
        assertArrayEquals(new long[] {77, 0, 0, 0}, Workingset.unpack_shadow(sh));
        assertEquals(78, rc.lruvec().nonresidentAge);
        assertEquals(clock + 1, rc.lruEventClock());
        assertEquals(clock, rc.lastShadowClock(), "the model clock stored with the shadow is the one before");
        assertEquals(1, rc.stats.shadowsStored);
        m.mem().flags[page] |= PageFlags.PG_workingset;
        sh = rc.workingset.workingset_eviction(page);
        assertArrayEquals(new long[] {78, 0, 0, 1}, Workingset.unpack_shadow(sh));
        assertEquals(0, rc.warnings().count());
        // still on the LRU, or still referenced: the kernel's VM_BUG_ON_FOLIO
        m.mem().flags[page] |= PageFlags.PG_lru;
        rc.workingset.workingset_eviction(page);
        assertEquals(1, rc.warnings().count(), rc.warnings().messages().toString());
        m.mem().flags[page] &= ~PageFlags.PG_lru;
        m.mem().refcount[page] = 1;
        rc.workingset.workingset_eviction(page);
        assertEquals(2, rc.warnings().count(), rc.warnings().messages().toString());
    }

    /**
     * mm/workingset.c, workingset_test_recent(): refault distance = (nonresident_age - eviction) &amp;
     * EVICTION_MASK; workingset size = NR_ACTIVE_FILE, + NR_INACTIVE_FILE for an anon refault,
     * and, while swap has free pages, + NR_ACTIVE_ANON and (for a file refault) + NR_INACTIVE_ANON;
     * recent when distance &lt;= size. With IA 40, AA 8, IF 36, AF 12: file 12 + 8 + 40 = 60, anon
     * 12 + 36 + 8 = 56.
     */
    @Test
    void testRecentComparesTheDistanceWithTheWorkingset() {
        Machine m = fourLists();
        Reclaim rc = m.reclaim();
        rc.lruvec().nonresidentAge = 100;
        assertArrayEquals(new long[] {1, 10, 60, 0}, rc.workingsetTestRecent(Workingset.pack_shadow(0, 0, 90, false), true));
        assertArrayEquals(new long[] {1, 10, 56, 1}, rc.workingsetTestRecent(Workingset.pack_shadow(0, 0, 90, true), false));
        assertArrayEquals(new long[] {1, 60, 60, 0}, rc.workingsetTestRecent(Workingset.pack_shadow(0, 0, 40, false), true),
                "distance == size is recent");
        assertArrayEquals(new long[] {0, 61, 60, 0}, rc.workingsetTestRecent(Workingset.pack_shadow(0, 0, 39, false), true));
        assertArrayEquals(new long[] {1, 56, 56, 0}, rc.workingsetTestRecent(Workingset.pack_shadow(0, 0, 44, false), false));
        assertArrayEquals(new long[] {0, 57, 56, 0}, rc.workingsetTestRecent(Workingset.pack_shadow(0, 0, 43, false), false));
        // an eviction stamp "after" the age: the distance wraps modulo 2^40 and is huge
        assertArrayEquals(new long[] {0, Workingset.EVICTION_MASK, 60, 0},
                rc.workingsetTestRecent(Workingset.pack_shadow(0, 0, 101, false), true));
        // the age itself wrapped past 2^40: stamp 2^40 - 5, age 2^40 + 5 (stored modulo): distance 10
        rc.lruvec().nonresidentAge = (1L << 40) + 5;
        assertArrayEquals(new long[] {1, 10, 60, 0},
                rc.workingsetTestRecent(Workingset.pack_shadow(0, 0, (1L << 40) - 5, false), true));
    }

    /**
     * mm/workingset.c, workingset_test_recent() when no swap slot is free
     * (mem_cgroup_get_nr_swap_pages() 0): the anon lists do not count: file 12, anon 12 + 36 = 48.
     */
    @Test
    void withoutFreeSwapTheAnonListsDoNotCount() {
        Machine m = ReclaimTest.machine(1024, SwapConfig.of(2, true));
        ScanCountTest.coldAnon(m, 0x100, 40);
        ScanCountTest.activate(m, ScanCountTest.coldAnon(m, 0x200, 8));
        ScanCountTest.files(m, 1, 36);
        ScanCountTest.activate(m, ScanCountTest.files(m, 2, 12));
        Reclaim rc = m.reclaim();
        rc.lruvec().nonresidentAge = 100;
        long sh = Workingset.pack_shadow(0, 0, 90, false);
        assertEquals(60, rc.workingsetTestRecent(sh, true)[2], "one slot free");
        assertEquals(56, rc.workingsetTestRecent(sh, false)[2]);
        assertEquals(0, rc.si.folio_alloc_swap(freshPage(m, true)));
        assertEquals(0, rc.si.get_nr_swap_pages());
        assertEquals(12, rc.workingsetTestRecent(sh, true)[2]);
        assertEquals(48, rc.workingsetTestRecent(sh, false)[2]);
    }

    /**
     * mm/workingset.c, workingset_refault(): WORKINGSET_REFAULT_BASE + file always; within the
     * workingset: folio_set_active(), the age advances (workingset_age_nonresident()),
     * WORKINGSET_ACTIVATE_BASE + file; and if the shadow says it was in the workingset:
     * folio_set_workingset(), lru_note_cost_refault() (mm/swap.c: nr_io 1: cost SWAP_CLUSTER_MAX;
     * 32 &gt; lrusize 96 / 4 = 24 halves it to 16), WORKINGSET_RESTORE_BASE + file. Beyond it:
     * nothing else.
     */
    @Test
    void refaultActivatesRestoresAndCosts() {
        Machine m = fourLists();
        Reclaim rc = m.reclaim();
        Lruvec l = rc.lruvec();
        l.nonresidentAge = 100;
        rc.trace().enable(true);
        // a file refault, recent, from the workingset
        int f = freshPage(m, false);
        rc.workingset_refault(m.mem().pfn(f), Workingset.pack_shadow(0, 0, 90, true), rc.lruEventClock() - 3);
        assertTrue((m.mem().flags[f] & PageFlags.PG_active) != 0);
        assertTrue((m.mem().flags[f] & PageFlags.PG_workingset) != 0);
        assertEquals(101, l.nonresidentAge);
        assertArrayEquals(new long[] {0, 1}, l.workingsetRefault);
        assertArrayEquals(new long[] {0, 1}, l.workingsetActivate);
        assertArrayEquals(new long[] {0, 1}, l.workingsetRestore);
        assertEquals(16, l.fileCost);
        assertEquals(0, l.anonCost);
        assertEquals(1, rc.stats.refaultsRecent);
        ReclaimTrace.Refault t = rc.trace().refaults().get(0);
        assertEquals(10, t.distance());
        assertEquals(3, t.eventDistance());
        assertEquals(60, t.workingsetSize());
        assertTrue(t.activated() && t.file());
        // an anon refault, recent, not from the workingset: active, no PG_workingset, no cost
        int a = freshPage(m, true);
        rc.workingset_refault(m.mem().pfn(a), Workingset.pack_shadow(0, 0, 95, false), 0);
        assertTrue((m.mem().flags[a] & PageFlags.PG_active) != 0);
        assertFalse((m.mem().flags[a] & PageFlags.PG_workingset) != 0);
        assertEquals(102, l.nonresidentAge);
        assertArrayEquals(new long[] {1, 1}, l.workingsetRefault);
        assertArrayEquals(new long[] {1, 1}, l.workingsetActivate);
        assertArrayEquals(new long[] {0, 1}, l.workingsetRestore);
        assertEquals(0, l.anonCost);
        // an anon refault from the workingset: anon cost 32, halved with file's 16 (48 > 24): 16 and 8
        int w = freshPage(m, true);
        rc.workingset_refault(m.mem().pfn(w), Workingset.pack_shadow(0, 0, 100, true), 0);
        assertEquals(16, l.anonCost);
        assertEquals(8, l.fileCost);
        assertArrayEquals(new long[] {1, 1}, l.workingsetRestore);
        // too far: only the refault is counted
        int o = freshPage(m, false);
        rc.workingset_refault(m.mem().pfn(o), Workingset.pack_shadow(0, 0, 0, true), 0);
        assertEquals(0, m.mem().flags[o] & (PageFlags.PG_active | PageFlags.PG_workingset));
        assertEquals(103, l.nonresidentAge);
        assertArrayEquals(new long[] {2, 2}, l.workingsetRefault);
        assertArrayEquals(new long[] {2, 1}, l.workingsetActivate);
        assertEquals(1, rc.stats.refaultsOld);
        assertEquals(3, rc.stats.refaultsRecent);
    }

    /**
     * mm/workingset.c, workingset_age_nonresident() (v6.18: every eviction and activation, anon
     * and file, and reclaim's putback of active folios age the lruvec), and the known bug
     * 6f4e186fae1a fixed (v5.8): with it re-created only file LRU evictions and activations age,
     * not anonymous folios and not move_folios_to_lru(). The model's event clock moves every time.
     */
    @Test
    void agingSitesWithAndWithoutTheKnownBug() {
        for (boolean bug : new boolean[] {false, true}) {
            MachineConfig c = ReclaimTest.config(1024, SwapConfig.of(65, true));
            if (bug) c = c.withKnownBugs(List.of(KnownBug.NONRESIDENT_AGE_ANON.bugName()));
            Machine m = new Machine(c);
            Reclaim rc = m.reclaim();
            int file = freshPage(m, false);
            int anon = freshPage(m, true);
            long clock = rc.lruEventClock();
            Workingset ws = rc.workingset;
            ws.workingset_age_nonresident(file, 1, Workingset.AgeSite.EVICTION);
            assertEquals(1, rc.lruvec().nonresidentAge);
            ws.workingset_age_nonresident(file, 1, Workingset.AgeSite.ACTIVATION);
            assertEquals(2, rc.lruvec().nonresidentAge);
            ws.workingset_age_nonresident(file, 1, Workingset.AgeSite.MOVE_FOLIOS_TO_LRU);
            assertEquals(bug ? 2 : 3, rc.lruvec().nonresidentAge, "bug " + bug);
            ws.workingset_age_nonresident(anon, 2, Workingset.AgeSite.EVICTION);
            assertEquals(bug ? 2 : 5, rc.lruvec().nonresidentAge, "bug " + bug);
            ws.workingset_age_nonresident(anon, 1, Workingset.AgeSite.REFAULT);
            assertEquals(bug ? 2 : 6, rc.lruvec().nonresidentAge, "bug " + bug);
            ws.workingset_age_nonresident(file, 1, Workingset.AgeSite.REFAULT);
            assertEquals(bug ? 3 : 7, rc.lruvec().nonresidentAge, "bug " + bug);
            assertEquals(clock + 7, rc.lruEventClock());
        }
    }
}
