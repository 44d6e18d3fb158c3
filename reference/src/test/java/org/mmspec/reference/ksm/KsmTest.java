package org.mmspec.reference.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.rmap.MmStruct;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.reference.rmap.VmAreaStruct;

/**
 * The KSM reference against mm/ksm.c v6.18: counters of scenarios as this machine's live ksmd
 * printed them (`mmspec conform ksm`, and a C program doing the same), and the mechanisms one by
 * one: COW on write, MADV_UNMERGEABLE, run=2, max_page_sharing's -EBUSY, fork, exit, migration,
 * smart scan, the zero page, and what v6.18 does that a reader may not expect.
 */
class KsmTest {
    static final long A = 0x100;

    static MachineConfig config(long pages) {
        return MachineConfig.of("ksm-test", 8, 5, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, pages))).withMinFreeKbytes(0);
    }

    /** A machine whose pid 1 maps the values at A (MADV_MERGEABLE), ksmd set up (run 1, pages_to_scan large). */
    static Machine machine(int maxPageSharing, boolean useZeroPages, boolean smartScan, long... values) {
        Machine m = new Machine(config(1024));
        Ksm k = m.ksm();
        assertEquals(0, k.sysfs_store("max_page_sharing", Integer.toString(maxPageSharing)));
        assertEquals(0, k.sysfs_store("use_zero_pages", useZeroPages ? "1" : "0"));
        assertEquals(0, k.sysfs_store("smart_scan", smartScan ? "1" : "0"));
        assertEquals(0, k.sysfs_store("pages_to_scan", "1000"));
        Rmap r = m.rmap();
        assertTrue(r.mmap(1, A, values.length) >= 0);
        for (int i = 0; i < values.length; i++) r.access(1, A + i, true, values[i]);
        assertEquals(0, r.madvise(1, A, values.length, Rmap.MADV_MERGEABLE));
        assertEquals(0, k.sysfs_store("run", "1"));
        return m;
    }

    /** Two pages of 7 at A in pid 1, merged into one KSM page by two full scans (max_page_sharing 256). */
    static Machine mergedPair() {
        Machine m = machine(256, false, false, 7, 7);
        m.ksm().full_scan();
        m.ksm().full_scan();
        return m;
    }

    static Map<String, Long> row(long fullScans, long shared, long sharing, long unshared, long volatil, long chains, long dups, long zero,
                                 long profit) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("full_scans", fullScans);
        m.put("pages_shared", shared);
        m.put("pages_sharing", sharing);
        m.put("pages_unshared", unshared);
        m.put("pages_volatile", volatil);
        m.put("stable_node_chains", chains);
        m.put("stable_node_dups", dups);
        m.put("ksm_zero_pages", zero);
        m.put("general_profit", profit);
        return m;
    }

    static Map<String, Long> sysfs(Map<String, Long> c) {
        Map<String, Long> m = new LinkedHashMap<>(c);
        m.remove("pages_scanned");
        m.remove("pages_skipped");
        return m;
    }

    static long pfnAt(Machine m, int pid, long addr) {
        Long pte = m.rmap().task(pid).pageTable().get(addr);
        return pte == null || !Pte.normal(pte) ? -1 : Pte.pfn(pte);
    }

    // ------------------------------------------------------------------ the live kernel's numbers

    /** `mmspec conform ksm --scenario issue-example`: this machine's ksmd printed exactly these. */
    @Test
    void theIssueExampleAsTheLiveKernelCountsIt() {
        KsmSimulation s = new KsmSimulation(KsmSimulation.parseGroups("600:7 1000:-1"), 256, false, false, 200);
        assertEquals(row(1, 0, 0, 0, 1600, 0, 0, 0, -102400), sysfs(s.fullScan()));
        for (int i = 2; i <= 4; i++) assertEquals(row(i, 3, 597, 1000, 0, 1, 3, 0, 2342912), sysfs(s.fullScan()));
        assertEquals(6400, s.ksm().pagesScanned());
        KsmMm mm = s.mm();
        assertEquals(List.of(1600L, 0L, 600L, 2355200L), List.of(mm.ksmRmapItems(), mm.ksmZeroPages(), mm.ksmMergingPages(),
                mm.ksmProcessProfit()));
    }

    /** use_zero_pages: merged with the zero page in the second scan, their rmap_items volatile until the third frees them. */
    @Test
    void zeroPagesGoToTheZeroPageAndTheirItemsLeaveAScanLater() {
        KsmSimulation s = new KsmSimulation(KsmSimulation.parseGroups("1000:0"), 256, true, false, 200);
        assertEquals(row(1, 0, 0, 0, 1000, 0, 0, 0, -64000), sysfs(s.fullScan()));
        assertEquals(row(2, 0, 0, 0, 1000, 0, 0, 1000, 4032000), sysfs(s.fullScan()));
        assertEquals(row(3, 0, 0, 0, 0, 0, 0, 1000, 4096000), sysfs(s.fullScan()));
        assertEquals(2000, s.ksm().pagesScanned(), "the zero page is no page to scan");
        Machine m = s.machine();
        for (long a = KsmSimulation.BASE; a < KsmSimulation.BASE + 1000; a++) {
            assertTrue(Pte.isKsmZeroPte(m.rmap().task(1).pageTable().get(a)));
        }
        assertEquals(0, m.rmap().task(1).rssAnon(), "the zero page is not counted in MM_ANONPAGES");
        // without use_zero_pages, all-zero pages merge like any content
        KsmSimulation t = new KsmSimulation(KsmSimulation.parseGroups("1000:0"), 256, false, false, 200);
        t.fullScan();
        assertEquals(row(2, 4, 996, 0, 0, 1, 4, 0, 4015616), sysfs(t.fullScan()));
    }

    /** A C program on this machine: 16 pages (7 zero, 3x5, 2 unique, 4x9), max_page_sharing 3, use_zero_pages. */
    @Test
    void aMixAsTheLiveKernelCountsIt() {
        KsmSimulation s = new KsmSimulation(KsmSimulation.parseGroups("7:0 3:5 2:-1 4:9"), 3, true, false, 200);
        assertEquals(row(1, 0, 0, 0, 16, 0, 0, 0, -1024), sysfs(s.fullScan()));
        assertEquals(row(2, 2, 4, 3, 7, 0, 0, 7, 44032), sysfs(s.fullScan()));
        assertEquals(row(3, 2, 4, 3, 0, 0, 0, 7, 44480), sysfs(s.fullScan()));
    }

    /** max_page_sharing 2: every KSM page is full at two mappings; five equal pages give a chain of two dups and one left over. */
    @Test
    void chainsOfDupsAtASmallLimit() {
        KsmSimulation s = new KsmSimulation(KsmSimulation.parseGroups("5:7"), 2, false, false, 200);
        s.fullScan();
        assertEquals(row(2, 2, 2, 1, 0, 1, 2, 0, 7872), sysfs(s.fullScan()));
        Ksm k = s.ksm();
        KsmStableNode chain = null;
        for (KsmStableNode n : k.stableNodes().values()) if (n.isChain()) chain = n;
        assertTrue(chain != null && chain.dups().size() == 2);
        for (KsmStableNode d : chain.dups()) {
            assertEquals(2, d.rmapHlistLen());
            assertEquals(7, d.content());
        }
        assertEquals(List.of(chain), Ksm.inOrder(k.stableTree()), "the chain stands in the tree for both dups");
    }

    // ------------------------------------------------------------------ mechanisms

    @Test
    void aWriteBreaksSharingAndKeepsContents() {
        Machine m = machine(256, false, false, 7, 7, 7);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        long kpage = pfnAt(m, 1, A);
        assertTrue(m.rmap().folioTestKsm(kpage));
        assertEquals(kpage, pfnAt(m, 1, A + 1));
        assertEquals(3, m.rmap().mapcount(kpage));
        Rmap.Access w = m.rmap().access(1, A + 1, true, 8);
        assertEquals(Rmap.AccessKind.WP_COPY, w.kind(), "a KSM page is never reused in place");
        assertNotEquals(kpage, pfnAt(m, 1, A + 1));
        assertTrue(Pte.write(m.rmap().task(1).pageTable().get(A + 1)));
        assertEquals(2, m.rmap().mapcount(kpage));
        assertEquals(7, m.rmap().peek(1, A));
        assertEquals(8, m.rmap().peek(1, A + 1));
        assertEquals(7, m.rmap().peek(1, A + 2));
        assertEquals(2, k.pagesSharing(), "the stable tree learns of the write when ksmd passes the page");
        k.full_scan();
        assertEquals(1, k.pagesSharing());
        assertEquals(1, k.pagesShared());
    }

    @Test
    void madviseUnmergeableBreaksCowInItsRangeAndSplitsTheVma() {
        Machine m = machine(256, true, false, 7, 7, 7, 7, 0, 0);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        assertEquals(4, m.rmap().mapcount(pfnAt(m, 1, A)));
        assertEquals(2, k.zeroPages());
        assertEquals(0, m.rmap().madvise(1, A + 2, 3, Rmap.MADV_UNMERGEABLE));
        MmStruct mm = m.rmap().task(1);
        assertEquals(3, mm.vmas().size(), "[A, A+2) and [A+5, A+6) stay mergeable around the unmerged [A+2, A+5)");
        assertEquals(0, mm.findVma(A + 3).flags() & VmAreaStruct.VM_MERGEABLE);
        assertTrue((mm.findVma(A).flags() & VmAreaStruct.VM_MERGEABLE) != 0);
        for (long a = A + 2; a < A + 5; a++) {
            long pfn = pfnAt(m, 1, a);
            assertTrue(pfn >= 0 && !m.rmap().folioTestKsm(pfn), "page " + a + " is unshared");
            assertFalse(Pte.write(mm.pageTable().get(a)), "unsharing maps the copy read-only (FAULT_FLAG_UNSHARE)");
        }
        assertEquals(1, k.zeroPages());
        assertTrue(Pte.isKsmZeroPte(mm.pageTable().get(A + 5)));
        assertEquals(0, m.rmap().peek(1, A + 4));
        assertEquals(7, m.rmap().peek(1, A + 3));
        k.full_scan();
        assertEquals(1, k.pagesSharing(), "A and A+1 still share one KSM page");
        // ignored where the VMA is not mergeable: nothing to unmerge, nothing fails
        assertEquals(0, m.rmap().madvise(1, A + 2, 3, Rmap.MADV_UNMERGEABLE));
    }

    @Test
    void runTwoUnmergesEverythingAndZeroesFullScans() {
        Machine m = machine(2, true, false, 7, 7, 7, 7, 0, 3);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        assertTrue(k.pagesShared() > 0 && k.zeroPages() > 0 && k.stableNodeChains() == 1);
        assertEquals(0, k.sysfs_store("run", "2"));
        assertEquals(List.of(0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L), List.of(k.seqnr(), k.pagesShared(), k.pagesSharing(), k.pagesUnshared(),
                k.rmapItems(), k.stableNodeChains(), k.stableNodeDups(), k.zeroPages()));
        assertTrue(k.stableNodes().isEmpty());
        for (long a = A; a < A + 6; a++) assertFalse(m.rmap().folioTestKsm(Math.max(0, pfnAt(m, 1, a))));
        assertEquals(0, k.full_scan(), "ksmd does not run with run=2");
        assertEquals(1, k.slots().size(), "run=2 keeps the mm on the list for when ksmd runs again");
    }

    @Test
    void maxPageSharingChangesOnlyWithoutKsmPages() {
        Machine m = machine(256, false, false, 7, 7);
        Ksm k = m.ksm();
        long before = m.fingerprint();
        assertThrows(RejectedOperationException.class, () -> k.sysfs_store("max_page_sharing", "1"));
        assertThrows(RejectedOperationException.class, () -> k.sysfs_store("max_page_sharing", "many"));
        assertEquals(before, m.fingerprint(), "a refused write changes nothing");
        k.full_scan();
        k.full_scan();
        assertEquals(Ksm.EBUSY, k.sysfs_store("max_page_sharing", "2"));
        assertEquals(256, k.maxPageSharing());
        assertEquals(0, k.sysfs_store("max_page_sharing", "256"), "the same value is no change");
        assertEquals(0, k.sysfs_store("run", "2"));
        assertEquals(0, k.sysfs_store("max_page_sharing", "2"));
        assertEquals(2, k.maxPageSharing());
    }

    @Test
    void sysfsRefusesMalformedValuesAndReadOnlyAttributesChangingNothing() {
        Machine m = machine(256, false, false, 7, 7);
        Ksm k = m.ksm();
        k.full_scan();
        long before = m.fingerprint();
        for (String[] w : new String[][] {{"run", "3"}, {"run", "-1"}, {"pages_to_scan", "x"}, {"sleep_millisecs", "4294967296"},
            {"use_zero_pages", "maybe"}, {"smart_scan", ""}, {"pages_shared", "0"}, {"nonsense", "1"}, {"merge_across_nodes", "0"},
            {"advisor_mode", "scan-time"}}) {
            RejectedOperationException e = assertThrows(RejectedOperationException.class, () -> k.sysfs_store(w[0], w[1]));
            assertTrue(e.getMessage().contains(w[0]), e.getMessage());
        }
        assertEquals(before, m.fingerprint());
        assertEquals("1", k.sysfs_show("merge_across_nodes"));
        assertEquals(0, k.sysfs_store("use_zero_pages", "on"));
        assertTrue(k.useZeroPages());
    }

    @Test
    void forkSharesKsmPagesAndTheChildsItemsGoOverTheLimit() {
        Machine m = machine(2, true, false, 7, 7, 0);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        long kpage = pfnAt(m, 1, A);
        assertEquals(1, k.zeroPages());
        int child = m.rmap().fork(1, 0);
        assertEquals(kpage, pfnAt(m, child, A));
        assertEquals(4, m.rmap().mapcount(kpage));
        assertEquals(2, k.zeroPages(), "ksm_fork() adds the child's inherited KSM zero pages");
        assertEquals(2, k.slots().size(), "ksm_fork() puts the child on the list");
        k.full_scan();
        KsmStableNode n = k.stableNodes().get(m.rmap().stableNodeId(kpage));
        assertEquals(4, n.rmapHlistLen(), "a KSM fork goes over max_page_sharing 2 without a warning");
        long bypass = n.items().stream().filter(KsmRmapItem::bypass).count();
        assertEquals(2, bypass);
        assertEquals(0, k.warnings().count());
        assertEquals(3, k.pagesSharing());
    }

    /** v6.18: a fork that fails after copying KSM zero pages subtracts them from ksm_zero_pages without having added them. */
    @Test
    void aFailedForkLosesKsmZeroPagesFromTheCounter() {
        Machine m = new Machine(config(256));
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        assertEquals(0, k.sysfs_store("use_zero_pages", "1"));
        r.mmap(1, A, 2);
        r.mmap(1, A + 8, 1);
        r.access(1, A, true, 0);
        r.access(1, A + 1, true, 0);
        r.access(1, A + 8, true, 5);
        assertEquals(0, r.madvise(1, A, 2, Rmap.MADV_MERGEABLE));
        assertEquals(0, k.sysfs_store("run", "1"));
        k.full_scan();
        k.full_scan();
        assertEquals(2, k.zeroPages());
        // dup_mmap: vm_area_dup, anon_vma_clone's chain, anon_vma_alloc, the new chain, copy_page_range; then the next
        // VMA's vm_area_dup (the 5th slab allocation) fails and the half-built child is torn down
        assertEquals(Rmap.ENOMEM, r.fork(1, 5));
        assertEquals(0, k.zeroPages(), "the child's zap subtracted the two zero pages it had copied");
        assertEquals(2, k.zeroPagesLostByFailedFork());
        assertEquals(2, k.mm(1).ksmZeroPages(), "the parent still maps both");
    }

    @Test
    void exitLeavesTheSlotForKsmdWhichThenFreesEverything() {
        Machine m = machine(256, false, false, 7, 7, 9);
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        int child = r.fork(1, 0);
        k.full_scan();
        k.full_scan();
        long kpage = pfnAt(m, 1, A);
        assertEquals(4, r.mapcount(kpage), "both processes' 7s map one KSM page");
        assertEquals(3, k.pagesSharing());
        assertEquals(2, r.anonVmas().size());
        r.exit(child);
        assertEquals(2, k.slots().size(), "the exiting mm still has rmap_items: __ksm_exit() leaves its slot to ksmd");
        assertEquals(2, r.mapcount(kpage));
        assertEquals(2, r.anonVmas().size(), "the child's anon_vma is pinned by its rmap_items (get_anon_vma())");
        k.full_scan();
        assertEquals(1, k.slots().size());
        assertEquals(1, k.pagesSharing());
        assertEquals(3, k.rmapItems());
        assertEquals(1, r.anonVmas().size(), "ksmd dropped the pins: the child's anon_vma is freed");
        assertThrows(RejectedOperationException.class, () -> r.exit(child));
    }

    @Test
    void migrationMovesAKsmPageAndItsStableNodeFollows() {
        Machine m = machine(256, false, false, 7, 7, 7);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        long kpage = pfnAt(m, 1, A);
        int node = m.rmap().stableNodeId(kpage);
        Map<String, Long> before = k.counters();
        assertEquals(0, m.rmap().migrate_folio_unmap(kpage));
        long dst = m.rmap().migrate_folio_move(kpage, false);
        assertNotEquals(kpage, dst);
        assertEquals(dst, k.stableNodes().get(node).kpfn());
        assertEquals(node, m.rmap().stableNodeId(dst));
        for (long a = A; a < A + 3; a++) assertEquals(dst, pfnAt(m, 1, a));
        assertEquals(3, m.rmap().mapcount(dst));
        assertEquals(3, k.rmapWalkKsmAddresses(dst).size());
        k.full_scan();
        Map<String, Long> after = k.counters();
        before.remove("full_scans");
        before.remove("pages_scanned");
        after.remove("full_scans");
        after.remove("pages_scanned");
        assertEquals(before, after);
    }

    /**
     * v6.18's KSM reverse map knows a fork's copy of a KSM mapping only through the rmap_item of
     * the mapping it was copied from: once that one leaves the node (the parent wrote its page),
     * rmap_walk_ksm() misses the child until ksmd reaches it, and migration gives up (-EAGAIN).
     */
    @Test
    void aForkInheritedMappingIsInvisibleToRmapWalkKsmUntilKsmdReachesIt() {
        Machine m = machine(256, false, false, 7, 7);
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        k.full_scan();
        k.full_scan();
        long kpage = pfnAt(m, 1, A);
        assertEquals(0, k.sysfs_store("pages_to_scan", "2"));
        int child = r.fork(1, 0);
        r.access(1, A, true, 8);
        r.access(1, A + 1, true, 9);
        k.ksm_do_scan(2); // the parent's two pages: both items leave the node; the child comes next
        assertEquals(0, k.stableNodes().get(r.stableNodeId(kpage)).rmapHlistLen());
        assertEquals(2, r.mapcount(kpage), "the child still maps the KSM page twice");
        assertTrue(k.rmapWalkKsmAddresses(kpage).isEmpty());
        assertEquals(Rmap.EAGAIN, r.migrate_folio_unmap(kpage));
        assertEquals(kpage, pfnAt(m, child, A), "the failed migration put everything back");
        k.ksm_do_scan(2); // ksmd reaches the child: its items join the node
        assertEquals(2, k.rmapWalkKsmAddresses(kpage).size());
        assertEquals(0, r.migrate_folio_unmap(kpage));
        r.migrate_folio_move(kpage, false);
    }

    /**
     * smart_scan skips a page that has failed to merge for a while on a growing number of scans
     * (every ninth scan once its age is 9): two pages of one content whose scans never coincide
     * stay apart however long ksmd runs; with smart_scan off they merge at once.
     */
    @Test
    void smartScanCanKeepTwoIdenticalPagesApartForever() {
        Integer apart = null;
        for (int delay = 0; delay < 9 && apart == null; delay++) {
            Machine m = machine(256, false, true, 7, 0);
            Ksm k = m.ksm();
            Rmap r = m.rmap();
            r.munmap(1, A + 1, 1);
            r.mmap(1, A + 1, 1);
            assertEquals(0, r.madvise(1, A + 1, 1, Rmap.MADV_MERGEABLE));
            for (int i = 0; i < 20 + delay; i++) k.full_scan(); // A ages alone: skipped on 8 scans out of 9
            r.access(1, A + 1, true, 7); // now a twin
            for (int i = 0; i < 90; i++) k.full_scan();
            if (k.pagesShared() == 0) {
                apart = delay;
                assertTrue(k.pagesSkipped() > 0);
                assertEquals(0, k.sysfs_store("smart_scan", "0"));
                k.full_scan();
                assertEquals(1, k.pagesShared(), "without smart_scan they merge in the next scan");
            }
        }
        assertTrue(apart != null, "no phase kept them apart");
    }

    @Test
    void theKnownBugHandsRmapOneTheStableFlag() {
        for (boolean bug : new boolean[] {false, true}) {
            Machine m = new Machine(config(256).withKnownBugs(bug ? List.of(KnownBug.KSM_STABLE_FLAG.bugName()) : List.of()));
            Rmap r = m.rmap();
            Ksm k = m.ksm();
            r.mmap(1, A, 2);
            r.access(1, A, true, 4);
            r.access(1, A + 1, true, 4);
            r.madvise(1, A, 2, Rmap.MADV_MERGEABLE);
            k.sysfs_store("run", "1");
            k.full_scan();
            k.full_scan();
            Set<Long> addrs = new HashSet<>();
            for (var e : k.rmapWalkKsmAddresses(pfnAt(m, 1, A))) addrs.add(e.getValue());
            long f = bug ? Ksm.STABLE_FLAG : 0;
            assertEquals(Set.of((A << Ksm.PAGE_SHIFT) | f, ((A + 1) << Ksm.PAGE_SHIFT) | f), addrs);
            assertEquals(2, r.rmapWalk(pfnAt(m, 1, A), false).size(), "the PTE lookup ignores the low bits either way");
        }
    }

    @Test
    void checksumsOfSmallValuesAreDistinctAndNotZero() {
        Set<Integer> seen = new HashSet<>();
        for (long v = 0; v < 100_000; v++) {
            int c = Ksm.checksum(v);
            assertNotEquals(0, c, "checksum(" + v + ") is 0, the initial oldchecksum");
            assertTrue(seen.add(c), "checksum collision at " + v);
        }
        assertEquals(Ksm.checksum(0), new Machine(config(64)).ksm().zeroChecksum());
    }
}
