package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * {@link AllocStats}: the model's per-run event counters (the counterparts of the vm events and
 * tracepoints of mm/page_alloc.c, v6.18: PGALLOC, compact/extfrag tracepoints, ...). These tests
 * pin the bookkeeping itself: every counter is copied, summed and reported, each under its own
 * name, so that no counter is silently lost or confused with another when runs are merged.
 */
class AllocStatsTest {

    private static final int ORDERS = 4;

    /** Every counter gets a distinct value derived from {@code base}, so a swap or a drop shows. */
    private static AllocStats filled(int nrOrders, long base) {
        AllocStats s = new AllocStats(nrOrders);
        long v = base;
        for (int i = 0; i < nrOrders; i++) s.allocByOrder[i] = ++v;
        for (int i = 0; i < nrOrders; i++) s.failByOrder[i] = ++v;
        for (int i = 0; i < nrOrders; i++) s.freeByOrder[i] = ++v;
        for (int i = 0; i < s.allocByMigratetype.length; i++) s.allocByMigratetype[i] = ++v;
        for (int i = 0; i < s.fallbackClaim.length; i++) {
            for (int j = 0; j < s.fallbackClaim[i].length; j++) {
                s.fallbackClaim[i][j] = ++v;
                s.fallbackSteal[i][j] = ++v;
            }
        }
        s.merges = ++v;
        s.mergesRefusedMigratetype = ++v;
        s.watermarkBoosts = ++v;
        s.boostedFlagSet = ++v;
        s.kswapdWakeups = ++v;
        s.highatomicReserved = ++v;
        s.highatomicUnreserved = ++v;
        s.isolated = ++v;
        s.isolateRefused = ++v;
        s.unisolated = ++v;
        s.slowpath = ++v;
        s.outOfMemory = ++v;
        s.nofailStuck = ++v;
        s.noFsOomRetry = ++v;
        s.cmaBalanced = ++v;
        return s;
    }

    /** All counters of {@code s} in the order {@link #filled} assigns them. */
    private static List<Long> values(AllocStats s) {
        List<Long> l = new ArrayList<>();
        for (long x : s.allocByOrder) l.add(x);
        for (long x : s.failByOrder) l.add(x);
        for (long x : s.freeByOrder) l.add(x);
        for (long x : s.allocByMigratetype) l.add(x);
        for (int i = 0; i < s.fallbackClaim.length; i++) {
            for (int j = 0; j < s.fallbackClaim[i].length; j++) {
                l.add(s.fallbackClaim[i][j]);
                l.add(s.fallbackSteal[i][j]);
            }
        }
        l.addAll(List.of(s.merges, s.mergesRefusedMigratetype, s.watermarkBoosts, s.boostedFlagSet, s.kswapdWakeups,
                s.highatomicReserved, s.highatomicUnreserved, s.isolated, s.isolateRefused, s.unisolated, s.slowpath,
                s.outOfMemory, s.nofailStuck, s.noFsOomRetry, s.cmaBalanced));
        return l;
    }

    // Bookkeeping: copyFrom() is how a machine state is duplicated for exploration; each counter
    // must come across (a dropped arraycopy would leave the zeros of a fresh object).
    @Test
    void copyFromCopiesEveryCounter() {
        AllocStats src = filled(ORDERS, 100);
        AllocStats dst = new AllocStats(ORDERS);
        dst.copyFrom(src);
        assertEquals(values(src), values(dst));
        // and into a dirty destination: every counter is overwritten, none accumulated
        AllocStats dirty = filled(ORDERS, 7000);
        dirty.copyFrom(src);
        assertEquals(values(src), values(dirty));
        // deep: the arrays are not shared
        src.fallbackClaim[0][1] = -1;
        src.allocByOrder[0] = -1;
        assertEquals(values(filled(ORDERS, 100)), values(dst), "copy is independent of its source");
    }

    // Bookkeeping: add() sums every counter of two runs (merged vm event counts are sums).
    @Test
    void addSumsEveryCounter() {
        AllocStats a = filled(ORDERS, 0);
        AllocStats b = filled(ORDERS, 1000);
        List<Long> va = values(a);
        List<Long> vb = values(b);
        a.add(b);
        List<Long> sum = values(a);
        for (int i = 0; i < va.size(); i++) {
            assertEquals(va.get(i) + vb.get(i), sum.get(i), "counter #" + i);
        }
        assertEquals(vb, values(b), "the addend is unchanged");
    }

