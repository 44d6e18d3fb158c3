package org.mmspec.spec.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.mmspec.spec.rmap.RmapSpec.Mapping;

/**
 * KSM's laws on hand-made observations: the issue's example (600 equal pages at the default limit
 * give 3 shared, 597 sharing, 1 chain, 3 dups), the bound on sharing, mergeability, when the
 * steady state applies, and the promises of writes and unmerging.
 */
class KsmSpecTest {
    /** pid 1's pages 0..n-1, mergeable, all of value v, mapped by frames: pages [0, 256) on frame 1000, etc. */
    static KsmSpec.Observation groups(int n, int max, long v, Map<String, Long> counters) {
        Map<Mapping, Long> values = new TreeMap<>();
        Map<Mapping, Long> frames = new TreeMap<>();
        Set<Long> ksm = new TreeSet<>();
        for (int p = 0; p < n; p++) {
            Mapping m = new Mapping(1, p);
            values.put(m, v);
            frames.put(m, 1000L + p / max);
            ksm.add(1000L + p / max);
        }
        Set<Long> mergeable = new TreeSet<>();
        for (long p = 0; p < n; p++) mergeable.add(p);
        return new KsmSpec.Observation(values, frames, ksm, Set.of(), Map.of(1, mergeable), counters, false);
    }

    static Map<String, Long> counters(long shared, long sharing, long unshared, long volatil, long chains, long dups, long zero,
                                      long profit) {
        Map<String, Long> c = new HashMap<>();
        c.put("pages_shared", shared);
        c.put("pages_sharing", sharing);
        c.put("pages_unshared", unshared);
        c.put("pages_volatile", volatil);
        c.put("stable_node_chains", chains);
        c.put("stable_node_dups", dups);
        c.put("ksm_zero_pages", zero);
        c.put("general_profit", profit);
        return c;
    }

    static KsmSpec steady(int n) {
        KsmSpec s = new KsmSpec();
        s.sysfs("run", "1", 0, 0, false);
        s.sysfs("smart_scan", "0", 0, 0, false);
        Set<Long> pages = new TreeSet<>();
        for (long p = 0; p < n; p++) pages.add(p);
        assertNull(s.madvise(1, 0, n, true, 0, pages, pages, false));
        s.scanned(1);
        s.scanned(1);
        s.scanned(1);
        return s;
    }

    @Test
    void theIssuesExampleAtTheDefaultLimit() {
        KsmSpec s = steady(600);
        assertEquals(2, s.steadyAfter());
        long profit = 597 * 4096L - 600 * 64L;
        assertEquals(List.of(), s.check(groups(600, 256, 7, counters(3, 597, 0, 0, 1, 3, 0, profit))));
        List<String> bad = s.check(groups(600, 256, 7, counters(3, 596, 0, 0, 1, 3, 0, profit)));
        assertTrue(bad.stream().anyMatch(v -> v.contains("pages_sharing is 596")), bad.toString());
        List<String> chains = s.check(groups(600, 256, 7, counters(3, 597, 0, 0, 0, 0, 0, profit)));
        assertTrue(chains.stream().anyMatch(v -> v.contains("stable_node_chains 0")), chains.toString());
    }

    @Test
    void noFrameIsSharedBeyondMaxPageSharing() {
        KsmSpec s = steady(600);
        List<String> v = s.check(groups(600, 300, 7, counters(2, 598, 0, 0, 1, 2, 0, 0)));
        assertTrue(v.stream().anyMatch(x -> x.contains("more than max_page_sharing 256")), v.toString());
    }

    @Test
    void onlyMergeableMappingsAreMergedAndMergeabilityIsTheInterfaces() {
        KsmSpec s = new KsmSpec();
        KsmSpec.Observation o = groups(4, 4, 7, counters(1, 3, 0, 0, 0, 0, 0, 0));
        List<String> v = s.check(o);
        assertTrue(v.stream().anyMatch(x -> x.contains("never asked for")), v.toString());
        assertTrue(v.stream().anyMatch(x -> x.contains("neither mergeable nor shared through fork")), v.toString());
    }

