package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.Gfp.*;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** gfp_zone(), gfp_migratetype() and GFP_ZONE_BAD of include/linux/gfp.h (v6.18), and the text form. */
class GfpTest {
    @Test
    void bitPositionsAreTheKernels() {
        // enum ___GFP_*_BIT in include/linux/gfp_types.h, with the unused 0x200 hole
        assertEquals(0x1, __GFP_DMA);
        assertEquals(0x2, __GFP_HIGHMEM);
        assertEquals(0x4, __GFP_DMA32);
        assertEquals(0x8, __GFP_MOVABLE);
        assertEquals(0x10, __GFP_RECLAIMABLE);
        assertEquals(0x20, __GFP_HIGH);
        assertEquals(0x400, __GFP_DIRECT_RECLAIM);
        assertEquals(0x800, __GFP_KSWAPD_RECLAIM);
        assertEquals(0xcc0, GFP_KERNEL);
        assertEquals(0x820, GFP_ATOMIC);
        // __GFP_HIGH and __GFP_KSWAPD_RECLAIM double as ALLOC_MIN_RESERVE and ALLOC_KSWAPD (BUILD_BUG_ON in gfp_to_alloc_flags)
        assertEquals(AllocFlags.ALLOC_MIN_RESERVE, __GFP_HIGH);
        assertEquals(AllocFlags.ALLOC_KSWAPD, __GFP_KSWAPD_RECLAIM);
    }

    @Test
    void gfpZoneOfTheCommonMasks() {
        assertEquals(ZoneType.NORMAL.idx(), gfpZone(GFP_KERNEL));
        assertEquals(ZoneType.NORMAL.idx(), gfpZone(GFP_ATOMIC));
        assertEquals(ZoneType.NORMAL.idx(), gfpZone(GFP_USER));
        assertEquals(ZoneType.NORMAL.idx(), gfpZone(GFP_HIGHUSER), "no CONFIG_HIGHMEM: OPT_ZONE_HIGHMEM is ZONE_NORMAL");
        assertEquals(3, gfpZone(GFP_HIGHUSER_MOVABLE));
        assertEquals(ZoneType.MOVABLE.idx(), gfpZone(GFP_HIGHUSER_MOVABLE));
        assertEquals(ZoneType.MOVABLE.idx(), gfpZone(GFP_TRANSHUGE));
        assertEquals(ZoneType.DMA.idx(), gfpZone(GFP_DMA));
        assertEquals(ZoneType.DMA.idx(), gfpZone(GFP_KERNEL | GFP_DMA));
        assertEquals(ZoneType.DMA32.idx(), gfpZone(GFP_DMA32));
        assertEquals(ZoneType.DMA32.idx(), gfpZone(GFP_KERNEL | GFP_DMA32));
        // __GFP_MOVABLE alone only picks a migratetype; the zone stays Normal
        assertEquals(ZoneType.NORMAL.idx(), gfpZone(GFP_KERNEL | __GFP_MOVABLE));
        assertEquals(ZoneType.DMA.idx(), gfpZone(__GFP_MOVABLE | __GFP_DMA));
        assertEquals(ZoneType.DMA32.idx(), gfpZone(__GFP_MOVABLE | __GFP_DMA32));
        assertEquals(ZoneType.NORMAL.idx(), gfpZone(__GFP_RECLAIMABLE), "__GFP_RECLAIMABLE is not a zone bit");
    }

    @Test
    void gfpMigratetypeOfTheCommonMasks() {
        assertEquals(MigrateType.MIGRATE_UNMOVABLE, gfpMigratetype(GFP_KERNEL, false));
        assertEquals(MigrateType.MIGRATE_UNMOVABLE, gfpMigratetype(GFP_ATOMIC, false));
        assertEquals(MigrateType.MIGRATE_UNMOVABLE, gfpMigratetype(GFP_DMA, false));
        assertEquals(MigrateType.MIGRATE_UNMOVABLE, gfpMigratetype(GFP_DMA32, false));
        assertEquals(MigrateType.MIGRATE_MOVABLE, gfpMigratetype(GFP_HIGHUSER_MOVABLE, false));
        assertEquals(MigrateType.MIGRATE_RECLAIMABLE, gfpMigratetype(GFP_KERNEL | __GFP_RECLAIMABLE, false));
        assertEquals(MigrateType.MIGRATE_UNMOVABLE, gfpMigratetype(GFP_HIGHUSER_MOVABLE, true),
                "page_group_by_mobility_disabled groups everything as UNMOVABLE");
        assertEquals(MigrateType.MIGRATE_UNMOVABLE, gfpMigratetype(GFP_KERNEL | __GFP_RECLAIMABLE, true));
    }

