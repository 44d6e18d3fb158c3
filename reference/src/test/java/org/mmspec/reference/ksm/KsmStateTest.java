package org.mmspec.reference.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.rmap.Rmap;

/**
 * The KSM state as a model checker sees it: {@link Ksm#copyFrom} carries every field of ksmd's
 * state (the knobs and counters of /sys/kernel/mm/ksm, the mm_slot list and its cursor
 * ksm_scan, the rmap_items, the stable nodes with their chains and dups, both rbtrees) and the
 * copy shares nothing with the original; {@link Ksm#fingerprint} tells apart two states that
 * differ in any one of those fields. The state is built by the kernel's own paths (mm/ksm.c
 * v6.18: ksm_madvise, ksm_do_scan, ksm_fork, ksm_exit), so each field holds a value ksmd gives it.
 */
class KsmStateTest {
    static final long A = 0x100;

    /**
     * A state with every kind of object: pid 1 maps 5 x 7 and 3 unique pages (A..A+7),
     * max_page_sharing 2 (mm/ksm.c: a 2-sharing KSM page is full, so the 7s need a chain of
     * dups); pid 2 forked before MADV_MERGEABLE (an mm with no slot); pids 3 and 4 forked after
     * (ksm_fork() gives them slots); ksmd stopped mid-scan in pid 1's slot after 7 pages, so the
     * unstable tree holds this scan's unique pages; then pid 4 exits (its slot stays for ksmd,
     * __ksm_exit()).
     */
    static Machine rich() {
        return rich(true);
    }

    /** rich(), pid 4 exiting or (exit false) only having its slot moved where __ksm_exit() would put it. */
    static Machine rich(boolean exit) {
        Machine m = new Machine(KsmTest.config(1024));
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        assertEquals(0, k.sysfs_store("max_page_sharing", "2"));
        assertEquals(0, k.sysfs_store("pages_to_scan", "1000"));
        int bystander = r.fork(1, 0);
        assertTrue(bystander > 1);
        assertTrue(r.mmap(1, A, 8) >= 0);
        long[] values = {7, 7, 7, 7, 7, 100, 101, 102};
        for (int i = 0; i < values.length; i++) r.access(1, A + i, true, values[i]);
        assertEquals(0, r.madvise(1, A, 8, Rmap.MADV_MERGEABLE));
        assertEquals(0, k.sysfs_store("run", "1"));
        k.full_scan();
        k.full_scan();
        int child = r.fork(1, 0);
        int leaver = r.fork(1, 0);
        k.full_scan();
        assertEquals(0, k.sysfs_store("pages_to_scan", "7"));
        k.ksm_scan_thread_batch();
        if (!exit) {
            KsmMmSlot s = k.mm(leaver).slot();
            s.del();
            s.addBefore(k.scanSlot.next); // list_move(&slot->mm_node, &ksm_scan.mm_slot->slot.mm_node)
            return m;
        }
        r.exit(leaver);
        // the preconditions the perturbations rely on
        assertTrue(k.stableNodeChains() >= 1, "a chain");
        assertTrue(k.unstableTree().rb_node != null, "an unstable tree");
        assertTrue(k.scanSlot() != null && k.scanSlot().mm().pid() == 1, "mid-scan in pid 1");
        assertTrue(k.slots().stream().anyMatch(s -> k.ksm_test_exit(s.mm())), "an exited mm on the list");
        assertTrue(k.mm(bystander) != null && k.mm(bystander).slot() == null, "a live mm with no slot");
        assertTrue(k.mm(child).slot() != null);
        return m;
    }

    static KsmRmapItem firstItem(Ksm k, java.util.function.Predicate<KsmRmapItem> p) {
        for (KsmRmapItem i : k.items()) if (p.test(i)) return i;
        throw new AssertionError("no such rmap_item");
    }

    static KsmStableNode firstNode(Ksm k, java.util.function.Predicate<KsmStableNode> p) {
        for (KsmStableNode n : k.nodes.values()) if (p.test(n)) return n;
        throw new AssertionError("no such stable node");
    }