    @Test
    void theSteadyStateWaitsForTwoQuietScansThreeWithForkSharesAndNoneWithSmartScan() {
        KsmSpec s = new KsmSpec();
        s.sysfs("run", "1", 0, 0, false);
        s.sysfs("smart_scan", "0", 0, 0, false);
        Set<Long> pages = Set.of(0L, 1L);
        s.madvise(1, 0, 2, true, 0, pages, pages, false);
        // two unmerged frames of one content: fine until two quiet scans have passed
        Map<Mapping, Long> values = Map.of(new Mapping(1, 0), 7L, new Mapping(1, 1), 7L);
        Map<Mapping, Long> frames = Map.of(new Mapping(1, 0), 1L, new Mapping(1, 1), 2L);
        KsmSpec.Observation o = new KsmSpec.Observation(values, frames, Set.of(), Set.of(), Map.of(1, pages),
                counters(0, 0, 0, 2, 0, 0, 0, -128), false);
        s.scanned(1);
        assertEquals(List.of(), s.check(o));
        s.scanned(1);
        assertTrue(s.check(o).stream().anyMatch(x -> x.contains("still unmerged")));
        // a disturbance while a scan is in progress: that scan does not count
        s.disturb(true);
        s.scanned(2);
        assertEquals(1, s.quiet());
        assertEquals(List.of(), s.check(o));
        s.sysfs("smart_scan", "1", 0, 0, false);
        s.scanned(5);
        assertEquals(List.of(), s.check(o), "smart scan may keep them apart");
        // a fork share makes it three
        KsmSpec f = new KsmSpec();
        f.sysfs("run", "1", 0, 0, false);
        f.sysfs("smart_scan", "0", 0, 0, false);
        f.madvise(1, 0, 2, true, 0, pages, pages, false);
        f.fork(1, 2, true, pages, 0, false);
        assertEquals(3, f.steadyAfter());
    }

    @Test
    void aWriteAndAnUnmergePromiseNoKsmMappingAfterwards() {
        KsmSpec s = new KsmSpec();
        Set<Long> pages = Set.of(0L, 1L);
        s.madvise(1, 0, 2, true, 0, pages, pages, false);
        KsmSpec.Observation merged = new KsmSpec.Observation(Map.of(new Mapping(1, 0), 7L, new Mapping(1, 1), 7L),
                Map.of(new Mapping(1, 0), 5L, new Mapping(1, 1), 5L), Set.of(5L), Set.of(), Map.of(1, pages),
                counters(1, 1, 0, 0, 0, 0, 0, 0), false);
        s.beginStep();
        s.write(1, 0, false);
        assertTrue(s.check(merged).stream().anyMatch(x -> x.contains("still maps a KSM page")));
        s.beginStep();
        assertNull(s.madvise(1, 0, 2, false, 0, pages, Set.of(), false));
        KsmSpec.Observation after = new KsmSpec.Observation(merged.values(), merged.frames(), merged.ksmFrames(), Set.of(), Map.of(),
                merged.counters(), false);
        assertTrue(s.check(after).stream().anyMatch(x -> x.contains("after MADV_UNMERGEABLE succeeded")));
        s.beginStep();
        assertTrue(s.check(after).stream().noneMatch(x -> x.contains("MADV_UNMERGEABLE")), "a promise is checked once");
    }

    @Test
    void maxPageSharingMayOnlyChangeWithoutKsmPages() {
        KsmSpec s = new KsmSpec();
        assertTrue(s.sysfs("max_page_sharing", "2", 0, 5, false).contains("-EBUSY"));
        assertNull(s.sysfs("max_page_sharing", "2", -16, 5, false));
        assertNull(s.sysfs("max_page_sharing", "3", 0, 0, false));
        assertEquals(3, s.maxPageSharing());
    }

    @Test
    void aFailedForkMayLoseZeroPagesFromTheCounterButNoMore() {
        KsmSpec s = new KsmSpec();
        Set<Long> pages = Set.of(0L, 1L);
        s.madvise(1, 0, 2, true, 0, pages, pages, false);
        Set<Mapping> zero = Set.of(new Mapping(1, 0), new Mapping(1, 1));
        KsmSpec.Observation o = new KsmSpec.Observation(Map.of(new Mapping(1, 0), 0L, new Mapping(1, 1), 0L), Map.of(), Set.of(), zero,
                Map.of(1, pages), counters(0, 0, 0, 0, 0, 0, 0, 0), false);
        assertTrue(s.check(o).stream().anyMatch(x -> x.contains("ksm_zero_pages is 0")));
        s.fork(1, 2, false, pages, 2, false);
        assertEquals(List.of(), s.check(o));
    }

    // The spec reads an accepted boolean knob as lib/kstrtox.c kstrtobool() does: the first
    // character, and for 'o' the second; "onx" is true and "of" false, whatever follows.
    @Test
    void booleanKnobsReadAsKstrtobool() {
        for (String t : List.of("1", "y", "Yes", "t", "True\n", "on", "ON", "oN", "onx", "1 ")) {
            assertTrue(KsmSpec.bool(t), t);
        }
        for (String f : List.of("0", "n", "No", "f", "false", "of", "off", "OFF", "")) {
            assertEquals(false, KsmSpec.bool(f), f);
        }
    }
}
