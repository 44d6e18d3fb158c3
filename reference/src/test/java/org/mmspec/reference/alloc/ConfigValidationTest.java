package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;

/** MachineConfig.validate() and new Machine(config): the first bad field, named, with its allowed range. */
class ConfigValidationTest {
    static final ZoneConfig DMA = ZoneConfig.of(ZoneType.DMA, 1, 0xff);
    static final ZoneConfig NORMAL = ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x400);

    static MachineConfig good() {
        return MachineConfig.of("good", 6, 3, List.of(DMA, NORMAL));
    }

    /** Both validate() and the Machine constructor reject the config, naming field; the message has every fragment. */
    static ConfigException invalid(MachineConfig c, String field, String... fragments) {
        ConfigException e = assertThrows(ConfigException.class, c::validate);
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(field + ": "), e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        ConfigException e2 = assertThrows(ConfigException.class, () -> new Machine(c));
        assertEquals(field, e2.field());
        return e;
    }

    @Test
    void theGoodConfigIsAccepted() {
        assertDoesNotThrow(() -> good().validate());
        assertDoesNotThrow(() -> good().withMinFreeKbytes(0).withWatermarkScaleFactor(3000).withWatermarkBoostFactor(0)
                .validate());
        assertDoesNotThrow(() -> MachineConfig.of("eq", 3, 3, List.of(NORMAL)).validate(), "pageblock_order == MAX_PAGE_ORDER");
    }

    @Test
    void pageblockOrderAboveMaxPageOrder() {
        invalid(MachineConfig.of("x", 6, 7, List.of(NORMAL)), "pageblockOrder", "7", "0..maxPageOrder (6)");
        invalid(MachineConfig.of("x", 6, -1, List.of(NORMAL)), "pageblockOrder", "-1");
    }

    @Test
    void maxPageOrderOutOfRange() {
        invalid(MachineConfig.of("x", 21, 9, List.of(NORMAL)), "maxPageOrder", "21", "0..20");
        invalid(MachineConfig.of("x", -1, 0, List.of(NORMAL)), "maxPageOrder", "0..20");
    }

    @Test
    void managedAbovePresentAndPresentAboveSpanned() {
        invalid(MachineConfig.of("x", 6, 3, List.of(DMA, ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x400, 0x400, 0x401))),
                "zones[1].managed", "1025", "0..present (1024)");
        invalid(MachineConfig.of("x", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x400, 0x401, 0x400))),
                "zones[0].present", "1025", "0..spanned (1024)");
        invalid(MachineConfig.of("x", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0x100, 0))),
                "zones[0].spanned", "at least 1");
        invalid(MachineConfig.of("x", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, -8, 16))),
                "zones[0].startPfn", "negative");
    }

    @Test
    void overlappingZones() {
        ConfigException e = invalid(MachineConfig.of("x", 6, 3, List.of(
                ZoneConfig.of(ZoneType.DMA, 1, 0x200), NORMAL)), "zones", "Normal", "0x100", "DMA", "[0x1, 0x201)");
        assertTrue(e.getMessage().contains("ascend"), e.getMessage());
        // zones out of zone order overlap the same way
        invalid(MachineConfig.of("x", 6, 3, List.of(ZoneConfig.of(ZoneType.DMA, 0x200, 0x100),
                ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x100))), "zones", "Normal");
    }

    @Test
    void duplicateZoneTypes() {
        invalid(MachineConfig.of("x", 6, 3, List.of(NORMAL, ZoneConfig.of(ZoneType.NORMAL, 0x800, 0x100))),
                "zones[1].type", "Normal appears twice");
    }

    @Test
    void deviceZoneAndNoZones() {
        invalid(MachineConfig.of("x", 6, 3, List.of(ZoneConfig.of(ZoneType.DEVICE, 0x100, 0x100))), "zones[0].type",
                "ZONE_DEVICE");
        invalid(MachineConfig.of("x", 6, 3, List.of()), "zones", "at least one zone");
    }

    @Test
    void cmaRangeNotPageblockAligned() {
        invalid(MachineConfig.of("x", 6, 3, List.of(NORMAL.withCma(List.of(new PfnRange(0x4f4, 0x500))))),
                "zones[0].cma", "[0x4f4, 0x500)", "whole pageblocks (8 pages)");
        invalid(MachineConfig.of("x", 6, 3, List.of(NORMAL.withCma(List.of(new PfnRange(0x4f0, 0x4fc))))),
                "zones[0].cma", "[0x4f0, 0x4fc)");
        invalid(MachineConfig.of("x", 6, 3, List.of(NORMAL.withCma(List.of(new PfnRange(0x4f8, 0x508))))),
                "zones[0].cma[0]", "outside the zone");
        ZoneConfig withReserved = new ZoneConfig(ZoneType.NORMAL, 0x100, 0x400, 0x400, 0x3f8, null,
                List.of(new PfnRange(0x4f8, 0x500)), List.of(new PfnRange(0x4f8, 0x500)));
        invalid(MachineConfig.of("x", 6, 3, List.of(withReserved)), "zones[0].cma", "reserved");
    }

    @Test
    void holesAndReservedMustAddUp() {
        invalid(MachineConfig.of("x", 6, 3, List.of(new ZoneConfig(ZoneType.NORMAL, 0x100, 0x400, 0x3f0, 0x3f0,
                List.of(new PfnRange(0x200, 0x208)), null, null))), "zones[0].holes", "8 pages", "16");
        invalid(MachineConfig.of("x", 6, 3, List.of(new ZoneConfig(ZoneType.NORMAL, 0x100, 0x400, 0x400, 0x3f0,
                null, List.of(new PfnRange(0x200, 0x208)), null))), "zones[0].reserved", "8 pages", "16");
        invalid(MachineConfig.of("x", 6, 3, List.of(new ZoneConfig(ZoneType.NORMAL, 0x100, 0x400, 0x3f8, 0x3f0,
                List.of(new PfnRange(0x200, 0x208)), List.of(new PfnRange(0x204, 0x20c)), null))),
                "zones[0].reserved", "overlaps the hole");
        invalid(MachineConfig.of("x", 6, 3, List.of(new ZoneConfig(ZoneType.NORMAL, 0x100, 0x400, 0x3f0, 0x3f0,
                List.of(new PfnRange(0x200, 0x208), new PfnRange(0x204, 0x20c)), null, null))),
                "zones[0].holes[1]", "overlaps");
    }

    @Test
    void lowmemReserveRatioNeedsFiveEntries() {
        invalid(good().withLowmemReserveRatio(List.of(256, 256, 32, 0)), "lowmemReserveRatio", "has 4 entries",
                "5", "DMA DMA32 Normal Movable Device");
        invalid(good().withLowmemReserveRatio(List.of(256, 256, 32, 0, 0, 0)), "lowmemReserveRatio", "has 6 entries");
        invalid(good().withLowmemReserveRatio(List.of(256, -1, 32, 0, 0)), "lowmemReserveRatio[1]", "negative");
    }

    @Test
    void sysctlFields() {
        invalid(good().withWatermarkScaleFactor(0), "watermarkScaleFactor", "0", "1..3000");
        invalid(good().withWatermarkScaleFactor(3001), "watermarkScaleFactor", "3001", "1..3000");
        invalid(good().withWatermarkBoostFactor(-1), "watermarkBoostFactor", "negative");
        invalid(good().withMinFreeKbytes(-2), "minFreeKbytes", "-2", "-1 to compute");
        invalid(good().withMinFreeKbytes(1L + Integer.MAX_VALUE), "minFreeKbytes", "2147483648", "0..2147483647");
        assertDoesNotThrow(() -> good().withMinFreeKbytes(Integer.MAX_VALUE).validate());
    }

    /**
     * The mem_map arrays are int-indexed: a node span of exactly MAX_NODE_PAGES (2^31) pages must
     * be a ConfigException, not a NegativeArraySizeException from (int) 2^31 in Node. (No memory
     * is allocated before the exception, so the test is cheap.)
     */
    @Test
    void aNodeOfExactlyMaxNodePagesIsAConfigError() {
        MachineConfig c = MachineConfig.of("huge", 10, 9, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 1L << 31)));
        invalid(c, "zones", "2147483648", "at most " + (MachineConfig.MAX_NODE_PAGES - 1));
    }

    @Test
    void aNodeAboveMaxNodePagesIsAConfigError() {
        invalid(MachineConfig.of("huge", 10, 9, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, (1L << 31) + 1))), "zones",
                "2147484672", "at most " + (MachineConfig.MAX_NODE_PAGES - 1));
    }

    @Test
    void knownBugsAreDeduplicatedAndSorted() {
        MachineConfig c = good().withKnownBugs(List.of("isolate-merge", "boost-small-zone", "isolate-merge"));
        assertEquals(List.of("boost-small-zone", "isolate-merge"), c.knownBugs());
        assertTrue(c.bug("isolate-merge"));
        assertDoesNotThrow(c::validate);
    }
}
