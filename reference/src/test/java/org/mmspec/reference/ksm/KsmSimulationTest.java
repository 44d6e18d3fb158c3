package org.mmspec.reference.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.alloc.ZoneType;

/**
 * {@link KsmSimulation}, the scenario `mmspec ksm simulate` runs: its input parsing and rejection
 * of bad input, the machine it sizes, the knobs it writes (the sysfs writes a user would make
 * before starting ksmd), and the views of the KSM objects (names, accessors, the rbtrees'
 * balance after inserts: rb_insert_color() of lib/rbtree.c, which mm/ksm.c's
 * stable_tree_insert() and unstable_tree_search_insert() call).
 */
class KsmSimulationTest {
    static final long A = KsmTest.A;

    /** parseGroups(): COUNT:VALUE groups separated by spaces or commas; COUNT at least 1, VALUE -1..255, at most MAX_PAGES in all. */
    @Test
    void parseGroupsAcceptsAndRejects() {
        assertEquals(List.of(new KsmSimulation.Group(1, 2), new KsmSimulation.Group(3, -1), new KsmSimulation.Group(4, 0),
                new KsmSimulation.Group(5, 255)), KsmSimulation.parseGroups(" 1:2,3:-1  4:0 ,5:255 "));
        assertEquals("1:2", new KsmSimulation.Group(1, 2).toString());
        assertEquals(1, KsmSimulation.parseGroups(KsmSimulation.MAX_PAGES + ":1").size());
        for (String bad : new String[] {null, "", "   ", "5", "1:2:3", "a:1", "1:b", "0:1", "-1:1", "1:-2", "1:256",
            (KsmSimulation.MAX_PAGES + 1) + ":1", KsmSimulation.MAX_PAGES + ":1 1:1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KsmSimulation.parseGroups(bad),
                    String.valueOf(bad));
            assertTrue(e.getMessage().startsWith("--groups"), e.getMessage());
        }
        assertEquals(10, KsmSimulation.pages(KsmSimulation.parseGroups("3:1 7:-1")));
    }

    /** machineFor(): pages + pages/16 + 2048, rounded up to a multiple of 1024, in one Normal zone. */
    @Test
    void machineForSizesTheZone() {
        assertEquals(4096, KsmSimulation.machineFor(1600).zone(ZoneType.NORMAL).spanned()); // 1600 + 100 + 2048 = 3748
        assertEquals(2048, KsmSimulation.machineFor(0).zone(ZoneType.NORMAL).spanned());
        assertEquals(19456, KsmSimulation.machineFor(16384).zone(ZoneType.NORMAL).spanned()); // 16384 + 1024 + 2048
        assertEquals(5120, KsmSimulation.machineFor(1953).zone(ZoneType.NORMAL).spanned()); // 1953 + 122 + 2048 = 4123, up to 5120
    }

    /**
     * The scenario writes the knobs before run=1: max_page_sharing, use_zero_pages, smart_scan,
     * pages_to_scan = the page count, sleep_millisecs; maps and writes every page; marks the
     * range MADV_MERGEABLE. Bad knobs are refused before any machine is built.
     */
    @Test
    void theScenarioSetsTheKnobsAndMapsThePages() {
        KsmSimulation s = new KsmSimulation(KsmSimulation.parseGroups("3:7 2:-1 1:0"), 2, true, true, 50);
        Ksm k = s.ksm();
        assertEquals(2, k.maxPageSharing());
        assertTrue(k.useZeroPages());
        assertTrue(k.smartScan());
        assertEquals(6, k.pagesToScan());
        assertEquals(50, k.sleepMillisecs());
        assertEquals(1, k.run());
        assertEquals(6, s.pages());
        assertEquals(3, s.groups().size());
        assertEquals("6 pages (3 x 7, 2 x unique, 1 x zero)", s.describe());
        for (int i = 0; i < 3; i++) assertEquals(7, s.machine().rmap().peek(1, KsmSimulation.BASE + i));
        assertEquals(KsmSimulation.UNIQUE_BASE, s.machine().rmap().peek(1, KsmSimulation.BASE + 3));
        assertEquals(KsmSimulation.UNIQUE_BASE + 1, s.machine().rmap().peek(1, KsmSimulation.BASE + 4));
        assertEquals(1, k.slots().size());
        assertSame(s.mm(), k.slots().get(0).mm());
        assertEquals(0, s.counters().get("full_scans"));
        assertEquals(1, s.fullScan().get("full_scans"));
        KsmSimulation off = new KsmSimulation(KsmSimulation.parseGroups("1:7"), 3, false, false, 20);
        assertFalse(off.ksm().useZeroPages());
        assertFalse(off.ksm().smartScan());
        assertEquals(3, off.ksm().maxPageSharing());
        assertEquals("1 pages (1 x 7)", off.describe());
        assertThrows(IllegalArgumentException.class, () -> new KsmSimulation(KsmSimulation.parseGroups("1:7"), 1, false, false, 20));
        assertEquals(2, new KsmSimulation(KsmSimulation.parseGroups("1:7"), 2, false, false, 20).ksm().maxPageSharing());
        assertThrows(IllegalArgumentException.class, () -> KsmSimulation.ofValues(new long[0], 2, false, false, 20));
        KsmSimulation v = KsmSimulation.ofValues(new long[] {9, 9}, 2, false, false, 20);
        assertEquals(2, v.pages());
        assertEquals("2 pages ()", v.describe());
    }

