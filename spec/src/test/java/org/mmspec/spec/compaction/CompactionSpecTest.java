package org.mmspec.spec.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.mmspec.spec.compaction.CompactionSpec.Block;
import org.mmspec.spec.compaction.CompactionSpec.Round;
import org.mmspec.spec.rmap.RmapSpec.Mapping;

/** The migration and compaction laws: what they accept and what each refuses. */
class CompactionSpecTest {
    static final Mapping A = new Mapping(1, 0x10);
    static final Mapping B = new Mapping(2, 0x10);
    static final Mapping C = new Mapping(1, 0x11);

    /** A and B share frame 0x5 (content 7), C has frame 0x6 (content 8). */
    static Map<Mapping, Long> pt() {
        return new TreeMap<>(Map.of(A, 0x5L, B, 0x5L, C, 0x6L));
    }

    static Map<Long, Long> content() {
        return Map.of(0x5L, 7L, 0x6L, 8L);
    }

    @Test
    void renamingFramesIsAMigration() {
        Map<Mapping, Long> after = new TreeMap<>(Map.of(A, 0x20L, B, 0x20L, C, 0x6L));
        assertEquals(List.of(), CompactionSpec.migrationViolations(pt(), content(), after, Map.of(0x20L, 7L, 0x6L, 8L)));
        Map<Mapping, Long> swapped = new TreeMap<>(Map.of(A, 0x6L, B, 0x6L, C, 0x5L));
        assertEquals(List.of(), CompactionSpec.migrationViolations(pt(), content(), swapped, Map.of(0x6L, 7L, 0x5L, 8L)),
                "two frames may trade places");
    }

    @Test
    void eachWayOfNotRenamingIsRefused() {
        List<String> split = CompactionSpec.migrationViolations(pt(), content(),
                new TreeMap<>(Map.of(A, 0x20L, B, 0x21L, C, 0x6L)), Map.of(0x20L, 7L, 0x21L, 7L, 0x6L, 8L));
        assertTrue(split.get(0).contains("was shared"), split.toString());
        List<String> merged = CompactionSpec.migrationViolations(pt(), Map.of(0x5L, 7L, 0x6L, 7L),
                new TreeMap<>(Map.of(A, 0x5L, B, 0x5L, C, 0x5L)), Map.of(0x5L, 7L));
        assertTrue(merged.get(0).contains("both became frame 0x5"), merged.toString());
        List<String> changed = CompactionSpec.migrationViolations(pt(), content(),
                new TreeMap<>(Map.of(A, 0x20L, B, 0x20L, C, 0x6L)), Map.of(0x20L, 9L, 0x6L, 8L));
        assertTrue(changed.get(0).contains("now reads 9"), changed.toString());
        List<String> unmapped = CompactionSpec.migrationViolations(pt(), content(),
                new TreeMap<>(Map.of(A, 0x5L, B, 0x5L)), content());
        assertTrue(unmapped.get(0).contains("no longer populated"), unmapped.toString());
        List<String> populated = CompactionSpec.migrationViolations(Map.of(A, 0x5L), content(), Map.of(A, 0x5L, C, 0x6L), content());
        assertTrue(populated.get(0).contains("became populated"), populated.toString());
    }

    @Test
    void unmovableBlocksStayAndCountsAreConserved() {
        Set<Block> k = Set.of(new Block(0x8, 1));
        assertEquals(List.of(), CompactionSpec.unmovableViolations(k, Set.of(new Block(0x8, 1), new Block(0x0, 0))));
        assertFalse(CompactionSpec.unmovableViolations(k, Set.of(new Block(0xa, 1))).isEmpty());
        assertEquals(List.of(), CompactionSpec.conservationViolations(10, 6, 10, 6, 0));
        assertEquals(List.of(), CompactionSpec.conservationViolations(10, 6, 6, 10, 4), "an order-2 allocation took 4");
        assertTrue(CompactionSpec.conservationViolations(10, 6, 11, 5, 0).get(0).contains("freed an allocated page"));
        assertTrue(CompactionSpec.conservationViolations(10, 6, 9, 7, 0).get(0).contains("allocated a free page"));
    }

    static Round round(int i, long m0, long f0, long m1, long f1, boolean ended, String result) {
        return new Round("Normal", 0x1, 0x40, 3, i, m0, f0, m1, f1, ended, result);
    }

    @Test
    void theScannersLaws() {
        assertEquals(List.of(), CompactionSpec.roundViolations(round(1, 0x1, 0x38, 0x8, 0x33, false, "running")));
        assertEquals(List.of(), CompactionSpec.roundViolations(round(2, 0x8, 0x33, 0x10, 0x14, true, "COMPACT_COMPLETE")),
                "0x14 >> 3 == 0x10 >> 3: met");
        assertEquals(List.of(), CompactionSpec.roundViolations(round(0, 0x1, 0x38, 0x1, 0x38, false, "running")),
                "the run start is not a round: the scanners need not move");
        assertFalse(CompactionSpec.boundsViolations(round(1, 0x1, 0x38, 0x0, 0x38, false, "running")).isEmpty(), "below zone start 1");
        assertFalse(CompactionSpec.boundsViolations(round(1, 0x1, 0x38, 0x8, 0x41, false, "running")).isEmpty());
        assertFalse(CompactionSpec.monotonicViolations(round(1, 0x8, 0x38, 0x7, 0x38, false, "running")).isEmpty());
        assertFalse(CompactionSpec.monotonicViolations(round(1, 0x8, 0x30, 0x9, 0x38, false, "running")).isEmpty());
        assertEquals(List.of(), CompactionSpec.monotonicViolations(round(1, 0x8, 0x30, 0x9, 0x36, false, "running")),
                "the free scanner may move up inside its pageblock");
        assertFalse(CompactionSpec.progressViolations(round(3, 0x10, 0x12, 0x10, 0x12, false, "running")).isEmpty(),
                "scanners-met: a round that goes on without moving");
        assertFalse(CompactionSpec.endViolations(round(3, 0x8, 0x20, 0x10, 0x20, true, "COMPACT_COMPLETE")).isEmpty());
        assertEquals(List.of(), CompactionSpec.endViolations(round(3, 0x8, 0x20, 0x10, 0x20, true, "COMPACT_SUCCESS")));
        assertFalse(CompactionSpec.endViolations(round(3, 0x8, 0x20, 0x10, 0x20, true, "COMPACT_CONTINUE")).isEmpty());
        assertTrue(CompactionSpec.scannersMet(0x10, 0x17, 3));
        assertFalse(CompactionSpec.scannersMet(0x10, 0x18, 3));
    }
}