    /** A description of the state through the public and package views, for comparing a copy with its original. */
    static List<Object> describe(Ksm k) {
        List<Object> d = new ArrayList<>();
        d.add(k.counters());
        d.add(k.stats.figures());
        d.add(List.of(k.run(), k.pagesToScan(), k.sleepMillisecs(), k.maxPageSharing(), k.useZeroPages(), k.smartScan(),
                k.pruneMillisecs(), k.seqnr(), k.jiffies(), k.scanAddress(), k.nextItemId, k.nextNodeId, k.rmapItems(),
                k.zeroPagesLostByFailedFork(), k.warnings().count()));
        d.add(k.scanSlot() == null ? "head" : k.scanSlot().name());
        d.add(k.scanRmapList == null ? "null" : k.scanRmapList instanceof KsmMmSlot s ? s.name() : ((KsmRmapItem) k.scanRmapList).name());
        for (KsmMmSlot s : k.slots()) {
            KsmMm mm = s.mm();
            d.add(List.of(s.name(), mm.ksmMergingPages(), mm.ksmRmapItems(), mm.ksmZeroPages(), mm.mmfVmMergeable(), k.ksm_test_exit(mm),
                    mm.slot() == s));
            for (KsmRmapItem i : s.items()) {
                d.add(List.of(i.id, i.address(), i.oldchecksum(), i.age(), i.remainingSkips(), i.bypass(), i.insertedStamp(),
                        i.head() == null ? 0 : i.head().id, i.anonVma() == null ? -1 : i.anonVma().id, i.mm().pid(),
                        i.hlistNext == null ? 0 : i.hlistNext.id, i.hlistPrev == null ? 0 : i.hlistPrev.id));
            }
        }
        // the mms of live processes (an exited one is reachable from its slot only)
        d.add(k.mms.values().stream().filter(mm -> !k.ksm_test_exit(mm)).map(KsmMm::pid).toList());
        for (KsmMm mm : k.mms.values()) if (!k.ksm_test_exit(mm)) d.add(List.of(mm.pid(), mm.ksmMergingPages(), mm.ksmRmapItems(), mm.ksmZeroPages(),
                mm.mmfVmMergeable(), mm.slot() == null));
        for (KsmStableNode n : k.nodes.values()) {
            d.add(List.of(n.id, n.dup, n.kpfn, n.chain_prune_time, n.rmap_hlist_len, n.content, n.chain == null ? 0 : n.chain.id,
                    n.dupFirst == null ? 0 : n.dupFirst.id, n.dupNext == null ? 0 : n.dupNext.id, n.dupPrev == null ? 0 : n.dupPrev.id,
                    n.hlistFirst == null ? 0 : n.hlistFirst.id));
        }
        d.add(shape(k.stableTree().rb_node));
        d.add(shape(k.unstableTree().rb_node));
        return d;
    }

    static String shape(RbNode n) {
        if (n == null) return ".";
        int id = n instanceof KsmStableNode s ? s.id : ((KsmRmapItem) n).id;
        String p = n.rbParent == null ? "-" : Integer.toString(n.rbParent instanceof KsmStableNode s ? s.id : ((KsmRmapItem) n.rbParent).id);
        return "(" + id + (n.rbBlack ? "b" : "r") + "^" + p + " " + shape(n.rbLeft) + " " + shape(n.rbRight) + ")";
    }

    /**
     * Machine.copy() copies ksmd's state field by field: the copy describes and fingerprints as
     * the original, its objects are new ones (the tree nodes, items, slots, mms), and running
     * ksmd on both from there gives the same states (the links were mapped right).
     */
    @Test
    void aCopyCarriesEveryFieldAndEvolvesAsTheOriginal() {
        Machine m = rich();
        Ksm k = m.ksm();
        Machine c = m.copy();
        Ksm x = c.ksm();
        assertEquals(describe(k), describe(x));
        assertEquals(k.fingerprint(), x.fingerprint());
        // nothing shared
        assertNotSame(k.stableTree().rb_node, x.stableTree().rb_node);
        assertNotSame(k.unstableTree().rb_node, x.unstableTree().rb_node);
        for (int id : k.nodes.keySet()) assertNotSame(k.nodes.get(id), x.nodes.get(id));
        List<KsmRmapItem> ki = k.items();
        List<KsmRmapItem> xi = x.items();
        for (int i = 0; i < ki.size(); i++) assertNotSame(ki.get(i), xi.get(i));
        assertSame(x.ksm_mm_head, x.slots().get(x.slots().size() - 1).next());
        assertTrue(x.scanRmapList instanceof KsmRmapItem);
        assertSame(xi.stream().filter(i -> i.id == ((KsmRmapItem) k.scanRmapList).id).findFirst().orElseThrow(), x.scanRmapList);
        for (KsmMmSlot s : x.slots()) assertSame(s, s.mm().slot());
        // both run on alike: every batch, and the trees and lists they walk, stay equal
        for (int b = 0; b < 12; b++) {
            m.rmap().access(1, A + (b % 8), true, 7 + b % 3);
            c.rmap().access(1, A + (b % 8), true, 7 + b % 3);
            k.ksm_scan_thread_batch();
            x.ksm_scan_thread_batch();
            assertEquals(describe(k), describe(x), "batch " + b);
            assertEquals(k.fingerprint(), x.fingerprint(), "batch " + b);
        }
    }

