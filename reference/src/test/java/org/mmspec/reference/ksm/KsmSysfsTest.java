package org.mmspec.reference.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.rmap.Rmap;

/**
 * /sys/kernel/mm/ksm (mm/ksm.c v6.18, the *_store() and *_show() functions; kstrtouint(),
 * kstrtoint() and kstrtobool() of lib/kstrtox.c): what each write accepts, what it returns
 * (-EINVAL, -EBUSY, -ENOMEM), that a rejected write changes nothing, and what the counters show.
 */
class KsmSysfsTest {
    static final long A = KsmTest.A;

    static void rejected(Machine m, String name, String value) {
        long fp = m.fingerprint();
        assertThrows(RejectedOperationException.class, () -> m.ksm().sysfs_store(name, value), name + "=" + value);
        assertEquals(fp, m.fingerprint(), name + "=" + value + " changed something");
    }

    /**
     * kstrtouint(buf, 10): an optional '+', decimal digits, one optional trailing newline, and the
     * value must fit an unsigned int (4294967295 does, 4294967296 is -ERANGE, which the stores
     * turn into -EINVAL); anything else is -EINVAL (sleep_millisecs_store, pages_to_scan_store,
     * stable_node_chains_prune_millisecs_store).
     */
    @Test
    void unsignedIntKnobsParseAsKstrtouint() {
        Machine m = new Machine(KsmTest.config(256));
        Ksm k = m.ksm();
        assertEquals(0, k.sysfs_store("sleep_millisecs", "5\n"));
        assertEquals(5, k.sleepMillisecs());
        assertEquals(0, k.sysfs_store("sleep_millisecs", "+6"));
        assertEquals(6, k.sleepMillisecs());
        assertEquals(0, k.sysfs_store("pages_to_scan", "4294967295"));
        assertEquals(4294967295L, k.pagesToScan());
        assertEquals("4294967295", k.sysfs_show("pages_to_scan"));
        assertEquals(0, k.sysfs_store("stable_node_chains_prune_millisecs", "0"));
        assertEquals(0, k.pruneMillisecs());
        assertEquals("0", k.sysfs_show("stable_node_chains_prune_millisecs"));
        for (String bad : List.of("", "\n", "4294967296", "-1", "0x10", " 5", "5\n\n", "5 ", "+", "++5", "1e3")) {
            rejected(m, "sleep_millisecs", bad);
            rejected(m, "pages_to_scan", bad);
            rejected(m, "stable_node_chains_prune_millisecs", bad);
        }
        assertEquals(6, k.sleepMillisecs());
    }

    /**
     * kstrtobool(): the first character decides (y Y t T 1 true, n N f F 0 false), 'o' needs a
     * second one (on: true, of: false); anything else is -EINVAL (use_zero_pages_store,
     * smart_scan_store).
     */
    @Test
    void booleanKnobsParseAsKstrtobool() {
        Machine m = new Machine(KsmTest.config(256));
        Ksm k = m.ksm();
        for (String name : List.of("use_zero_pages", "smart_scan")) {
            for (String t : List.of("1", "y", "Y", "t", "T", "yes", "true\n", "on", "ON", "oN", "On")) {
                assertEquals(0, k.sysfs_store(name, "0"));
                assertEquals("0", k.sysfs_show(name));
                assertEquals(0, k.sysfs_store(name, t));
                assertEquals("1", k.sysfs_show(name), name + "=" + t);
            }
            for (String f : List.of("0", "n", "N", "f", "F", "no", "false\n", "off", "OFF", "of", "oF")) {
                assertEquals(0, k.sysfs_store(name, "1"));
                assertEquals(0, k.sysfs_store(name, f));
                assertEquals("0", k.sysfs_show(name), name + "=" + f);
            }
            for (String bad : List.of("", "o", "ox", "2", "x", "maybe", " 1", "\t0", " on")) rejected(m, name, bad);
            // only the first characters are read: "1 " and "n\n\n" are as good as "1" and "n"
            assertEquals(0, k.sysfs_store(name, "1 "));
            assertEquals("1", k.sysfs_show(name));
            assertEquals(0, k.sysfs_store(name, "n\n\n"));
            assertEquals("0", k.sysfs_show(name));
        }
        assertFalse(k.useZeroPages());
        assertFalse(k.smartScan());
    }

