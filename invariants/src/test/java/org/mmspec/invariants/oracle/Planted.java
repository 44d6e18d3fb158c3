package org.mmspec.invariants.oracle;

import java.util.ArrayList;
import java.util.List;

import org.mmspec.invariants.oracle.examples.TopDownBuddy;

/**
 * A correct allocator ({@link TopDownBuddy}) with one planted fault, to build states that
 * violate exactly one oracle invariant: the non-vacuity cases.
 */
final class Planted implements PageAllocatorUnderTest {
    enum Fault {
        NONE, THROW_ON_SECOND_ALLOC, OUT_OF_RANGE, MISALIGNED, HAND_OUT_TWICE, REFUSE_FREE, FREE_A_NEIGHBOUR_TOO,
        ACCEPT_BAD_FREE, FAIL_FIRST_ALLOC, SNAPSHOT_MISALIGNED, SNAPSHOT_LEAKS_A_BLOCK, SNAPSHOT_UNMERGED, NONDETERMINISTIC
    }

    /** Counts instances, so NONDETERMINISTIC can answer differently on a fresh one. */
    static int instances;

    private final TopDownBuddy inner = new TopDownBuddy();
    private final Fault fault;
    private final int instance = ++instances;
    private int allocs;
    private final List<long[]> live = new ArrayList<>();

    Planted(Fault fault) {
        this.fault = fault;
    }

    @Override
    public Claims claims() {
        return new Claims("planted " + fault, true, true, true);
    }

    @Override
    public void configure(long pages, int maxOrder) {
        inner.configure(pages, maxOrder);
    }

    @Override
    public long allocate(int order, Migratetype mt) {
        allocs++;
        if (fault == Fault.THROW_ON_SECOND_ALLOC && allocs == 2) throw new IllegalStateException("planted: out of bookkeeping");
        if (fault == Fault.FAIL_FIRST_ALLOC && allocs == 1) return -1;
        if (fault == Fault.OUT_OF_RANGE && allocs == 1) return inner.pages();
        if (fault == Fault.HAND_OUT_TWICE && allocs == 2) return live.get(0)[0];
        if (fault == Fault.NONDETERMINISTIC && instance % 2 == 0 && allocs == 1) {
            // a fresh instance hands out another block first: nothing the oracle can replay
            long a = inner.allocate(order, mt);
            long b = inner.allocate(order, mt);
            inner.free(a, order);
            return b;
        }
        long p = inner.allocate(order, mt);
        if (p >= 0) live.add(new long[] {p, order});
        if (fault == Fault.MISALIGNED && order > 0 && p > 0) return p - 1;
        return p;
    }

    @Override
    public boolean free(long pfn, int order) {
        if (fault == Fault.ACCEPT_BAD_FREE) {
            inner.free(pfn, order); // a bad free is refused inside, but answered as accepted
            return true;
        }
        if (fault == Fault.REFUSE_FREE) return false;
        boolean ok = inner.free(pfn, order);
        live.removeIf(b -> b[0] == pfn);
        if (ok && fault == Fault.FREE_A_NEIGHBOUR_TOO && !live.isEmpty()) {
            long[] other = live.remove(0);
            inner.free(other[0], (int) other[1]);
        }
        return ok;
    }

    @Override
    public List<long[]> freeBlocks() {
        List<long[]> blocks = new ArrayList<>(inner.freeBlocks());
        blocks.sort((x, y) -> Long.compare(x[0], y[0]));
        switch (fault) {
            case SNAPSHOT_MISALIGNED -> {
                long[] b = blocks.remove(0);
                blocks.add(0, new long[] {b[0] + 1, b[1]});
            }
            case SNAPSHOT_LEAKS_A_BLOCK -> blocks.remove(blocks.size() - 1);
            case SNAPSHOT_UNMERGED -> {
                long[] b = blocks.remove(0);
                blocks.add(new long[] {b[0], b[1] - 1});
                blocks.add(new long[] {b[0] + (1L << (b[1] - 1)), b[1] - 1});
            }
            default -> { }
        }
        return blocks;
    }
}