    /** The copy is independent: ksmd running on it, and the processes writing, leave the original as it was. */
    @Test
    void aCopyIsIndependentOfTheOriginal() {
        Machine m = rich();
        Ksm k = m.ksm();
        List<Object> before = describe(k);
        long fp = k.fingerprint();
        Machine c = m.copy();
        Ksm x = c.ksm();
        for (int i = 0; i < 8; i++) c.rmap().access(1, A + i, true, 50 + i);
        assertEquals(0, x.sysfs_store("pages_to_scan", "1000"));
        x.full_scan();
        x.full_scan();
        assertEquals(0, x.sysfs_store("run", "2"));
        assertEquals(before, describe(k));
        assertEquals(fp, k.fingerprint());
    }

    /**
     * Machine.copyFrom() over a machine that has state of its own (other processes, nodes and
     * items): what it had is gone (mms and nodes cleared), what it has is the source's.
     */
    @Test
    void copyFromOverwritesAStateThatHadOtherContents() {
        Machine src = rich();
        Machine dst = new Machine(KsmTest.config(1024));
        Ksm d = dst.ksm();
        Rmap r = dst.rmap();
        for (int p = 0; p < 5; p++) r.fork(1, 0); // pids 2..6: more mms than the source has live
        r.mmap(1, A + 0x40, 4);
        for (int i = 0; i < 4; i++) r.access(1, A + 0x40 + i, true, 9);
        r.madvise(1, A + 0x40, 4, Rmap.MADV_MERGEABLE);
        d.sysfs_store("run", "1");
        d.full_scan();
        d.full_scan();
        d.full_scan();
        assertTrue(d.nodes.size() > 0);
        dst.copyFrom(src);
        assertEquals(describe(src.ksm()), describe(d));
        assertEquals(src.ksm().fingerprint(), d.fingerprint());
        assertEquals(src.fingerprint(), dst.fingerprint());
    }

    /** A copy taken at every point of a run (cursor at the head, at a slot, at an item) fingerprints and evolves as the original. */
    @Test
    void copiesAtEveryPointOfARunMatchTheOriginal() {
        Machine m = KsmTest.machine(2, true, true, 7, 7, 7, 0, 0, 9, 9, 11);
        Ksm k = m.ksm();
        m.rmap().fork(1, 0);
        assertEquals(0, k.sysfs_store("pages_to_scan", "3"));
        boolean sawSlot = false;
        boolean sawNull = false;
        for (int b = 0; b < 30; b++) {
            if (k.scanRmapList instanceof KsmMmSlot) sawSlot = true;
            if (k.scanRmapList == null) sawNull = true;
            Machine c = m.copy();
            assertEquals(describe(k), describe(c.ksm()), "batch " + b);
            assertEquals(k.fingerprint(), c.ksm().fingerprint());
            k.ksm_scan_thread_batch();
            c.ksm().ksm_scan_thread_batch();
            assertEquals(describe(k), describe(c.ksm()), "after batch " + b);
        }
        assertTrue(sawNull);
        k.scanRmapList = k.slots().get(0);
        Machine c = m.copy();
        assertSame(c.ksm().slots().get(0), c.ksm().scanRmapList);
        assertTrue(sawSlot || c.ksm().scanRmapList != null);
    }

