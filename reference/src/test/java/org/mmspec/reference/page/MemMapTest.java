package org.mmspec.reference.page;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

/**
 * mem_map on its own: the kernel's list_head operations on page links, dump_page()'s text, the
 * fingerprint the bounded explorer deduplicates states by, and the saved form of every field.
 * Written to kill the mutants PIT found surviving in this package (README.md, "Mutation testing"):
 * the invariant suites check states, not hashes or diagnostic text, so neither could see these.
 */
class MemMapTest {
    static final long BASE = 0x1200;
    static final int PAGES = 16;

    /** A map with two lists and some pages on them, every optional array allocated and set. */
    static MemMap populated() {
        MemMap m = new MemMap(BASE, PAGES);
        int l = m.allocLists(2);
        m.listAdd(3, l);
        m.listAddTail(5, l);
        m.listAdd(8, l + 1);
        m.flags[3] = PageFlags.PGTY_buddy;
        m.order[3] = 1;
        m.refcount[5] = 1;
        m.mapcount()[5] = 2;
        m.mapping()[5] = 7;
        m.index()[5] = 0x1_0000_0003L;
        m.privateData()[6] = 0xdead_0000_beefL;
        return m;
    }

    @Test
    void geometry() {
        MemMap m = new MemMap(BASE, PAGES);
        assertEquals(BASE, m.basePfn());
        assertEquals(BASE + PAGES, m.endPfn());
        assertTrue(m.covers(BASE));
        assertTrue(m.covers(BASE + PAGES - 1));
        assertFalse(m.covers(BASE + PAGES));
        assertFalse(m.covers(BASE - 1));
        assertEquals(5, m.idx(BASE + 5));
        assertEquals(BASE + 5, m.pfn(5));
    }

    /** include/linux/list.h: list_add() after the head, list_add_tail() before it, list_move() = del + add. */
    @Test
    void listHeadOperations() {
        MemMap m = new MemMap(BASE, PAGES);
        int a = m.allocLists(2);
        int b = a + 1;
        assertTrue(m.listEmpty(a));
        assertEquals(-1, m.listOf(4));
        m.listAdd(4, a);
        m.listAdd(2, a);
        m.listAddTail(9, a);
        assertEquals(List.of(2, 4, 9), walk(m, a));
        assertEquals(9, m.listLast(a));
        assertEquals(a, m.listOf(9));
        assertEquals(a, m.listOf(2));

        m.listMove(9, b);
        assertEquals(List.of(2, 4), walk(m, a));
        assertEquals(List.of(9), walk(m, b));
        assertEquals(b, m.listOf(9));
        m.listMove(4, b);
        assertEquals(List.of(4, 9), walk(m, b), "list_move() puts the page first");
        m.listMoveTail(2, b);
        assertEquals(List.of(4, 9, 2), walk(m, b));
        assertTrue(m.listEmpty(a));
        assertEquals(MemMap.NIL, m.listFirst(a));
        assertEquals(MemMap.NIL, m.listPrev(4));
        assertEquals(4, m.listPrev(9));

        m.listDel(9);
        assertFalse(m.onList(9));
        assertEquals(-1, m.listOf(9));
        assertEquals(List.of(4, 2), walk(m, b));
    }

    /** listOf() walks to the sentinel: over a list holding every page, page 0 included, from its first page. */
    @Test
    void listOfWalksAListOfEveryPage() {
        MemMap m = new MemMap(BASE, PAGES);
        int l = m.allocLists(3) + 2;
        for (int p = 0; p < PAGES; p++) m.listAdd(p, l);
        assertEquals(PAGES, walk(m, l).size());
        for (int p = 0; p < PAGES; p++) assertEquals(l, m.listOf(p), "page " + p);
    }

    private static List<Integer> walk(MemMap m, int list) {
        List<Integer> out = new ArrayList<>();
        for (int p = m.listFirst(list); p != MemMap.NIL; p = m.listNext(p)) out.add(p);
        return out;
    }