    /**
     * run_store(): kstrtouint, then values above 2 are -EINVAL; writing the current value does
     * nothing (no second unmerge); 1 only lets ksmd run (nothing unmerged), 0 stops it with
     * every merge kept; 2 unmerges everything. A migration in progress does not stop run=1.
     */
    @Test
    void runStore() {
        Machine m = KsmTest.machine(256, false, false, 7, 7, 100);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        rejected(m, "run", "3");
        rejected(m, "run", "x");
        assertEquals(0, k.sysfs_store("run", "0"));
        assertEquals(0, k.run());
        assertEquals(0, k.full_scan());
        assertEquals(1, k.pagesShared(), "stopping ksmd unmerges nothing");
        assertEquals(0, k.sysfs_store("run", "0"));
        long pfn = KsmTest.pfnAt(m, 1, A + 2);
        assertEquals(0, m.rmap().migrate_folio_unmap(pfn));
        assertEquals(0, k.sysfs_store("run", "1"), "run=1 does not wait for anything");
        assertEquals(1, k.pagesShared());
        assertEquals(1, k.pagesSharing());
        m.rmap().migrate_folio_move(pfn, false);
        assertEquals(0, k.sysfs_store("run", "2\n"));
        assertEquals(1, k.stats.runUnmerge);
        assertEquals(0, k.pagesShared());
        assertEquals("2", k.sysfs_show("run"));
        assertEquals(0, k.sysfs_store("run", "2"));
        assertEquals(1, k.stats.runUnmerge, "the same value: unmerge_and_remove_all_rmap_items() is not run again");
        assertEquals(0, k.sysfs_store("run", "1"));
        assertEquals(1, k.full_scan());
        assertEquals(1, k.seqnr(), "full_scans restarted from 0 at run=2");
    }

    /**
     * run=2 frees the slots of exited mms (ksm_test_exit in unmerge_and_remove_all_rmap_items)
     * and keeps the live ones on the list.
     */
    @Test
    void runTwoFreesTheSlotsOfExitedMms() {
        Machine m = KsmTest.machine(256, false, false, 7, 7);
        Ksm k = m.ksm();
        int child = m.rmap().fork(1, 0);
        k.full_scan();
        k.full_scan();
        assertEquals(0, k.sysfs_store("pages_to_scan", "1"));
        k.ksm_scan_thread_batch(); // the cursor at pid 1: the child's exit leaves its slot (it has rmap_items)
        m.rmap().exit(child);
        assertEquals(2, k.slots().size());
        assertEquals(0, k.sysfs_store("run", "2"));
        assertEquals(1, k.slots().size());
        assertEquals(1, k.slots().get(0).mm().pid());
        assertEquals(1, k.stats.slotsFreed);
        assertEquals(0, k.rmapItems());
        assertEquals(0, k.seqnr());
    }

