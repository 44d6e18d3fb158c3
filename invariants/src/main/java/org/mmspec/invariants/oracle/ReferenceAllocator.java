package org.mmspec.invariants.oracle;

import java.util.ArrayList;
import java.util.List;

import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.MigrateType;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.MemMap;

/**
 * The reference itself as an implementation under test: a {@link Machine} with one Normal zone
 * {@code [0, pages)}, {@code MAX_PAGE_ORDER} = max_order and {@code pageblock_order} =
 * min(9, max_order) as on x86-64. It runs with no watermarks to speak of (min_free_kbytes 0,
 * watermark_scale_factor 1, no boosting), so that, as the oracle's spec says, an allocation fails
 * only when no free block is large enough: the watermarks are policy the oracle does not judge.
 * An allocation's migratetype picks its gfp mask: {@code GFP_KERNEL} (unmovable),
 * {@code GFP_HIGHUSER_MOVABLE} (movable), {@code GFP_KERNEL | __GFP_RECLAIMABLE} (reclaimable).
 * The snapshot walks the zone's free lists, {@code free_area[order].free_list[migratetype]}.
 */
public final class ReferenceAllocator implements PageAllocatorUnderTest {
    private Machine machine;

    @Override
    public Claims claims() {
        return new Claims("reference (mmspec, Linux v6.18 mm/page_alloc.c)", true, true, true);
    }

    @Override
    public void configure(long pages, int maxOrder) {
        MachineConfig c = MachineConfig.of("oracle-reference", maxOrder, Math.min(9, maxOrder),
                        List.of(ZoneConfig.of(ZoneType.NORMAL, 0, pages)))
                .withMinFreeKbytes(0).withWatermarkScaleFactor(1).withWatermarkBoostFactor(0);
        machine = new Machine(c);
    }

    private static final String[] GFP = {"GFP_KERNEL", "GFP_HIGHUSER_MOVABLE", "GFP_KERNEL|__GFP_RECLAIMABLE"};
    private static final int[] GFP_MASKS = new int[GFP.length];

    static {
        for (int i = 0; i < GFP.length; i++) GFP_MASKS[i] = Gfp.parse(GFP[i]);
    }

    @Override
    public long allocate(int order, Migratetype migratetype) {
        return machine.allocPages(GFP_MASKS[migratetype.ordinal()], order);
    }

    @Override
    public boolean free(long pfn, int order) {
        try {
            machine.freePages(pfn, order);
            return true;
        } catch (RejectedOperationException e) {
            return false;
        }
    }

    @Override
    public List<long[]> freeBlocks() {
        List<long[]> out = new ArrayList<>();
        MemMap mem = machine.mem();
        Zone z = machine.zone(ZoneType.NORMAL);
        for (int o = 0; o < z.nrOrders(); o++) {
            for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) {
                int guard = mem.nrPages() + 1;
                for (int q = mem.listFirst(z.list(o, mt)); q != MemMap.NIL && guard-- > 0; q = mem.listNext(q)) {
                    out.add(new long[] {mem.pfn(q), o});
                }
            }
        }
        return out;
    }

    /** The machine, for tests that look at the reference's own state. */
    public Machine machine() {
        return machine;
    }
}
