package org.mmspec.spec.rmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.mmspec.spec.rmap.RmapSpec.Mapping;

/** The rmap specification: memory semantics of fork and COW, and the laws of the relation. */
class RmapSpecTest {
    @Test
    void forkGivesTheChildASnapshotThatLaterWritesDoNotShare() {
        RmapSpec s = new RmapSpec(1);
        assertNull(s.mmap(1, 0x20, 2, true));
        assertNull(s.write(1, 0x20, 5, true));
        assertNull(s.fork(1, 2, true));
        assertNull(s.write(2, 0x20, 6, true));
        assertNull(s.read(1, 0x20, true, 5));
        assertNull(s.read(2, 0x20, true, 6));
        assertNotNull(s.read(1, 0x20, true, 6), "the child's write must not show in the parent");
        assertNull(s.read(2, 0x21, true, 0));
        assertNull(s.fork(1, 3, false));
        assertEquals(Set.of(1, 2), s.pids(), "a failed fork changes nothing");
        assertNull(s.exit(2));
        assertNotNull(s.exit(2));
    }

    @Test
    void mmapIsAcceptedExactlyWhenTheRangeIsFree() {
        RmapSpec s = new RmapSpec(1);
        assertNull(s.mmap(1, 0x20, 2, true));
        assertNotNull(s.mmap(1, 0x21, 2, true));
        assertNull(s.mmap(1, 0x21, 2, false));
        assertNotNull(s.mmap(1, 0x22, 1, false));
        assertNull(s.munmap(1, 0x20, 1));
        assertNotNull(s.refused(1, 0x21));
        assertNull(s.refused(1, 0x20));
        assertEquals(List.of("pid 1 page 0x21 is mapped in the spec but not in the reference"),
                s.diff(new RmapSpec(1), "spec", "reference"));
    }

    @Test
    void theReverseMapMustBeExactlyTheInverseOfThePageTables() {
        Map<Mapping, Long> pt = new TreeMap<>(Map.of(new Mapping(1, 0x20), 0x104L, new Mapping(2, 0x20), 0x104L,
                new Mapping(2, 0x21), 0x105L));
        Map<Long, Set<Mapping>> rmap = new TreeMap<>(Map.of(0x104L, Set.of(new Mapping(1, 0x20), new Mapping(2, 0x20)),
                0x105L, Set.of(new Mapping(2, 0x21))));
        assertEquals(List.of(), RmapSpec.inverseViolations(pt, rmap));
        rmap.put(0x105L, Set.of());
        assertEquals(1, RmapSpec.inverseViolations(pt, rmap).size(), "incomplete");
        rmap.put(0x105L, Set.of(new Mapping(2, 0x21), new Mapping(3, 0x21)));
        assertTrue(RmapSpec.inverseViolations(pt, rmap).get(0).contains("pid 3"), "unsound");
        assertEquals(1, RmapSpec.writableExclusiveViolations(pt, Set.of(new Mapping(1, 0x20))).size());
        assertEquals(0, RmapSpec.writableExclusiveViolations(pt, Set.of(new Mapping(2, 0x21))).size());
        assertEquals(1, RmapSpec.lifetimeViolations(pt, Set.of(0x104L)).size());
    }
}