    /**
     * run=2 when breaking COW cannot allocate: unmerge_and_remove_all_rmap_items() returns
     * -ENOMEM, run_store() sets run back to 0 (KSM_RUN_STOP) and the write returns the error;
     * the cursor is back at the head. MADV_UNMERGEABLE fails the same way.
     */
    @Test
    void runTwoOutOfMemoryStopsKsmd() {
        Machine m = new Machine(KsmTest.config(256));
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        assertEquals(0, k.sysfs_store("pages_to_scan", "1000"));
        r.mmap(1, A, 16);
        for (int i = 0; i < 16; i++) r.access(1, A + i, true, 7);
        assertEquals(0, r.madvise(1, A, 16, Rmap.MADV_MERGEABLE));
        assertEquals(0, k.sysfs_store("run", "1"));
        k.full_scan();
        k.full_scan();
        assertEquals(15, k.pagesSharing());
        // use up the memory the merge freed
        r.mmap(1, A + 0x1000, 1024);
        int i = 0;
        while (r.access(1, A + 0x1000 + i, true, 1000 + i).kind() != Rmap.AccessKind.OOM) i++;
        assertTrue(i > 0);
        // ksm_madvise() -> unmerge_ksm_pages() -> break_ksm() -ENOMEM; madvise_vma_behavior() (mm/madvise.c) turns
        // -ENOMEM into -EAGAIN, and the VMA keeps VM_MERGEABLE
        assertEquals(Rmap.EAGAIN, r.madvise(1, A, 16, Rmap.MADV_UNMERGEABLE));
        assertTrue((r.task(1).findVma(A).flags() & org.mmspec.reference.rmap.VmAreaStruct.VM_MERGEABLE) != 0);
        assertEquals(0, k.stats.madviseUnmergeable);
        assertEquals(Ksm.ENOMEM, k.sysfs_store("run", "2"));
        assertEquals(0, k.run());
        assertTrue(k.scanSlot() == null);
    }

    /**
     * max_page_sharing_store(): kstrtoint then knob < 2 is -EINVAL; the same value returns at
     * once; otherwise -EBUSY while pages_shared is not 0, or while remove_all_stable_nodes()
     * finds a stable node whose page is still mapped (remove_stable_node(): folio_mapped) - here
     * a fork's copy of the mapping, once the parent's rmap_items have left the node.
     */
    @Test
    void maxPageSharingStore() {
        Machine m = KsmTest.machine(256, false, false, 7, 7);
        Ksm k = m.ksm();
        assertEquals(0, k.sysfs_store("max_page_sharing", "+3\n"));
        assertEquals(3, k.maxPageSharing());
        assertEquals("3", k.sysfs_show("max_page_sharing"));
        for (String bad : List.of("1", "0", "-5", "x", "", " 4", "4 ", "4\n\n", "+", "--4", "0x4")) {
            rejected(m, "max_page_sharing", bad);
        }
        // kstrtoint(): -ERANGE past INT_MAX (returned as is by max_page_sharing_store), not -EINVAL
        RejectedOperationException range = assertThrows(RejectedOperationException.class,
                () -> k.sysfs_store("max_page_sharing", "2147483648"));
        assertTrue(range.getMessage().contains("ERANGE"), range.getMessage());
        assertEquals(3, k.maxPageSharing());
        k.full_scan();
        k.full_scan();
        assertEquals(1, k.pagesShared());
        assertEquals(Ksm.EBUSY, k.sysfs_store("max_page_sharing", "4"));
        assertEquals(1, k.stats.maxPageSharingBusy);
        assertEquals(3, k.maxPageSharing());
        // a child maps the KSM page; the parent's two pages are written and ksmd passes them: pages_shared 0
        Rmap r = m.rmap();
        int child = r.fork(1, 0);
        r.access(1, A, true, 8);
        r.access(1, A + 1, true, 9);
        assertEquals(0, k.sysfs_store("pages_to_scan", "2"));
        k.ksm_scan_thread_batch();
        assertEquals(0, k.pagesShared());
        int nodes = k.stableNodes().size();
        assertEquals(1, nodes);
        assertEquals(Ksm.EBUSY, k.sysfs_store("max_page_sharing", "4"), "the child still maps the KSM page");
        assertEquals(2, k.stats.maxPageSharingBusy);
        assertEquals(1, k.stableNodes().size());
        assertEquals(3, k.maxPageSharing());
        // while a migration holds some folio, a removal that would lock folios is refused
        long pfn = KsmTest.pfnAt(m, 1, A); // the parent's own copy, no KSM page
        assertEquals(0, r.migrate_folio_unmap(pfn));
        rejected(m, "max_page_sharing", "4");
        r.migrate_folio_move(pfn, false);
        // the child's mappings unshared: now the node can go and the knob changes
        r.exit(child);
        assertEquals(0, k.sysfs_store("max_page_sharing", "4"));
        assertEquals(4, k.maxPageSharing());
        assertTrue(k.stableNodes().isEmpty());
    }

