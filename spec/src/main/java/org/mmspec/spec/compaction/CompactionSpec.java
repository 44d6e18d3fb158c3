package org.mmspec.spec.compaction;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.mmspec.spec.rmap.RmapSpec.Mapping;

/**
 * The policy-free specification of page migration and memory compaction (spec/README.md,
 * "Migration and compaction"): what any correct implementation guarantees, whatever pages it
 * chooses to move and wherever it puts them. Each law takes what an implementation exposes before
 * and after a step and returns the violations in words (pfns in hex), or an empty list.
 *
 * <ol>
 *   <li>{@link #migrationViolations}: a migration (and so a compaction step) renames frames: there
 *       is an injective {@code σ} on frames with {@code PT' = σ ∘ PT} and {@code C'(σ(f)) = C(f)}.
 *       Every (process, page) mapping stays, reads what it read, and mappings that shared a frame
 *       still share one; no two frames become one.</li>
 *   <li>{@link #unmovableViolations}: an unmovable allocation (not on the LRU: kernel memory)
 *       keeps its frames.</li>
 *   <li>{@link #conservationViolations}: compaction frees no page that was allocated and allocates
 *       none that was free: the free pages (counting those the compactor holds isolated) and the
 *       allocated pages keep their numbers, except for a block handed to the allocation that asked
 *       for it.</li>
 *   <li>{@link #roundViolations}: the migration scanner never goes down, the free scanner never
 *       goes up a pageblock, both stay inside the zone, and a round that does not end the run moves
 *       the migration scanner up: a run ends within as many rounds as the zone has pages, with the
 *       scanners met (in one pageblock) or a stated reason ({@link #endViolations}).</li>
 * </ol>
 */
public final class CompactionSpec {
    private CompactionSpec() {}

    /** Why a run may end without its scanners meeting (enum compact_result's names). */
    public static final Set<String> STATED_REASONS = Set.of("COMPACT_SUCCESS", "COMPACT_CONTENDED", "COMPACT_SKIPPED",
            "COMPACT_NOT_SUITABLE_ZONE", "COMPACT_DEFERRED");

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /**
     * Law 1. {@code ptBefore}/{@code ptAfter}: every populated mapping and the frame backing it;
     * {@code contentBefore}/{@code contentAfter}: each frame's content.
     */
    public static List<String> migrationViolations(Map<Mapping, Long> ptBefore, Map<Long, Long> contentBefore,
                                                   Map<Mapping, Long> ptAfter, Map<Long, Long> contentAfter) {
        List<String> out = new ArrayList<>();
        TreeMap<Long, Long> sigma = new TreeMap<>();
        TreeMap<Long, Long> inverse = new TreeMap<>();
        for (Map.Entry<Mapping, Long> e : new TreeMap<>(ptBefore).entrySet()) {
            Mapping m = e.getKey();
            long f = e.getValue();
            Long g = ptAfter.get(m);
            if (g == null) {
                out.add(m + " was backed by frame " + hex(f) + " and is no longer populated");
                continue;
            }
            Long was = contentBefore.get(f);
            Long now = contentAfter.get(g);
            if (was == null ? now != null : !was.equals(now)) {
                out.add(m + " read " + was + " from frame " + hex(f) + " and now reads " + now + " from frame " + hex(g));
            }
            Long prev = sigma.putIfAbsent(f, g);
            if (prev != null && !prev.equals(g)) {
                out.add("frame " + hex(f) + " was shared, and its mappings now use frames " + hex(prev) + " and " + hex(g)
                        + " (" + m + " among them)");
            }
            Long back = inverse.putIfAbsent(g, f);
            if (back != null && back.longValue() != f) {
                out.add("frames " + hex(back) + " and " + hex(f) + " both became frame " + hex(g) + " (" + m + ")");
            }
        }
        for (Mapping m : new TreeSet<>(ptAfter.keySet())) {
            if (!ptBefore.containsKey(m)) out.add(m + " became populated (frame " + hex(ptAfter.get(m)) + ") by a migration");
        }
        return out;
    }

    /** One allocated block: its first frame and its order. */
    public record Block(long pfn, int order) implements Comparable<Block> {
        @Override
        public int compareTo(Block o) {
            int c = Long.compare(pfn, o.pfn);
            return c != 0 ? c : Integer.compare(order, o.order);
        }

        @Override
        public String toString() {
            return hex(pfn) + " order " + order;
        }
    }

    /** Law 2: every unmovable block allocated before is still allocated, at the same frames, after. */
    public static List<String> unmovableViolations(Set<Block> unmovableBefore, Set<Block> allocatedAfter) {
        List<String> out = new ArrayList<>();
        for (Block b : new TreeSet<>(unmovableBefore)) {
            if (!allocatedAfter.contains(b)) out.add("the unmovable block " + b + " is no longer allocated there");
        }
        return out;
    }

