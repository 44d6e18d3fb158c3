package org.mmspec.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.mmspec.reference.alloc.Gfp.*;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.alloc.PageIsolation;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.ZoneType;

/** Machine.copy(), copyFrom() and fingerprint(): copies are independent, restores exact, runs deterministic. */
class CopyDeterminismTest {
    static final int[] GFPS = {GFP_KERNEL, GFP_ATOMIC, GFP_HIGHUSER_MOVABLE, GFP_DMA, GFP_KERNEL | __GFP_RECLAIMABLE,
        GFP_NOWAIT, GFP_TRANSHUGE_LIGHT};

    /** A seeded mix of allocations, frees, isolations and sysctl writes; returns a trace of results. */
    static List<Long> run(Machine m, long seed, int steps) {
        SplittableRandom r = new SplittableRandom(seed);
        List<long[]> live = new ArrayList<>();
        List<Long> trace = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            int op = r.nextInt(10);
            if (op < 5 || live.isEmpty()) {
                int order = r.nextInt(4) == 0 ? r.nextInt(7) : 0;
                long pfn = m.allocPages(GFPS[r.nextInt(GFPS.length)], order);
                if (pfn >= 0) live.add(new long[] {pfn, order});
                trace.add(pfn);
            } else if (op < 8) {
                long[] b = live.remove(r.nextInt(live.size()));
                m.freePages(b[0], (int) b[1]);
                trace.add(b[0]);
            } else if (op == 8) {
                long start = 0x100 + 8L * r.nextInt(0x80);
                long end = Math.min(0x500, start + 8L * (1 + r.nextInt(8)));
                if (r.nextBoolean()) {
                    trace.add((long) m.startIsolatePageRange(start, end, r.nextInt(3)));
                } else {
                    m.undoIsolatePageRange(start, end);
                }
            } else {
                try {
                    m.writeSysctl("watermark_boost_factor", Integer.toString(r.nextInt(20000)));
                    m.writeSysctl("min_free_kbytes", Integer.toString(100 + r.nextInt(400)));
                } catch (RejectedOperationException e) {
                    throw new AssertionError(e);
                }
            }
            trace.add(m.fingerprint());
        }
        return trace;
    }

    @Test
    void sameOperationsOnFreshMachinesGiveTheSameStates() {
        Machine a = new Machine(Fixtures.smallWithCma());
        Machine b = new Machine(Fixtures.smallWithCma());
        assertEquals(a.fingerprint(), b.fingerprint());
        List<Long> ta = run(a, 7, 600);
        List<Long> tb = run(b, 7, 600);
        assertEquals(ta, tb);
        assertEquals(a.fingerprint(), b.fingerprint());
        // and a different seed does reach a different state
        Machine c = new Machine(Fixtures.smallWithCma());
        run(c, 8, 600);
        assertNotEquals(a.fingerprint(), c.fingerprint());
    }

    @Test
    void aCopyEvolvesIndependently() {
        Machine m = new Machine(Fixtures.smallWithCma());
        run(m, 1, 200);
        long fp = m.fingerprint();
        long nrFree = m.zone(ZoneType.NORMAL).nrFreePages;
        Machine c = m.copy();
        assertEquals(fp, c.fingerprint());
        assertEquals(Fixtures.allFreeBlocks(m), Fixtures.allFreeBlocks(c));
        run(c, 2, 300);
        assertNotEquals(fp, c.fingerprint());
        assertEquals(fp, m.fingerprint(), "the original did not move");
        assertEquals(nrFree, m.zone(ZoneType.NORMAL).nrFreePages);
        // and the other way round
        long cfp = c.fingerprint();
        run(m, 3, 300);
        assertEquals(cfp, c.fingerprint());
    }

    @Test
    void copyFromRestoresExactly() {
        Machine m = new Machine(Fixtures.smallWithCma());
        run(m, 11, 150);
        Machine saved = m.copy();
        long fp = m.fingerprint();
        var blocks = Fixtures.allFreeBlocks(m);
        long[] nrFree = m.zone(ZoneType.NORMAL).nrFree.clone();
        long allocs = m.stats().allocByOrder[0];
        List<Long> first = run(m, 12, 300);
        assertNotEquals(fp, m.fingerprint());
        m.copyFrom(saved);
        assertEquals(fp, m.fingerprint());
        assertEquals(blocks, Fixtures.allFreeBlocks(m));
        assertArrayEquals(nrFree, m.zone(ZoneType.NORMAL).nrFree);
        assertEquals(allocs, m.stats().allocByOrder[0], "statistics are restored too");
        // replaying from the restored state gives the same trace again
        assertEquals(first, run(m, 12, 300));
        // copyFrom into a machine with a different history of the same configuration
        Machine other = new Machine(Fixtures.smallWithCma());
        run(other, 99, 100);
        other.copyFrom(saved);
        assertEquals(fp, other.fingerprint());
        assertEquals(first, run(other, 12, 300));
    }

    @Test
    void fingerprintCoversTheStateItClaims() {
        Machine m = new Machine(Fixtures.smallWithCma());
        long fp = m.fingerprint();
        Machine c = m.copy();
        c.writeSysctl("watermark_boost_factor", "1");
        assertNotEquals(fp, c.fingerprint(), "sysctls");
        c = m.copy();
        long pfn = c.allocPages(GFP_KERNEL, 0);
        c.freePages(pfn, 0);
        assertNotEquals(fp, c.fingerprint(), "pageblock types (the claim made 0x100..0x13f UNMOVABLE)");
        c = m.copy();
        assertEquals(0, c.startIsolatePageRange(0x200, 0x208, PageIsolation.PB_ISOLATE_MODE_OTHER));
        c.undoIsolatePageRange(0x200, 0x208);
        assertEquals(Fixtures.allFreeBlocks(m), Fixtures.allFreeBlocks(c));
    }
}