    /**
     * fingerprint() distinguishes two states that differ in any one field: each perturbation is
     * applied to a fresh copy of one state, the original left as it is.
     */
    @Test
    void statesDifferingInOneFieldFingerprintDifferently() {
        Machine m = rich();
        long fp = m.ksm().fingerprint();
        Map<String, Consumer<Machine>> p = new LinkedHashMap<>();
        // the knobs and counters
        p.put("run", c -> c.ksm().ksm_run = 2);
        p.put("pages_to_scan", c -> c.ksm().ksm_thread_pages_to_scan++);
        p.put("sleep_millisecs", c -> c.ksm().ksm_thread_sleep_millisecs++);
        p.put("max_page_sharing", c -> c.ksm().ksm_max_page_sharing++);
        p.put("use_zero_pages", c -> c.ksm().ksm_use_zero_pages = !c.ksm().ksm_use_zero_pages);
        p.put("smart_scan", c -> c.ksm().ksm_smart_scan = !c.ksm().ksm_smart_scan);
        p.put("prune_millisecs", c -> c.ksm().ksm_stable_node_chains_prune_millisecs++);
        p.put("pages_scanned", c -> c.ksm().ksm_pages_scanned++);
        p.put("pages_shared", c -> c.ksm().ksm_pages_shared++);
        p.put("pages_sharing", c -> c.ksm().ksm_pages_sharing++);
        p.put("pages_unshared", c -> c.ksm().ksm_pages_unshared++);
        p.put("rmap_items", c -> c.ksm().ksm_rmap_items++);
        p.put("chains", c -> c.ksm().ksm_stable_node_chains++);
        p.put("dups", c -> c.ksm().ksm_stable_node_dups++);
        p.put("zero_pages", c -> c.ksm().ksm_zero_pages++);
        p.put("pages_skipped", c -> c.ksm().ksm_pages_skipped++);
        p.put("seqnr", c -> c.ksm().seqnr++);
        p.put("scan address", c -> c.ksm().scanAddress += Ksm.PAGE_SIZE);
        p.put("next item id", c -> c.ksm().nextItemId++);
        p.put("next node id", c -> c.ksm().nextNodeId++);
        p.put("zero pages lost", c -> c.ksm().zeroPagesLostByFailedFork++);
        // the slots and the cursor
        p.put("cursor slot", c -> c.ksm().scanSlot = c.ksm().scanSlot.next);
        p.put("cursor item", c -> c.ksm().scanRmapList = c.ksm().items().get(0));
        p.put("cursor at the slot head", c -> c.ksm().scanRmapList = c.ksm().scanSlot);
        p.put("slot order", c -> {
            KsmMmSlot last = c.ksm().slots().get(c.ksm().slots().size() - 1);
            last.del();
            last.addBefore(c.ksm().ksm_mm_head.next);
        });
        p.put("slot merging pages", c -> c.ksm().slots().get(0).mm().ksm_merging_pages++);
        p.put("slot rmap items", c -> c.ksm().slots().get(0).mm().ksm_rmap_items++);
        p.put("slot zero pages", c -> c.ksm().slots().get(0).mm().ksm_zero_pages++);
        // an mm without a slot
        p.put("slotless merging pages", c -> c.ksm().mm(2).ksm_merging_pages++);
        p.put("slotless rmap items", c -> c.ksm().mm(2).ksm_rmap_items++);
        p.put("slotless zero pages", c -> c.ksm().mm(2).ksm_zero_pages++);
        // the rmap_items
        p.put("item age", c -> firstItem(c.ksm(), i -> true).age++);
        p.put("item remaining skips", c -> firstItem(c.ksm(), i -> true).remaining_skips++);
        p.put("item oldchecksum", c -> firstItem(c.ksm(), i -> true).oldchecksum++);
        p.put("item address", c -> firstItem(c.ksm(), i -> !i.stable() && !i.unstable()).address += Ksm.PAGE_SIZE);
        p.put("item seqnr bits", c -> firstItem(c.ksm(), KsmRmapItem::unstable).address ^= 1);
        p.put("stable item anon_vma", c -> {
            KsmRmapItem i = firstItem(c.ksm(), KsmRmapItem::stable);
            KsmRmapItem other = firstItem(c.ksm(), j -> j.stable() && j.anon_vma != i.anon_vma);
            i.anon_vma = other.anon_vma;
        });
        p.put("stable item head", c -> {
            KsmRmapItem i = firstItem(c.ksm(), KsmRmapItem::stable);
            i.head = firstNode(c.ksm(), n -> n != i.head && !n.isChain());
        });
        p.put("stable item bypass", c -> {
            KsmRmapItem i = firstItem(c.ksm(), KsmRmapItem::stable);
            i.bypass = !i.bypass;
        });
        p.put("unstable item's page written", c -> {
            KsmRmapItem i = firstItem(c.ksm(), KsmRmapItem::unstable);
            assertFalse(c.ksm().writtenSinceInserted(i));
            c.rmap().access(i.mm().pid(), i.page(), true, c.rmap().peek(i.mm().pid(), i.page())); // the same value: only the stamp moves
            assertTrue(c.ksm().writtenSinceInserted(i));
        });
        p.put("another unstable item's page unmapped", c -> {
            KsmRmapItem first = firstItem(c.ksm(), KsmRmapItem::unstable);
            KsmRmapItem i = firstItem(c.ksm(), j -> j.unstable() && j != first);
            c.rmap().munmap(i.mm().pid(), i.page(), 1);
            assertTrue(c.ksm().writtenSinceInserted(i));
        });
        // the stable nodes
        p.put("node rmap_hlist_len", c -> firstNode(c.ksm(), n -> !n.isChain()).rmap_hlist_len++);
        p.put("node dup flag", c -> {
            KsmStableNode n = firstNode(c.ksm(), KsmStableNode::isDup);
            n.dup = false;
        });
        p.put("node content", c -> firstNode(c.ksm(), n -> !n.isChain()).content++);
        p.put("chain content", c -> firstNode(c.ksm(), KsmStableNode::isChain).content++);
        p.put("node kpfn", c -> firstNode(c.ksm(), n -> !n.isChain()).kpfn++);
        p.put("chain prune time", c -> firstNode(c.ksm(), KsmStableNode::isChain).chain_prune_time--);
        p.put("dup's chain", c -> firstNode(c.ksm(), KsmStableNode::isDup).chain = null);
        p.put("chain's dup order", c -> {
            KsmStableNode chain = firstNode(c.ksm(), KsmStableNode::isChain);
            KsmStableNode a = chain.dupFirst;
            KsmStableNode b = a.dupNext;
            assertNotNull(b);
            a.dupNext = b.dupNext;
            b.dupNext = a;
            chain.dupFirst = b;
        });
        p.put("node hlist order", c -> {
            KsmStableNode n = firstNode(c.ksm(), d -> d.hlistFirst != null && d.hlistFirst.hlistNext != null);
            KsmRmapItem a = n.hlistFirst;
            KsmRmapItem b = a.hlistNext;
            a.hlistNext = b.hlistNext;
            b.hlistNext = a;
            n.hlistFirst = b;
        });
        // the trees
        p.put("stable tree colour", c -> c.ksm().root_stable_tree.rb_node.rbBlack = !c.ksm().root_stable_tree.rb_node.rbBlack);
        p.put("unstable tree colour", c -> c.ksm().root_unstable_tree.rb_node.rbBlack = !c.ksm().root_unstable_tree.rb_node.rbBlack);
        p.put("unstable tree emptied", c -> c.ksm().root_unstable_tree.rb_node = null);
        p.put("stable tree emptied", c -> c.ksm().root_stable_tree.rb_node = null);
        p.put("unstable tree mirrored", c -> {
            RbNode root = c.ksm().root_unstable_tree.rb_node;
            RbNode l = root.rbLeft;
            root.rbLeft = root.rbRight;
            root.rbRight = l;
        });
        List<Long> seen = new ArrayList<>();
        seen.add(fp);
        for (Map.Entry<String, Consumer<Machine>> e : p.entrySet()) {
            Machine c = m.copy();
            assertEquals(fp, c.ksm().fingerprint(), e.getKey() + ": the copy fingerprints as the original");
            e.getValue().accept(c);
            long f = c.ksm().fingerprint();
            assertNotEquals(fp, f, e.getKey());
            seen.add(f);
        }
        assertEquals(fp, m.ksm().fingerprint(), "the original is untouched");
        assertEquals(seen.size(), seen.stream().distinct().count(), "every perturbation fingerprints differently");
    }

