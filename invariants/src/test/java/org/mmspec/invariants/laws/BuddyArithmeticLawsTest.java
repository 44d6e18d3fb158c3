package org.mmspec.invariants.laws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.PageAlloc;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;

/**
 * The pfn arithmetic the buddy allocator rests on (mm/internal.h:__find_buddy_pfn,
 * include/linux/pageblock-flags.h:pageblock_start_pfn / pageblock_end_pfn, v6.18), as laws over
 * all pfns and orders. QuickTheories runs them with a fixed seed so a failure reproduces.
 */
class BuddyArithmeticLawsTest {
    static final long SEED = 0x6D6D73706563L;
    static final long MAX_PFN = 1L << 40;

    static long align(long pfn, int order) {
        return pfn & ~((1L << order) - 1);
    }

    /** __find_buddy_pfn(): pfn ^ (1 << order). */
    static long buddy(long pfn, int order) {
        return pfn ^ (1L << order);
    }

    @Test
    void buddyOfBuddyIsTheBlock() {
        qt().withFixedSeed(SEED).withExamples(5000)
                .forAll(longs().between(0, MAX_PFN), integers().between(0, 20))
                .checkAssert((p, o) -> {
                    long pfn = align(p, o);
                    long b = buddy(pfn, o);
                    assertEquals(pfn, buddy(b, o));
                    assertEquals(1L << o, Math.abs(b - pfn), "buddies are adjacent blocks of the same size");
                    assertEquals(b, align(b, o), "the buddy is aligned to the order too");
                });
    }

    @Test
    void parentIsAlignedToTheNextOrderAndHoldsBothHalves() {
        qt().withFixedSeed(SEED).withExamples(5000)
                .forAll(longs().between(0, MAX_PFN), integers().between(0, 20))
                .checkAssert((p, o) -> {
                    long pfn = align(p, o);
                    long b = buddy(pfn, o);
                    long parent = pfn & b; // __free_one_page: combined_pfn = buddy_pfn & pfn
                    assertEquals(parent, align(parent, o + 1), "the merged block is aligned to order + 1");
                    assertEquals(parent, Math.min(pfn, b), "the merged block starts at the lower half");
                    for (long half : new long[] {pfn, b}) {
                        assertTrue(parent <= half && half + (1L << o) <= parent + (2L << o),
                                "0x" + Long.toHexString(half) + " lies outside its parent 0x" + Long.toHexString(parent));
                    }
                    boolean lowerHalf = align(pfn, o + 1) == pfn;
                    assertEquals(lowerHalf ? pfn : b, parent, "the lower half heads the parent");
                    assertEquals(lowerHalf, b > pfn, "the buddy of a lower half lies above it");
                });
    }

    /**
     * The reference computes buddies on mem_map indexes (page ^ (1 &lt;&lt; order)) rather than on
     * pfns; that is right because the mem_map starts at a MAX_PAGE_ORDER-aligned pfn, so index and
     * pfn share their low bits.
     */
    @Test
    void indexBuddiesMatchPfnBuddiesOnAnAlignedMemMap() {
        qt().withFixedSeed(SEED).withExamples(5000)
                .forAll(longs().between(0, 1L << 20), integers().between(0, 1 << 20), integers().between(0, 19),
                        integers().between(0, 19))
                .checkAssert((baseBlocks, idx, o, extra) -> {
                    int maxOrder = Math.min(20, o + 1 + extra); // order < MAX_PAGE_ORDER, as __free_one_page merges
                    long base = baseBlocks << maxOrder;
                    long pfn = base + idx;
                    assertEquals(buddy(pfn, o), base + (idx ^ (1 << o)));
                });
    }

    private static final ConcurrentHashMap<Integer, PageAlloc> ALLOCS = new ConcurrentHashMap<>();

    /** A page allocator with the given pageblock_order (MAX_PAGE_ORDER 10, one small zone). */
    static PageAlloc withPageblockOrder(int pbo) {
        return ALLOCS.computeIfAbsent(pbo, o -> new Machine(MachineConfig.of("laws-pbo" + o, 10, o,
                List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 1024)))).pageAlloc());
    }

    @Test
    void pageblockStartAndEndBracketThePfn() {
        qt().withFixedSeed(SEED).withExamples(3000)
                .forAll(longs().between(0, MAX_PFN), integers().between(0, 10))
                .checkAssert((pfn, pbo) -> {
                    PageAlloc pa = withPageblockOrder(pbo);
                    long nr = pa.pageblock_nr_pages;
                    assertEquals(1L << pbo, nr);
                    long start = pa.pageblock_start_pfn(pfn);
                    long end = pa.pageblock_end_pfn(pfn);
                    assertTrue(start <= pfn && pfn < end, "0x" + Long.toHexString(pfn) + " not in [start, end)");
                    assertEquals(nr, end - start, "a pageblock is pageblock_nr_pages long");
                    assertEquals(0, start % nr, "start is aligned");
                    assertEquals(0, end % nr, "end is aligned");
                    assertEquals(start, pa.pageblock_start_pfn(start), "start is idempotent");
                    assertEquals(start, pa.pageblock_start_pfn(end - 1), "the last pfn has the same pageblock");
                    assertEquals(end, pa.pageblock_start_pfn(end), "end starts the next pageblock");
                    assertEquals(end, pa.pageblock_end_pfn(start));
                });
    }
}
