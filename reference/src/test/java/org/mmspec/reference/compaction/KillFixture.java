package org.mmspec.reference.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.rmap.Rmap;

/**
 * Fixtures shared by the *KillTest classes: {@link CompactionScannerTest#layout}'s pictures for a
 * NORMAL zone that may start at any pfn (the page at picture index i is pfn base + i).
 */
final class KillFixture {
    static final long A = 0x100;

    private KillFixture() {}

    /** One NORMAL zone of {@code pages} pages at {@code base}, no watermarks. */
    static MachineConfig zoneAt(int maxOrder, int pageblockOrder, long base, long pages) {
        return MachineConfig.of("k" + base + "_" + pages, maxOrder, pageblockOrder,
                List.of(ZoneConfig.of(ZoneType.NORMAL, base, pages))).withMinFreeKbytes(0);
    }

    /**
     * M an anonymous LRU page of pid 1, . free, K allocated but on no LRU, as in
     * {@link CompactionScannerTest#layout}; the picture covers the whole zone from its first pfn.
     */
    static Machine layoutAt(MachineConfig c, String picture) {
        String p = picture.replace(" ", "");
        Machine m = new Machine(c);
        m.enableCompaction();
        long base = m.zone(ZoneType.NORMAL).zoneStartPfn;
        Rmap r = m.rmap();
        int n = p.length();
        assertEquals(n, m.zone(ZoneType.NORMAL).presentPages, "set-up: the picture covers the zone");
        assertEquals(A, r.mmap(1, A, n));
        Map<Long, Long> addrOf = new HashMap<>();
        for (int i = 0; i < n; i++) addrOf.put(r.access(1, A + i, true, A + i).pfn(), A + i);
        // the zone is full: each K page, unmapped, is the only free page, so the next allocation takes it
        for (int i = 0; i < n; i++) {
            if (p.charAt(i) != 'K') continue;
            r.munmap(1, addrOf.get(base + i), 1);
            assertEquals(base + i, m.allocPages(Gfp.GFP_HIGHUSER_MOVABLE, 0), "set-up: K at " + (base + i));
        }
        for (int i = 0; i < n; i++) {
            char ch = p.charAt(i);
            switch (ch) {
                case '.' -> r.munmap(1, addrOf.get(base + i), 1);
                case 'M', 'K' -> { }
                default -> throw new IllegalArgumentException("layout character " + ch);
            }
        }
        return m;
    }

    static boolean onLru(Machine m, long pfn) {
        MemMap mem = m.mem();
        return (mem.flags[mem.idx(pfn)] & org.mmspec.reference.page.PageFlags.PG_lru) != 0;
    }
}
