package org.mmspec.reference.alloc;

import org.mmspec.reference.page.MemMap;

/**
 * {@code struct capture_control} (mm/internal.h): while direct compaction runs for a task, a
 * block of exactly the wanted order freed in its zone is handed straight to it.
 */
public final class CaptureControl {
    public final Zone zone;
    public final int order;
    public final int migratetype;
    /** The captured page index, or {@link MemMap#NIL}. */
    public int page = MemMap.NIL;

    public CaptureControl(Zone zone, int order, int migratetype) {
        this.zone = zone;
        this.order = order;
        this.migratetype = migratetype;
    }
}