    /**
     * Chains see the clock only through jiffies - chain_prune_time (what stable_node_dup()'s
     * time_before() reads): shifting both by the same amount gives the same fingerprint, and a
     * regular node's kpfn does not depend on the clock.
     */
    @Test
    void theClockMattersOnlyRelativeToChainPruneTimes() {
        Machine m = rich();
        Ksm k = m.ksm();
        long fp = k.fingerprint();
        Machine c = m.copy();
        Ksm x = c.ksm();
        x.jiffies += 1000;
        for (KsmStableNode n : x.nodes.values()) if (n.isChain()) n.chain_prune_time += 1000;
        assertEquals(fp, x.fingerprint());
        x.jiffies += 1;
        assertNotEquals(fp, x.fingerprint());
        assertNull(null);
    }

    /**
     * Two states alike but for whether the mm of a slot has exited (ksm_test_exit(): ksmd will
     * free its items and slot instead of scanning it): __ksm_exit() moved the exiting mm's slot
     * just after the cursor; the other state has the live mm's slot moved there by hand. The KSM
     * fields are otherwise equal, the fingerprints are not.
     */
    @Test
    void anExitedMmFingerprintsDifferentlyFromALiveOne() {
        Machine exited = rich(true);
        Machine live = rich(false);
        assertEquals(exited.ksm().slots().stream().map(s -> s.mm().pid()).toList(),
                live.ksm().slots().stream().map(s -> s.mm().pid()).toList());
        assertEquals(exited.ksm().counters(), live.ksm().counters());
        assertNotEquals(exited.ksm().fingerprint(), live.ksm().fingerprint());
        // and they go different ways: ksmd frees the exited mm's slot, scans the live one
        exited.ksm().full_scan();
        live.ksm().full_scan();
        assertEquals(2, exited.ksm().slots().size());
        assertEquals(3, live.ksm().slots().size());
    }