    // Bookkeeping: runs with different MAX_PAGE_ORDER sum over the orders both have, either way round.
    @Test
    void addOverDifferentOrderCountsSumsTheCommonOrders() {
        AllocStats small = filled(2, 0);
        AllocStats big = filled(5, 1000);
        small.add(big);
        assertArrayEquals(new long[] {1 + 1001, 2 + 1002}, small.allocByOrder);
        assertArrayEquals(new long[] {3 + 1006, 4 + 1007}, small.failByOrder);
        assertArrayEquals(new long[] {5 + 1011, 6 + 1012}, small.freeByOrder);

        AllocStats small2 = filled(2, 0);
        AllocStats big2 = filled(5, 1000);
        big2.add(small2);
        assertArrayEquals(new long[] {1001 + 1, 1002 + 2, 1003, 1004, 1005}, big2.allocByOrder);
        assertArrayEquals(new long[] {1006 + 3, 1007 + 4, 1008, 1009, 1010}, big2.failByOrder);
        assertArrayEquals(new long[] {1011 + 5, 1012 + 6, 1013, 1014, 1015}, big2.freeByOrder);
    }

    // Bookkeeping: figures() reports every counter, zeros included, each under its own name and
    // in a fixed order (migratetype names as mm/page_alloc.c's migratetype_names[] prints them).
    @Test
    void figuresReportEveryCounterUnderItsName() {
        AllocStats s = filled(ORDERS, 0);
        Map<String, Long> f = s.figures();
        List<String> names = new ArrayList<>();
        for (int o = 0; o < ORDERS; o++) names.add("alloc order " + o);
        for (int o = 0; o < ORDERS; o++) names.add("alloc failed order " + o);
        for (int o = 0; o < ORDERS; o++) names.add("free order " + o);
        String[] mt = {"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"};
        for (String n : mt) names.add("alloc " + n);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 6; j++) {
                names.add("fallback claim " + mt[i] + "<-" + mt[j]);
                names.add("fallback steal " + mt[i] + "<-" + mt[j]);
            }
        }
        names.addAll(List.of("merges", "merges refused (migratetype)", "watermark boosts", "ZONE_BOOSTED_WATERMARK set",
                "kswapd wakeups", "highatomic pageblocks reserved", "highatomic pageblocks unreserved",
                "pageblocks isolated", "isolation refused", "pageblocks unisolated", "slowpath entries",
                "out_of_memory (no victim)", "__GFP_NOFAIL would loop",
                "no __GFP_FS at OOM, would loop", "CMA balancing"));
        assertEquals(names, new ArrayList<>(f.keySet()));
        List<Long> expected = new ArrayList<>();
        for (long v = 1; v <= names.size(); v++) expected.add(v);
        assertEquals(expected, new ArrayList<>(f.values()));
        // zeros are reported too
        Map<String, Long> z = new AllocStats(ORDERS).figures();
        assertEquals(names, new ArrayList<>(z.keySet()));
        for (long v : z.values()) assertEquals(0, v);
    }

    // AllocFlags.format: the ALLOC_* flags of mm/internal.h (v6.18) by name, the watermark index first.
    @Test
    void allocFlagsFormatNamesTheWatermarkAndEachFlag() {
        assertEquals("ALLOC_WMARK_MIN", AllocFlags.format(AllocFlags.ALLOC_WMARK_MIN));
        assertEquals("ALLOC_WMARK_LOW", AllocFlags.format(AllocFlags.ALLOC_WMARK_LOW));
        assertEquals("ALLOC_WMARK_HIGH|ALLOC_CPUSET|ALLOC_KSWAPD",
                AllocFlags.format(AllocFlags.ALLOC_WMARK_HIGH | AllocFlags.ALLOC_CPUSET | AllocFlags.ALLOC_KSWAPD));
        assertEquals("ALLOC_WMARK_MIN|ALLOC_NO_WATERMARKS|ALLOC_OOM|ALLOC_NON_BLOCK|ALLOC_MIN_RESERVE|ALLOC_CMA"
                        + "|ALLOC_NOFRAGMENT|ALLOC_HIGHATOMIC|ALLOC_TRYLOCK",
                AllocFlags.format(AllocFlags.ALLOC_NO_WATERMARKS | AllocFlags.ALLOC_OOM | AllocFlags.ALLOC_NON_BLOCK
                        | AllocFlags.ALLOC_MIN_RESERVE | AllocFlags.ALLOC_CMA | AllocFlags.ALLOC_NOFRAGMENT
                        | AllocFlags.ALLOC_HIGHATOMIC | AllocFlags.ALLOC_TRYLOCK));
    }
}