    /** The names and accessors the CLI and the invariants read. */
    @Test
    void namesAndAccessors() {
        KsmSimulation s = new KsmSimulation(KsmSimulation.parseGroups("2:7 1:-1"), 256, false, false, 20);
        s.fullScan();
        s.fullScan();
        Ksm k = s.ksm();
        KsmMmSlot slot = k.slots().get(0);
        assertEquals("mm_slot(pid 1)", slot.name());
        assertEquals("mm_slot(pid 1)", slot.toString());
        assertFalse(slot.isHead());
        assertTrue(k.ksm_mm_head.isHead());
        assertEquals("ksm_mm_head", k.ksm_mm_head.name());
        assertSame(k.ksm_mm_head, slot.next());
        assertEquals(3, slot.items().size());
        assertSame(slot.first(), slot.items().get(0));
        KsmMm mm = slot.mm();
        assertEquals(1, mm.pid());
        assertSame(s.machine().rmap().task(1), mm.mmStruct());
        assertTrue(mm.mmfVmMergeable());
        assertSame(slot, mm.slot());
        assertEquals(s.machine().rmap().task(1).name(), mm.toString());
        assertEquals((2 + 0) * Ksm.PAGE_SIZE - 3 * Ksm.SIZEOF_KSM_RMAP_ITEM, mm.ksmProcessProfit(), "(2 merging + 0 zero) * 4096 - 3 * 64");
        assertEquals(2, mm.ksmMergingPages());
        KsmRmapItem i0 = slot.first();
        KsmRmapItem i2 = slot.items().get(2);
        assertSame(slot.items().get(1), i0.next());
        assertSame(mm, i0.mm());
        assertEquals(KsmSimulation.BASE, i0.page());
        assertEquals((KsmSimulation.BASE << Ksm.PAGE_SHIFT) | Ksm.STABLE_FLAG, i0.address());
        assertTrue(i0.stable());
        assertFalse(i0.unstable());
        assertTrue(i2.unstable());
        assertFalse(i2.stable());
        assertEquals(1, i2.seqnr(), "inserted during scan 2 (seqnr 1)");
        assertEquals(Ksm.checksum(7), i0.oldchecksum());
        assertEquals(0, i0.age(), "smart_scan off: should_skip_rmap_item() returns before aging it");
        assertEquals(0, i0.remainingSkips());
        assertFalse(i0.freed());
        assertEquals(s.machine().rmap().task(1).findVma(KsmSimulation.BASE).anonVma(), i0.anonVma());
        assertEquals(null, i2.anonVma(), "an unstable item holds no anon_vma");
        assertEquals("rmap_item#" + i0.id, i0.name());
        assertEquals("rmap_item#" + i0.id + "(pid 1 page 0x100 STABLE)", i0.toString());
        assertEquals("rmap_item#" + i2.id + "(pid 1 page 0x102 UNSTABLE seqnr 1)", i2.toString());
        KsmStableNode n = i0.head();
        assertEquals(n.hlistFirst(), n.items().get(0));
        assertSame(n.hlistFirst().hlistNext(), n.items().get(1));
        assertEquals(List.of(i0.head().items().get(0), i0.head().items().get(1)), n.items());
        assertEquals("stable_node#" + n.id, n.name());
        assertEquals("stable_node#" + n.id + " (kpfn 0x" + Long.toHexString(n.kpfn()) + ", 2 rmap_items)", n.toString());
        assertFalse(n.isDup());
        assertEquals(null, n.chain());
        assertEquals(null, n.dupFirst());
        assertFalse(n.freed());
        assertTrue(n.kpfn() > 0);
        assertSame(n, k.root_stable_tree.node());
        assertFalse(k.root_stable_tree.empty());
        assertTrue(new RbRoot().empty());
        assertTrue(n.rbBlack());
        assertEquals(null, n.rbLeft());
        assertEquals(null, n.rbRight());
        assertSame(null, n.rbParent());
    }