    /**
     * More pairs of states that differ in one thing, each pair built on a common setup applied to
     * both copies: the cursor at a slot's head against no cursor (between scans); a difference
     * before the point where the cursor or a written unstable item is hashed; and, the other
     * way, fields that mean nothing in the item's state (an item in no tree: its anon_vma, its
     * bypass ghost; in the kernel they share a union with the unstable tree's links) leave the
     * fingerprint alone.
     */
    @Test
    void morePairsOfStates() {
        Machine m = rich();
        Consumer<Machine> atSlotHead = c -> c.ksm().scanRmapList = c.ksm().scanSlot;
        Consumer<Machine> written = c -> {
            KsmRmapItem i = firstItem(c.ksm(), KsmRmapItem::unstable);
            c.rmap().access(i.mm().pid(), i.page(), true, c.rmap().peek(i.mm().pid(), i.page()));
        };
        List<Consumer<Machine>> earlier = List.of(c -> c.ksm().ksm_pages_scanned++, c -> firstItem(c.ksm(), i -> true).age++,
                c -> c.ksm().slots().get(0).mm().ksm_rmap_items++, c -> firstItem(c.ksm(), i -> true).oldchecksum ^= 1);
        for (Consumer<Machine> setup : List.of(atSlotHead, written)) {
            for (Consumer<Machine> p : earlier) {
                Machine a = m.copy();
                Machine b = m.copy();
                setup.accept(a);
                setup.accept(b);
                assertEquals(a.ksm().fingerprint(), b.ksm().fingerprint());
                p.accept(b);
                assertNotEquals(a.ksm().fingerprint(), b.ksm().fingerprint());
            }
        }
        Machine head = m.copy();
        atSlotHead.accept(head);
        Machine none = m.copy();
        none.ksm().scanRmapList = null;
        assertNotEquals(head.ksm().fingerprint(), none.ksm().fingerprint(), "cursor at the slot's head vs none");
        // meaningless fields of an item in no tree
        Machine c = m.copy();
        long fp = c.ksm().fingerprint();
        KsmRmapItem loose = firstItem(c.ksm(), i -> !i.stable() && !i.unstable() && !c.ksm().ksm_test_exit(i.mm()));
        loose.bypass = true;
        loose.anon_vma = firstItem(c.ksm(), KsmRmapItem::stable).anon_vma;
        loose.head = firstNode(c.ksm(), n -> !n.isChain());
        assertEquals(fp, c.ksm().fingerprint());
    }
}
