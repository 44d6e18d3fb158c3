package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;

/**
 * {@link Zone#fingerprint()}: the explorer's identity of a {@code struct zone}'s allocator state
 * (include/linux/mmzone.h, v6.18: free_area[].nr_free, vm_stat[NR_FREE_*], nr_reserved_highatomic,
 * _watermark[], watermark_boost, lowmem_reserve[], flags, and the CONFIG_COMPACTION fields
 * compact_cached_*_pfn, compact_init_*_pfn, compact_considered, compact_defer_shift,
 * compact_order_failed, compact_blockskip_flush). Two zones that differ in any one of these are
 * different kernel states and must fingerprint differently, or the explorer would merge them.
 */
class ZoneFingerprintTest {

    private static Zone freshZone() {
        return new Machine(Fixtures.normal1k()).zone(ZoneType.NORMAL);
    }

    private static void zeroAll(Zone z) {
        z.managedPages = 0;
        java.util.Arrays.fill(z.nrFree, 0);
        z.nrFreePages = 0;
        z.nrFreeCmaPages = 0;
        z.nrFreePagesBlocks = 0;
        z.nrFreeHighatomic = 0;
        z.nrReservedHighatomic = 0;
        z.nrIsolatePageblock = 0;
        z.watermarkBoost = 0;
        z.flags = 0;
        java.util.Arrays.fill(z.watermark, 0);
        java.util.Arrays.fill(z.lowmemReserve, 0);
        z.compactCachedFreePfn = 0;
        z.compactCachedMigratePfn[0] = 0;
        z.compactCachedMigratePfn[1] = 0;
        z.compactInitMigratePfn = 0;
        z.compactInitFreePfn = 0;
        z.compactConsidered = 0;
        z.compactDeferShift = 0;
        z.compactOrderFailed = 0;
        z.compactBlockskipFlush = false;
    }

    /** One setter per fingerprinted field (each array element its own). */
    private static Map<String, Consumer<Zone>> setters(long v) {
        Map<String, Consumer<Zone>> m = new LinkedHashMap<>();
        m.put("managedPages", z -> z.managedPages = v);
        for (int o = 0; o < 11; o++) {
            final int oo = o;
            m.put("nrFree[" + o + "]", z -> z.nrFree[oo] = v);
        }
        m.put("nrFreePages", z -> z.nrFreePages = v);
        m.put("nrFreeCmaPages", z -> z.nrFreeCmaPages = v);
        m.put("nrFreePagesBlocks", z -> z.nrFreePagesBlocks = v);
        m.put("nrFreeHighatomic", z -> z.nrFreeHighatomic = v);
        m.put("nrReservedHighatomic", z -> z.nrReservedHighatomic = v);
        m.put("nrIsolatePageblock", z -> z.nrIsolatePageblock = (int) v);
        m.put("watermarkBoost", z -> z.watermarkBoost = v);
        m.put("flags", z -> z.flags = (int) v);
        for (int w = 0; w < Watermarks.NR_WMARK; w++) {
            final int ww = w;
            m.put("watermark[" + w + "]", z -> z.watermark[ww] = v);
        }
        for (int r = 0; r < ZoneType.MAX_NR_ZONES; r++) {
            final int rr = r;
            m.put("lowmemReserve[" + r + "]", z -> z.lowmemReserve[rr] = v);
        }
        m.put("compactCachedFreePfn", z -> z.compactCachedFreePfn = v);
        m.put("compactCachedMigratePfn[0]", z -> z.compactCachedMigratePfn[0] = v);
        m.put("compactCachedMigratePfn[1]", z -> z.compactCachedMigratePfn[1] = v);
        m.put("compactInitMigratePfn", z -> z.compactInitMigratePfn = v);
        m.put("compactInitFreePfn", z -> z.compactInitFreePfn = v);
        m.put("compactConsidered", z -> z.compactConsidered = v);
        m.put("compactDeferShift", z -> z.compactDeferShift = (int) v);
        m.put("compactOrderFailed", z -> z.compactOrderFailed = (int) v);
        m.put("compactBlockskipFlush", z -> z.compactBlockskipFlush = v != 0);
        return m;
    }

    // An all-zero zone (an unpopulated zone, as most of a small machine's are) differs from a zone
    // with exactly one nonzero field, whichever field it is; and no two such zones collide.
    @Test
    void aSingleNonzeroFieldDistinguishesAnOtherwiseZeroZone() {
        Zone zero = freshZone();
        zeroAll(zero);
        long zeroFp = zero.fingerprint();
        assertEquals(zeroFp, zero.fingerprint(), "deterministic");
        Set<Long> seen = new HashSet<>();
        seen.add(zeroFp);
        for (Map.Entry<String, Consumer<Zone>> e : setters(1).entrySet()) {
            Zone z = freshZone();
            if (e.getKey().startsWith("nrFree[") && Integer.parseInt(e.getKey().replaceAll("\\D", "")) >= z.nrFree.length) continue;
            zeroAll(z);
            e.getValue().accept(z);
            long fp = z.fingerprint();
            assertNotEquals(zeroFp, fp, e.getKey() + " = 1 must not fingerprint as the all-zero zone");
            assertEquals(true, seen.add(fp), e.getKey() + " = 1 collides with another single-field zone");
        }
    }

    // A populated zone: changing any one field changes the fingerprint; equal states agree.
    @Test
    void changingAnyOneFieldOfAPopulatedZoneChangesTheFingerprint() {
        Zone base = freshZone();
        long baseFp = base.fingerprint();
        assertEquals(baseFp, freshZone().fingerprint(), "two identical boots fingerprint the same");
        for (Map.Entry<String, Consumer<Zone>> e : setters(0x5a5).entrySet()) {
            Zone z = freshZone();
            if (e.getKey().startsWith("nrFree[") && Integer.parseInt(e.getKey().replaceAll("\\D", "")) >= z.nrFree.length) continue;
            e.getValue().accept(z);
            assertNotEquals(baseFp, z.fingerprint(), e.getKey());
        }
    }
}
