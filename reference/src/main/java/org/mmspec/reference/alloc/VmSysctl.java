package org.mmspec.reference.alloc;

import java.util.List;

/**
 * The /proc/sys/vm knobs the allocator reads (kernel/sysctl tables in mm/page_alloc.c, v6.18).
 * Writes go through {@link org.mmspec.reference.Machine#writeSysctl}, which reruns the handlers
 * (setup_per_zone_wmarks, setup_per_zone_lowmem_reserve) as the kernel does.
 */
public final class VmSysctl {
    public long minFreeKbytes;
    /** user_min_free_kbytes: -1 until the user writes min_free_kbytes. */
    public long userMinFreeKbytes = -1;
    public long watermarkScaleFactor;
    public long watermarkBoostFactor;
    public final int[] lowmemReserveRatio = new int[ZoneType.MAX_NR_ZONES];

    public static final List<String> NAMES = List.of("min_free_kbytes", "watermark_scale_factor",
            "watermark_boost_factor", "lowmem_reserve_ratio");

    public void copyFrom(VmSysctl o) {
        minFreeKbytes = o.minFreeKbytes;
        userMinFreeKbytes = o.userMinFreeKbytes;
        watermarkScaleFactor = o.watermarkScaleFactor;
        watermarkBoostFactor = o.watermarkBoostFactor;
        System.arraycopy(o.lowmemReserveRatio, 0, lowmemReserveRatio, 0, lowmemReserveRatio.length);
    }

    /** Writes every field {@link #copyFrom} copies, as ints; see MemMap.saveState. */
    public void saveState(java.util.function.IntConsumer out) {
        Zone.putLong(out, minFreeKbytes);
        Zone.putLong(out, userMinFreeKbytes);
        Zone.putLong(out, watermarkScaleFactor);
        Zone.putLong(out, watermarkBoostFactor);
        for (int r : lowmemReserveRatio) out.accept(r);
    }

    /** Reads what {@link #saveState} wrote. */
    public void restoreState(java.util.function.IntSupplier in) {
        minFreeKbytes = Zone.getLong(in);
        userMinFreeKbytes = Zone.getLong(in);
        watermarkScaleFactor = Zone.getLong(in);
        watermarkBoostFactor = Zone.getLong(in);
        for (int i = 0; i < lowmemReserveRatio.length; i++) lowmemReserveRatio[i] = in.getAsInt();
    }
}
