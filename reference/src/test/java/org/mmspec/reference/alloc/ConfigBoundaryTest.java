package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * MachineConfig.validate() at the edges of each allowed range, and ZoneConfig's derived holes and
 * reserved ranges (the model's stand-in for memblock: holes are absent pfns, reserved ones are
 * present but never freed to the buddy, as mm/mm_init.c memblock_free_all() leaves them).
 */
class ConfigBoundaryTest {
    static final ZoneConfig DMA = ZoneConfig.of(ZoneType.DMA, 1, 0xff);
    static final ZoneConfig NORMAL = ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x400);

    private static MachineConfig cfg(int maxOrder, int pbOrder, List<ZoneConfig> zones) {
        return MachineConfig.of("t", maxOrder, pbOrder, zones);
    }

    private static String field(MachineConfig c) {
        return assertThrows(ConfigException.class, c::validate).field();
    }

    // Range edges: MAX_PAGE_ORDER 0 and pageblock_order 0 are valid values (0..20, 0..maxPageOrder);
    // MAX_MAX_PAGE_ORDER itself is not rejected as an order (only the node-size check may object).
    @Test
    void orderEdgesAreAccepted() {
        assertDoesNotThrow(() -> cfg(0, 0, List.of(NORMAL)).validate());
        assertDoesNotThrow(() -> cfg(6, 0, List.of(NORMAL)).validate());
        try {
            cfg(MachineConfig.MAX_MAX_PAGE_ORDER, 3, List.of(NORMAL)).validate();
        } catch (ConfigException e) {
            assertNotEquals("maxPageOrder", e.field(), e.getMessage());
        }
        assertEquals("maxPageOrder", field(cfg(MachineConfig.MAX_MAX_PAGE_ORDER + 1, 3, List.of(NORMAL))));
        assertEquals("maxPageOrder", field(cfg(-1, 0, List.of(NORMAL))));
        assertEquals("pageblockOrder", field(cfg(6, -1, List.of(NORMAL))));
    }

    // Zones may be listed in any order; they are checked for overlap in zone order.
    @Test
    void zonesListedOutOfOrderAreAccepted() {
        assertDoesNotThrow(() -> cfg(6, 3, List.of(NORMAL, DMA)).validate());
    }

    // ZONE_DEVICE never holds buddy pages; spanned must be >= 1; managed may be 0 (a zone whose
    // pages are all reserved), present may equal spanned.
    @Test
    void zoneFieldEdges() {
        assertEquals("zones[0].type", field(cfg(6, 3, List.of(ZoneConfig.of(ZoneType.DEVICE, 0x100, 0x100)))));
        assertEquals("zones[0].spanned", field(cfg(6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0x100, 0)))));
        assertDoesNotThrow(() -> cfg(6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0x100, 1))).validate());
        assertDoesNotThrow(() -> cfg(6, 3, List.of(DMA, ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x400, 0x400, 0))).validate());
        assertEquals("zones[0].managed", field(cfg(6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x400, 0x400, -1)))));
        assertEquals("zones[0].present", field(cfg(6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x400, 0x401, 0x400)))));
    }

    // CMA ranges are range-checked like holes and reserved ranges; ranges of one page are fine,
    // empty ones are not.
    @Test
    void rangesAreChecked() {
        assertEquals("zones[0].cma[0]", field(cfg(6, 3, List.of(NORMAL.withCma(List.of(new PfnRange(0x4f8, 0x508)))))));
        ZoneConfig oneHole = new ZoneConfig(ZoneType.NORMAL, 0x100, 0x400, 0x3ff, 0x3ff,
                List.of(new PfnRange(0x200, 0x201)), null, null);
        assertDoesNotThrow(() -> cfg(6, 3, List.of(oneHole)).validate());
        ZoneConfig emptyReserved = new ZoneConfig(ZoneType.NORMAL, 0x100, 0x400, 0x400, 0x400,
                null, List.of(new PfnRange(0x200, 0x200)), null);
        assertEquals("zones[0].reserved[0]", field(cfg(6, 3, List.of(emptyReserved))));
    }

    // The node-size limit counts the span from the aligned node start to the aligned node end,
    // not their sum: a small node far up the pfn space is fine.
    @Test
    void aSmallNodeHighUpIsAccepted() {
        assertDoesNotThrow(() -> cfg(6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 1L << 30, 0x40))).validate());
    }

    // The record's defaults: no name -> "custom", no zones -> none (rejected naming "zones"), no
    // ratio -> the kernel's sysctl_lowmem_reserve_ratio defaults (mm/page_alloc.c).
    @Test
    void nullsBecomeDefaults() {
        MachineConfig c = new MachineConfig(null, 6, 3, null, -1, 10, 15000, null, false, false, null);
        assertEquals("custom", c.name());
        assertEquals(List.of(), c.zones());
        assertEquals(MachineConfig.DEFAULT_LOWMEM_RESERVE_RATIO, c.lowmemReserveRatio());
        assertEquals("zones", field(c));
    }

    // effectiveHoles(): absent explicit holes, the span's tail beyond the present pages;
    // effectiveReserved(): the first present - managed pfns that are not holes.
    @Test
    void derivedHolesAndReserved() {
        ZoneConfig z = ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x400, 0x3f0, 0x3e0);
        assertEquals(List.of(new PfnRange(0x4f0, 0x500)), z.effectiveHoles());
        assertEquals(List.of(new PfnRange(0x100, 0x110)), z.effectiveReserved());
        assertEquals(List.of(), NORMAL.effectiveHoles());
        assertEquals(List.of(), NORMAL.effectiveReserved());
        // a hole in the middle is skipped over
        ZoneConfig h = new ZoneConfig(ZoneType.NORMAL, 0x100, 0x400, 0x3f0, 0x3f0 - 0x110,
                List.of(new PfnRange(0x200, 0x210)), null, null);
        assertEquals(List.of(new PfnRange(0x100, 0x200), new PfnRange(0x210, 0x220)), h.effectiveReserved());
        // a hole at the start
        ZoneConfig s = new ZoneConfig(ZoneType.NORMAL, 0x100, 0x400, 0x3f0, 0x3e8,
                List.of(new PfnRange(0x100, 0x110)), null, null);
        assertEquals(List.of(new PfnRange(0x110, 0x118)), s.effectiveReserved());
        // explicit reserved ranges are returned as given
        ZoneConfig r = new ZoneConfig(ZoneType.NORMAL, 0x100, 0x400, 0x400, 0x3f8,
                null, List.of(new PfnRange(0x300, 0x308)), null);
        assertEquals(List.of(new PfnRange(0x300, 0x308)), r.effectiveReserved());
        assertDoesNotThrow(() -> cfg(6, 3, List.of(r)).validate());
    }
}