    /**
     * Law 3: {@code free} counts free pages plus the free pages a compactor holds isolated;
     * {@code allocated} the allocated pages. {@code handedOut} is what the step's own allocation
     * took (2^order when an allocation succeeded, else 0).
     */
    public static List<String> conservationViolations(long freeBefore, long allocatedBefore, long freeAfter,
                                                      long allocatedAfter, long handedOut) {
        List<String> out = new ArrayList<>();
        if (freeAfter != freeBefore - handedOut) {
            out.add("the free pages (isolated ones included) went from " + freeBefore + " to " + freeAfter
                    + (handedOut > 0 ? " while the allocation took " + handedOut : "")
                    + ": compaction " + (freeAfter > freeBefore - handedOut ? "freed an allocated page" : "allocated a free page"));
        }
        if (allocatedAfter != allocatedBefore + handedOut) {
            out.add("the allocated pages went from " + allocatedBefore + " to " + allocatedAfter
                    + (handedOut > 0 ? " while the allocation took " + handedOut : ""));
        }
        return out;
    }

    /**
     * One round of a compaction run as the spec sees it: the zone [zoneStart, zoneEnd), the
     * pageblock size 2^pageblockOrder, both scanners before and after, and whether the round ended
     * the run and how.
     */
    public record Round(String zone, long zoneStart, long zoneEnd, int pageblockOrder, int index, long migrateBefore,
                        long freeBefore, long migrateAfter, long freeAfter, boolean ended, String result) {}

    /** Law 4 for one round (see the class comment): bounds, monotonicity, progress and, at the end, the reason. */
    public static List<String> roundViolations(Round r) {
        List<String> out = new ArrayList<>(boundsViolations(r));
        out.addAll(monotonicViolations(r));
        out.addAll(progressViolations(r));
        if (r.ended()) out.addAll(endViolations(r));
        return out;
    }

    private static String where(Round r) {
        return r.zone() + (r.index() == 0 ? " run start: " : " round " + r.index() + ": ");
    }

    /** Both scanners inside the zone: zone_start &lt;= migrate_pfn &lt;= zone_end, free_pfn &lt;= zone_end. */
    public static List<String> boundsViolations(Round r) {
        List<String> out = new ArrayList<>();
        if (r.migrateAfter() < r.zoneStart() || r.migrateAfter() > r.zoneEnd()) {
            out.add(where(r) + "migrate_pfn " + hex(r.migrateAfter()) + " left the zone [" + hex(r.zoneStart()) + ", "
                    + hex(r.zoneEnd()) + ")");
        }
        if (r.freeAfter() > r.zoneEnd()) {
            out.add(where(r) + "free_pfn " + hex(r.freeAfter()) + " is past the zone end " + hex(r.zoneEnd()));
        }
        return out;
    }

    /** The migration scanner never goes down, the free scanner never goes up a pageblock. */
    public static List<String> monotonicViolations(Round r) {
        List<String> out = new ArrayList<>();
        if (r.migrateAfter() < r.migrateBefore()) {
            out.add(where(r) + "the migration scanner went down from " + hex(r.migrateBefore()) + " to " + hex(r.migrateAfter()));
        }
        if (r.freeAfter() >> r.pageblockOrder() > r.freeBefore() >> r.pageblockOrder()) {
            out.add(where(r) + "the free scanner went up a pageblock, from " + hex(r.freeBefore()) + " to " + hex(r.freeAfter()));
        }
        return out;
    }

    /**
     * A round that does not end the run moves the migration scanner up (the run start, index 0,
     * is not a round), so a run ends within zoneEnd - zoneStart + 1 rounds.
     */
    public static List<String> progressViolations(Round r) {
        List<String> out = new ArrayList<>();
        if (r.index() > 0 && !r.ended() && r.migrateAfter() <= r.migrateBefore()) {
            out.add(where(r) + "the run goes on but the migration scanner stayed at " + hex(r.migrateAfter()) + " (free_pfn "
                    + hex(r.freeAfter()) + "): the next round starts from the same state, so the run never ends");
        }
        if (r.index() > r.zoneEnd() - r.zoneStart() + 1) {
            out.add(where(r) + "more rounds than the zone has pages (" + (r.zoneEnd() - r.zoneStart()) + ")");
        }
        return out;
    }

    /** Whether the scanners are in one pageblock or crossed. */
    public static boolean scannersMet(long migratePfn, long freePfn, int pageblockOrder) {
        return freePfn >> pageblockOrder <= migratePfn >> pageblockOrder;
    }

    /** A run ends with its scanners met (COMPACT_COMPLETE, COMPACT_PARTIAL_SKIPPED) or a stated reason. */
    public static List<String> endViolations(Round r) {
        List<String> out = new ArrayList<>();
        boolean met = scannersMet(r.migrateAfter(), r.freeAfter(), r.pageblockOrder());
        String res = r.result();
        if (res.equals("COMPACT_COMPLETE") || res.equals("COMPACT_PARTIAL_SKIPPED")) {
            if (!met) {
                out.add(r.zone() + " run ended " + res + " in round " + r.index() + " but its scanners did not meet: migrate_pfn "
                        + hex(r.migrateAfter()) + ", free_pfn " + hex(r.freeAfter()));
            }
        } else if (!STATED_REASONS.contains(res)) {
            out.add(r.zone() + " run ended in round " + r.index() + " with " + res + ", neither scanners met nor a stated reason");
        }
        return out;
    }
}