    /** mm/debug.c:__dump_folio (v6.18) lines 80, 115 and dump_page() line 148, as the model prints them. */
    @Test
    void dumpPageReadsLikeTheKernels() {
        MemMap m = new MemMap(BASE, PAGES);
        m.flags[4] = PageFlags.MODEL_ALLOC_HEAD | PageFlags.PG_lru | (2 << PageFlags.ZONE_SHIFT);
        m.order[4] = 3;
        m.refcount[4] = 1;
        m.mapcount()[4] = 2;
        m.mapping()[4] = 5;
        m.index()[4] = 0x2a;
        assertEquals("page: refcount:1 mapcount:2 mapping:5 index:0x2a pfn:0x1204 order:3\n"
                + "flags: 0x1000020(lru|allocated|zone=Normal)\n"
                + "page dumped because: test", m.dumpPage(4, "Normal", "test"));
        // no order for a page that heads nothing; no '|' before zone= when no flag is set
        assertEquals("page: refcount:0 mapcount:0 mapping:0 index:0x0 pfn:0x1205\nflags: 0x0(zone=DMA)",
                m.dumpPage(5, "DMA", null));
        m.flags[6] = PageFlags.PGTY_buddy;
        m.order[6] = 1;
        assertEquals("page: refcount:0 mapcount:0 mapping:0 index:0x0 pfn:0x1206 order:1\nflags: 0x800000(buddy)",
                m.dumpPage(6, null, null));
    }

    /** include/trace/events/mmflags.h:__def_pageflag_names (v6.18): %pGp's names, in the table's order. */
    @Test
    void flagNamesInTheKernelsOrder() {
        assertEquals("", PageFlags.describe(0));
        assertEquals("locked|waiters|referenced|uptodate|dirty|lru|active|workingset|owner_priv_1|owner_2|arch_1"
                + "|reserved|private|private_2|writeback|head|reclaim|swapbacked|unevictable|dropbehind|mlocked"
                + "|buddy|allocated|hole|compaction-isolated", PageFlags.describe(~PageFlags.ZONE_MASK));
        assertEquals("referenced|writeback", PageFlags.describe(PageFlags.PG_writeback | PageFlags.PG_referenced));
        assertEquals("mlocked", PageFlags.describe(PageFlags.PG_mlocked));
        assertEquals("head|buddy", PageFlags.describe(PageFlags.PG_head | PageFlags.PGTY_buddy));
        assertEquals("hole", PageFlags.describe(PageFlags.MODEL_NOT_PRESENT | (3 << PageFlags.ZONE_SHIFT)));
        assertEquals(3, PageFlags.zoneOf(PageFlags.MODEL_NOT_PRESENT | (3 << PageFlags.ZONE_SHIFT)));
    }

    /**
     * The bounded explorer keeps one fingerprint per state it has seen; two states that differ in
     * any field of any page (or in which list a page is on, or in its place on the list) must
     * hash apart, or the search would skip a state it never visited.
     */
    @Test
    void fingerprintSeparatesEveryField() {
        List<Consumer<MemMap>> edits = new ArrayList<>();
        for (int i : new int[] {0, 5, PAGES - 1}) {
            edits.add(m -> m.flags[i] ^= PageFlags.PG_dirty);
            edits.add(m -> m.flags[i] ^= 1 << PageFlags.ZONE_SHIFT);
            edits.add(m -> m.order[i]++);
            edits.add(m -> m.refcount[i]++);
            edits.add(m -> m.mapcount()[i]++);
            edits.add(m -> m.mapping()[i]++);
            edits.add(m -> m.index()[i]++);
            edits.add(m -> m.index()[i] += 1L << 40);
            edits.add(m -> m.privateData()[i]++);
            edits.add(m -> m.privateData()[i] += 1L << 40);
        }
        edits.add(m -> m.listMove(5, 0));    // 5 first instead of last on list 0
        edits.add(m -> m.listMoveTail(3, 1)); // 3 to the other list
        edits.add(m -> m.listDel(8));
        edits.add(m -> m.listAdd(0, 1));

        MemMap base = populated();
        long h = base.fingerprint();
        assertEquals(h, populated().fingerprint(), "equal states, equal fingerprints");
        assertEquals(h, base.copy().fingerprint());
        Set<Long> seen = new HashSet<>(List.of(h));
        for (int e = 0; e < edits.size(); e++) {
            MemMap m = populated();
            edits.get(e).accept(m);
            assertTrue(seen.add(m.fingerprint()), "edit " + e + " left the fingerprint of an earlier state");
        }
    }

