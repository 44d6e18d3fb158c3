package org.mmspec.spec.reclaim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/** The reclaim specification: files read what was last written, and the laws of a reclaim pass, kswapd and refaults. */
class ReclaimSpecTest {
    @Test
    void aFileReadsWhatWasLastWrittenAndZeroElsewhere() {
        ReclaimSpec s = new ReclaimSpec();
        assertNull(s.read(1, 5, true, 0), "an unwritten page reads zeros");
        assertNull(s.write(1, 5, 7, true));
        assertNull(s.read(1, 5, true, 7));
        assertNotNull(s.read(1, 5, true, 3), "a read must return the value written");
        assertNull(s.read(1, 5, false, 3), "a failed read returns nothing to judge");
        assertNull(s.write(1, 5, 9, false));
        assertEquals(7, s.value(1, 5), "a failed write changes nothing");
        assertNull(s.write(1, 5, 0, true));
        assertEquals(Set.of(), s.inodes(), "writing zeros leaves nothing to remember");
        ReclaimSpec t = s.copy();
        t.write(2, 0, 4, true);
        assertEquals(0, s.value(2, 0), "copies are independent");
        assertEquals(1, t.diff(s, "t", "s").size());
        assertTrue(t.diff(s, "t", "s").get(0).contains("inode 2 page 0x0 reads 4 in the t but 0 in the s"));
        assertEquals(t.fingerprint(), ReclaimSpec.of(Map.of(2, Map.of(0L, 4L, 1L, 0L))).fingerprint());
    }

    @Test
    void everyEvictablePageIsOnExactlyOneList() {
        Map<Long, List<String>> lists = new TreeMap<>();
        lists.put(1L, List.of("inactive_anon"));
        lists.put(2L, List.of("active_file", "inactive_file"));
        List<String> v = ReclaimSpec.lruViolations(lists, Set.of(1L, 2L, 3L));
        assertEquals(2, v.size(), v.toString());
        assertTrue(v.get(0).contains("0x2 is on 2 LRU lists"));
        assertTrue(v.get(1).contains("evictable page 0x3 is on no LRU list"));
        assertEquals(List.of(), ReclaimSpec.lruViolations(Map.of(1L, List.of("inactive_anon")), Set.of(1L)));
    }

    @Test
    void aPassFreesOnlyUnreferencedInactivePages() {
        assertEquals(List.of(), ReclaimSpec.passViolations(List.of(
                new ReclaimSpec.Scan(1, "inactive_file", true, 0, true),
                new ReclaimSpec.Scan(2, "inactive_anon", true, 1, false),
                new ReclaimSpec.Scan(3, "active_anon", false, -1, false))));
        List<String> v = ReclaimSpec.passViolations(List.of(
                new ReclaimSpec.Scan(4, "active_anon", false, 0, true),
                new ReclaimSpec.Scan(5, "inactive_anon", true, 2, true)));
        assertEquals(2, v.size());
        assertTrue(v.get(0).contains("0x4 was reclaimed from the active_anon list"));
        assertTrue(v.get(1).contains("0x5 was reclaimed although 2 young PTE(s)"));
    }

    @Test
    void kswapdSleepsExactlyWhenBalancedOrHopeless() {
        assertNull(ReclaimSpec.kswapdViolations(true, true, false));
        assertNull(ReclaimSpec.kswapdViolations(true, false, true));
        assertNull(ReclaimSpec.kswapdViolations(false, false, false));
        assertNotNull(ReclaimSpec.kswapdViolations(true, false, false));
        assertNotNull(ReclaimSpec.kswapdViolations(false, true, false));
        assertNotNull(ReclaimSpec.kswapdViolations(false, false, true));
    }

    @Test
    void aRefaultIsActivatedExactlyWithinTheWorkingset() {
        for (long d = 0; d < 8; d++) {
            for (long ws = 0; ws < 8; ws++) {
                boolean within = d <= ws;
                assertEquals(List.of(), ReclaimSpec.refaultViolations(List.of(new ReclaimSpec.Refault(9, d, ws, within))));
                assertEquals(1, ReclaimSpec.refaultViolations(List.of(new ReclaimSpec.Refault(9, d, ws, !within))).size());
            }
        }
    }
}
