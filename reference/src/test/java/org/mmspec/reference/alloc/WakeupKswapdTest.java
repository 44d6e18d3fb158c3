package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.Gfp.*;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;

/** wakeup_kswapd() (mm/vmscan.c, v6.18) called directly on hand-built node states. */
class WakeupKswapdTest {

    private static final int NORMAL = ZoneType.NORMAL.idx();
    private static final int DMA = ZoneType.DMA.idx();

    // "if (curr_idx == MAX_NR_ZONES || curr_idx < highest_zoneidx)" records the highest zone index;
    // "if (pgdat->kswapd_order < order)" the largest order. A balanced, unboosted node does not
    // wake kswapd; for a request that cannot direct-reclaim it wakes kcompactd instead.
    @Test
    void balancedNodeRecordsTheRequestAndWakesOnlyKcompactdForNonBlockingCallers() {
        Machine m = new Machine(Fixtures.dmaNormal());
        Node n = m.node();
        PageAlloc pa = m.pageAlloc();
        Zone normal = m.zone(ZoneType.NORMAL);
        n.kswapdHighestZoneidx = ZoneType.MAX_NR_ZONES; // nothing requested
        pa.wakeup_kswapd(normal, GFP_ATOMIC, 2, DMA);
        assertEquals(DMA, n.kswapdHighestZoneidx, "MAX_NR_ZONES means unset: any index is taken");
        assertEquals(2, n.kswapdOrder);
        assertEquals(0, n.kswapdWakeups);
        assertFalse(n.kswapdWoken);
        assertEquals(1, n.kcompactdWakeups, "!__GFP_DIRECT_RECLAIM: wakeup_kcompactd()");
        assertEquals(2, n.kcompactdMaxOrder);

        pa.wakeup_kswapd(normal, GFP_ATOMIC, 1, NORMAL);
        assertEquals(NORMAL, n.kswapdHighestZoneidx, "a higher index replaces a lower one");
        assertEquals(2, n.kswapdOrder, "a lower order does not replace a higher one");
        pa.wakeup_kswapd(normal, GFP_KERNEL, 3, DMA);
        assertEquals(NORMAL, n.kswapdHighestZoneidx, "a lower index does not replace a higher one");
        assertEquals(3, n.kswapdOrder);
        assertEquals(2, n.kcompactdWakeups, "__GFP_DIRECT_RECLAIM callers compact for themselves");
        assertEquals(0, n.kswapdWakeups);
        assertEquals(0, m.stats().kswapdWakeups);
    }

    // A boosted zone wakes kswapd even when balanced ("&& !pgdat_watermark_boosted()"); the wake
    // is counted once.
    @Test
    void boostedNodeWakesKswapd() {
        Machine m = new Machine(Fixtures.dmaNormal());
        Zone normal = m.zone(ZoneType.NORMAL);
        normal.watermarkBoost = 1;
        long before = m.stats().kswapdWakeups;
        m.pageAlloc().wakeup_kswapd(normal, GFP_KERNEL, 0, NORMAL);
        assertTrue(m.node().kswapdWoken);
        assertEquals(1, m.node().kswapdWakeups);
        assertEquals(before + 1, m.stats().kswapdWakeups);
    }

    // "Hopeless node": kswapd_failures >= MAX_RECLAIM_RETRIES (16) leaves it asleep; 15 does not.
    @Test
    void hopelessNodeIsLeftAlone() {
        for (int failures : new int[] {15, 16}) {
            Machine m = new Machine(Fixtures.dmaNormal());
            Zone normal = m.zone(ZoneType.NORMAL);
            normal.watermarkBoost = 1; // would otherwise wake
            m.node().kswapdFailures = failures;
            m.pageAlloc().wakeup_kswapd(normal, GFP_ATOMIC, 0, NORMAL);
            assertEquals(failures < 16, m.node().kswapdWoken, "kswapd_failures " + failures);
        }
    }

    // "if (!managed_zone(zone)) return": nothing is recorded for an unmanaged zone.
    @Test
    void unmanagedZoneIsIgnored() {
        Machine m = new Machine(MachineConfig.of("t", 6, 3, List.of(ZoneConfig.of(ZoneType.DMA, 1, 0xff),
                ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x400, 0x400, 0))));
        Zone normal = m.zone(ZoneType.NORMAL);
        assertFalse(normal.managed());
        normal.watermarkBoost = 1;
        m.pageAlloc().wakeup_kswapd(normal, GFP_ATOMIC, 3, NORMAL);
        assertEquals(0, m.node().kswapdOrder);
        assertFalse(m.node().kswapdWoken);
    }
}