    /** mix() is SplitMix64's finalizer: SplittableRandom(seed).nextLong() is mix(seed + the golden gamma). */
    @Test
    void mixIsSplitMix64() {
        long goldenGamma = 0x9e3779b97f4a7c15L;
        for (long s : new long[] {0, 1, 42, -1, 0x123456789abcdefL}) {
            assertEquals(new SplittableRandom(s).nextLong(), MemMap.mix(s + goldenGamma), "seed " + s);
        }
    }

    /** saveState() then restoreState() gives back every field, the optional arrays included; so do copy() and copyFrom(). */
    @Test
    void saveRestoreAndCopyKeepEveryField() {
        MemMap m = populated();
        List<Integer> saved = new ArrayList<>();
        m.saveState(saved::add);

        MemMap fresh = new MemMap(BASE, PAGES);
        fresh.allocLists(2);
        int[] i = {0};
        fresh.restoreState(() -> saved.get(i[0]++));
        assertEquals(saved.size(), i[0]);
        assertSameState(m, fresh);

        MemMap copy = m.copy();
        assertNotSame(m.flags, copy.flags);
        assertSameState(m, copy);
        copy.mapcount()[5] = 9;
        assertEquals(2, m.mapcountOf(5), "copy() is deep");

        MemMap into = new MemMap(BASE, PAGES);
        into.allocLists(2);
        into.copyFrom(m);
        assertSameState(m, into);
        // again, now into the optional arrays the first copy allocated
        m.mapcount()[5] = 4;
        m.mapping()[5] = 8;
        m.index()[5] = 0x2_0000_0001L;
        m.privateData()[6] = 0xfeed_0000_0001L;
        into.copyFrom(m);
        assertSameState(m, into);
        MemMap noHeads = new MemMap(BASE, PAGES);
        noHeads.copyFrom(m);
        assertSameState(m, noHeads);

        // and back to a map without the optional arrays: restore and copyFrom drop them
        MemMap plain = new MemMap(BASE, PAGES);
        plain.allocLists(2);
        List<Integer> plainSaved = new ArrayList<>();
        plain.saveState(plainSaved::add);
        int[] j = {0};
        fresh.restoreState(() -> plainSaved.get(j[0]++));
        assertSameState(plain, fresh);
        into.copyFrom(plain);
        assertSameState(plain, into);
        assertSameState(plain, plain.copy());
    }

    private static void assertSameState(MemMap want, MemMap got) {
        assertArrayEquals(want.flags, got.flags);
        assertArrayEquals(want.order, got.order);
        assertArrayEquals(want.refcount, got.refcount);
        for (int p = 0; p < PAGES; p++) {
            assertEquals(want.listNext(p), got.listNext(p), "next of " + p);
            assertEquals(want.listPrev(p), got.listPrev(p), "prev of " + p);
            assertEquals(want.listOf(p), got.listOf(p), "list of " + p);
            assertEquals(want.mapcountOf(p), got.mapcountOf(p));
            assertEquals(want.mappingOf(p), got.mappingOf(p));
            assertEquals(want.indexOf(p), got.indexOf(p));
        }
        for (int l = 0; l < 2; l++) {
            assertEquals(want.listFirst(l), got.listFirst(l));
            assertEquals(want.listLast(l), got.listLast(l));
        }
        assertEquals(want.bytesPerPage(), got.bytesPerPage(), "the same optional arrays");
        assertEquals(want.fingerprint(), got.fingerprint());
    }

    /** What MemMap holds per page frame: flags, order, two links, refcount; then each optional array once allocated. */
    @Test
    void bytesPerPageCountsTheArraysAllocated() {
        MemMap m = new MemMap(BASE, PAGES);
        assertEquals(4 + 1 + 4 + 4 + 4, m.bytesPerPage());
        m.mapcount();
        assertEquals(21, m.bytesPerPage());
        m.mapping();
        assertEquals(25, m.bytesPerPage());
        m.index();
        assertEquals(33, m.bytesPerPage());
        m.privateData();
        assertEquals(41, m.bytesPerPage());
    }
}