    /** Exactly the eight combinations in GFP_ZONE_BAD are refused. */
    @Test
    void gfpZoneBadCombinationsAreRejected() {
        int bad = 1 << (__GFP_DMA | __GFP_HIGHMEM)
                | 1 << (__GFP_DMA | __GFP_DMA32)
                | 1 << (__GFP_DMA32 | __GFP_HIGHMEM)
                | 1 << (__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM)
                | 1 << (__GFP_MOVABLE | __GFP_HIGHMEM | __GFP_DMA)
                | 1 << (__GFP_MOVABLE | __GFP_DMA32 | __GFP_DMA)
                | 1 << (__GFP_MOVABLE | __GFP_DMA32 | __GFP_HIGHMEM)
                | 1 << (__GFP_MOVABLE | __GFP_DMA32 | __GFP_DMA | __GFP_HIGHMEM);
        for (int bits = 0; bits < 16; bits++) {
            int gfp = GFP_KERNEL | bits;
            if ((bad >> bits & 1) != 0) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gfpZone(gfp),
                        "zone bits 0x" + Integer.toHexString(bits));
                assertTrue(e.getMessage().contains("GFP_ZONE_BAD"), e.getMessage());
                assertTrue(e.getMessage().contains("0x" + Integer.toHexString(bits)), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> Gfp.validate(gfp));
            } else {
                int z = gfpZone(gfp);
                assertTrue(z >= 0 && z <= ZoneType.MOVABLE.idx(), "zone " + z);
                Gfp.validate(gfp);
            }
        }
    }

    @Test
    void movableTogetherWithReclaimableIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gfp.validate(GFP_KERNEL | __GFP_MOVABLE | __GFP_RECLAIMABLE));
        assertTrue(e.getMessage().contains("__GFP_MOVABLE and __GFP_RECLAIMABLE"), e.getMessage());
    }

    @Test
    void parseNamesBitsAndHex() {
        assertEquals(GFP_KERNEL, parse("GFP_KERNEL"));
        assertEquals(GFP_KERNEL | __GFP_DMA32, parse(" GFP_KERNEL | __GFP_DMA32 "));
        assertEquals(GFP_HIGHUSER_MOVABLE, parse("GFP_HIGHUSER_MOVABLE"));
        assertEquals(GFP_ATOMIC | __GFP_NOWARN, parse("GFP_ATOMIC|__GFP_NOWARN"));
        assertEquals(__GFP_RECLAIM, parse("__GFP_RECLAIM"));
        assertEquals(0xcc0, parse("0xcc0"));
        assertEquals(GFP_KERNEL | 0x200, parse("GFP_KERNEL|0x200"));
        assertThrows(IllegalArgumentException.class, () -> parse(""));
        assertThrows(IllegalArgumentException.class, () -> parse("GFP_KERNAL"));
        assertThrows(IllegalArgumentException.class, () -> parse("0xZZ"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("GFP_KERNEL|bogus"));
        assertTrue(e.getMessage().contains("'bogus'"), e.getMessage());
    }

    @Test
    void formatUsesTheNamedMasks() {
        assertEquals("GFP_KERNEL", format(GFP_KERNEL));
        assertEquals("GFP_ATOMIC", format(GFP_ATOMIC));
        assertEquals("GFP_HIGHUSER_MOVABLE", format(GFP_HIGHUSER_MOVABLE));
        assertEquals("GFP_KERNEL|__GFP_RECLAIMABLE", format(GFP_KERNEL | __GFP_RECLAIMABLE));
        assertEquals("GFP_KERNEL|__GFP_ZERO|0x200", format(GFP_KERNEL | __GFP_ZERO | 0x200));
    }

    @Test
    void formatThenParseRoundTrips() {
        int[] named = {GFP_KERNEL, GFP_ATOMIC, GFP_HIGHUSER_MOVABLE, GFP_DMA, GFP_DMA32, GFP_NOWAIT, GFP_NOIO,
            GFP_NOFS, GFP_USER, GFP_HIGHUSER, GFP_TRANSHUGE, GFP_TRANSHUGE_LIGHT, GFP_KERNEL_ACCOUNT,
            GFP_KERNEL | __GFP_RECLAIMABLE, GFP_KERNEL | __GFP_DMA32 | __GFP_NOFAIL, 0x200, 0x80000000, -1};
        for (int g : named) assertEquals(g, parse(format(g)), format(g));
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < 20_000; i++) {
            int g = r.nextInt();
            g &= r.nextInt(); // sparser masks too
            assertEquals(g, parse(format(g)), format(g));
        }
    }

    /** show_gfp_flags() prints the empty mask as "none" (include/trace/events/mmflags.h). */
    @Test
    void formatOfTheEmptyMaskParses() {
        assertEquals("none", format(0));
        assertEquals(0, parse("none"));
        assertEquals(0, parse(format(0)));
        assertEquals(0, parse("0"));
        assertEquals(0xcc0, parse("3264"), "decimal numbers parse too");
    }

    /**
     * __def_gfpflag_names (include/trace/events/mmflags.h, v6.18) lists ... GFP_NOFS, GFP_ATOMIC,
     * GFP_NOIO, GFP_NOWAIT, GFP_DMA, GFP_DMA32, __GFP_RECLAIM, then the bits; a name is taken when
     * all its bits are set.
     */
    @Test
    void formatFollowsTheKernelNameTableOrder() {
        assertEquals("GFP_ATOMIC|__GFP_DIRECT_RECLAIM", format(GFP_ATOMIC | __GFP_DIRECT_RECLAIM));
        assertEquals("GFP_NOIO", format(__GFP_RECLAIM));
        assertEquals("GFP_NOIO|__GFP_NOWARN", format(GFP_NOWAIT | __GFP_DIRECT_RECLAIM), "GFP_NOIO comes before GFP_NOWAIT");
        assertEquals("GFP_DMA|GFP_DMA32", format(__GFP_DMA | __GFP_DMA32));
    }
}