    /**
     * stable_tree_insert() and unstable_tree_search_insert() rebalance (rb_insert_color): pages
     * whose contents come in ascending order make the middle one the root, black, with two red
     * children, not a chain.
     */
    @Test
    void bothTreesAreRebalancedOnInsert() {
        Ksm k = new KsmSimulation(KsmSimulation.parseGroups("2:1 2:2 2:3 1:-1 1:-1 1:-1"), 256, false, false, 20).ksm();
        k.full_scan();
        k.sysfs_store("pages_to_scan", "9");
        k.ksm_scan_thread_batch(); // scan 2, up to the end of the pages: the unstable tree is still there
        List<RbNode> stable = Ksm.inOrder(k.stableTree());
        assertEquals(3, stable.size());
        assertSame(stable.get(1), k.stableTree().node());
        assertTrue(stable.get(1).rbBlack());
        assertFalse(stable.get(0).rbBlack());
        assertFalse(stable.get(2).rbBlack());
        List<RbNode> unstable = Ksm.inOrder(k.unstableTree());
        assertEquals(3, unstable.size());
        assertSame(unstable.get(1), k.unstableTree().node());
        assertTrue(unstable.get(1).rbBlack());
        assertFalse(unstable.get(0).rbBlack());
        assertSame(unstable.get(1), unstable.get(0).rbParent());
        assertSame(unstable.get(1), unstable.get(2).rbParent());
    }

    /** checksum(): a value's high half changes it too (the fold of value >>> 32), and it is MurmurHash3's fmix32 of the fold. */
    @Test
    void checksumIsFmix32OfTheFold() {
        for (long v : new long[] {0, 1, 7, 0xffffffffL, 1L << 32, 3L << 32 | 5, -1L, 0x123456789abcdefL}) {
            int h = (int) v ^ ((int) (v >>> 32) * 0x27D4EB2F) ^ 0x9E3779B9;
            h ^= h >>> 16;
            h *= 0x85EBCA6B;
            h ^= h >>> 13;
            h *= 0xC2B2AE35;
            h ^= h >>> 16;
            assertEquals(h, Ksm.checksum(v), Long.toHexString(v));
        }
        assertTrue(Ksm.checksum(1L << 32) != Ksm.checksum(0));
        assertTrue(Ksm.checksum(5L << 32) != Ksm.checksum(0));
        assertEquals(0, Ksm.checksum(0x9E3779B9L));
    }

    /**
     * stable_tree_insert() goes left for a smaller content and stable_tree_search() follows it
     * there: 3s, then 1s (left of 3), then 2s (right of 1: rebalanced to the root); a page
     * written to 1 later merges into the 1s' KSM page, found left of the root (memcmp_pages < 0).
     */
    @Test
    void searchAndInsertGoLeftForSmallerContents() {
        KsmSimulation s = new KsmSimulation(KsmSimulation.parseGroups("2:3 2:1 2:2 1:-1"), 256, false, false, 20);
        Ksm k = s.ksm();
        s.fullScan();
        s.fullScan();
        List<RbNode> stable = Ksm.inOrder(k.stableTree());
        assertEquals(List.of(1L, 2L, 3L), stable.stream().map(n -> ((KsmStableNode) n).content()).toList());
        assertSame(stable.get(1), k.stableTree().node());
        long last = KsmSimulation.BASE + 6;
        s.machine().rmap().access(1, last, true, 1);
        s.fullScan(); // its checksum changed
        s.fullScan(); // merged into the 1s' page
        KsmStableNode ones = (KsmStableNode) stable.get(0);
        assertEquals(3, ones.rmapHlistLen());
        assertEquals(ones.kpfn(), KsmTest.pfnAt(s.machine(), 1, last));
        assertEquals(3, k.pagesShared());
        assertEquals(4, k.pagesSharing());
    }
}
