package org.mmspec.reference.reclaim;

/**
 * Deliberate corruption of reclaim's state, for the tests that show no invariant is vacuous:
 * each method breaks one thing the kernel keeps consistent, bypassing the kernel functions. The
 * model itself never calls any of these.
 */
public final class ReclaimCorruption {
    private ReclaimCorruption() {}

    /** Overwrite a slot's swap_map entry (count | SWAP_HAS_CACHE). */
    public static void setSwapMap(Reclaim r, long offset, int value) {
        r.si.swapMap[(int) offset] = value;
    }

    /** Change what the swap device holds in a slot. */
    public static void setSlotData(Reclaim r, long offset, long value) {
        r.si.slotData[(int) offset] = value;
        r.si.zeromap.clear((int) offset);
    }

    /** Put a shadow entry in a swap slot. */
    public static void putSlotShadow(Reclaim r, long offset, long shadow) {
        r.si.shadow[(int) offset] = shadow;
    }

    /** Put a shadow entry at a page cache index, beside whatever is there. */
    public static void putFileShadow(Reclaim r, int ino, long index, long shadow) {
        r.filemap.mappings.computeIfAbsent(ino, Filemap.AddressSpace::new).shadows.put(index, new long[] {shadow, 0});
    }

    /** Change what a page cache folio holds behind the file's back. */
    public static void setFileContent(Reclaim r, long pfn, long value) {
        r.filemap.content.put(pfn, value);
    }

    /** Record a kernel warning as the reference would on a path it reaches. */
    public static void warn(Reclaim r, String where, String message) {
        r.warnings.warn(where, message);
    }
}