    /** With pages shared, a migration in progress does not matter: -EBUSY without touching any folio. */
    @Test
    void maxPageSharingBusyDuringAMigration() {
        Machine m = KsmTest.machine(256, false, false, 7, 7, 100);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        long pfn = KsmTest.pfnAt(m, 1, A + 2);
        assertEquals(0, m.rmap().migrate_folio_unmap(pfn));
        assertEquals(Ksm.EBUSY, k.sysfs_store("max_page_sharing", "5"));
        m.rmap().migrate_folio_move(pfn, false);
    }

    /**
     * The read-only counters: pages_volatile = rmap_items - shared - sharing - unshared;
     * general_profit = (pages_sharing + ksm_zero_pages) * 4096 - rmap_items * 64; the others as
     * kept. Derivation for 7, 7, 7, 0, 100 with use_zero_pages after two scans: the 7s make one
     * KSM page (1 shared, 2 sharing), the zero page is merged with ZERO_PAGE (1), 100 is in the
     * unstable tree (1 unshared), 5 rmap_items: volatile 5 - 1 - 2 - 1 = 1 (the zero page's).
     */
    @Test
    void countersAsShown() {
        Machine m = KsmTest.machine(256, true, false, 7, 7, 7, 0, 100);
        Ksm k = m.ksm();
        k.full_scan();
        assertEquals("5", k.sysfs_show("pages_volatile"));
        assertEquals(5, k.pagesVolatileRaw());
        k.full_scan();
        assertEquals(List.of("1", "2", "1", "1", "1", "5", "2", "0", "0"), List.of(k.sysfs_show("pages_shared"), k.sysfs_show(
                "pages_sharing"), k.sysfs_show("pages_unshared"), k.sysfs_show("pages_volatile"), k.sysfs_show("ksm_zero_pages"),
                Long.toString(k.rmapItems()), k.sysfs_show("full_scans"), k.sysfs_show("stable_node_chains"), k.sysfs_show(
                        "stable_node_dups")));
        assertEquals(1, k.pagesVolatileRaw());
        assertEquals(Long.toString((2 + 1) * 4096 - 5 * 64), k.sysfs_show("general_profit"));
        assertEquals("10", k.sysfs_show("pages_scanned"));
        assertEquals("0", k.sysfs_show("pages_skipped"));
        assertEquals("1", k.sysfs_show("run"));
        assertEquals("20", k.sysfs_show("sleep_millisecs"));
        assertEquals("1000", k.sysfs_show("pages_to_scan"));
        assertEquals("256", k.sysfs_show("max_page_sharing"));
        assertEquals("2000", k.sysfs_show("stable_node_chains_prune_millisecs"));
        assertEquals("1", k.sysfs_show("use_zero_pages"));
        assertEquals("0", k.sysfs_show("smart_scan"));
        assertEquals("[none] scan-time", k.sysfs_show("advisor_mode"));
        for (String a : Ksm.ATTRS) k.sysfs_show(a);
        assertThrows(RejectedOperationException.class, () -> k.sysfs_show("nonsense"));
        assertEquals(0, k.sysfs_store("merge_across_nodes", "1"));
        assertEquals(0, k.sysfs_store("advisor_mode", "none\n"));
        for (String ro : List.of("pages_scanned", "full_scans", "general_profit", "stable_node_dups")) rejected(m, ro, "0");
    }
}
