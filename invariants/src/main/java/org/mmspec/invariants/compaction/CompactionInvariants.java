package org.mmspec.invariants.compaction;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;
import org.mmspec.invariants.rmap.RmapInvariants;
import org.mmspec.invariants.rmap.RmapState;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.compaction.CompactControl;
import org.mmspec.reference.compaction.Compaction;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.rmap.Migration;
import org.mmspec.reference.rmap.MmStruct;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.spec.compaction.CompactionSpec;
import org.mmspec.spec.compaction.CompactionSpec.Block;

/**
 * Compaction's and migration's invariants, each citing where Linux v6.18 states or relies on it,
 * followed by the rmap's and the allocator's, which must keep holding while pages move.
 * Violations name pfns in hex and the zone; the diagram draws them in red.
 */
public final class CompactionInvariants {
    private CompactionInvariants() {}

    static final String SUB = "compaction";
    static final int MAX_REPORTED = 4;

    public static List<Invariant<CompactionState>> all() {
        List<Invariant<CompactionState>> l = new ArrayList<>(List.of(
                Invariant.of("COMPACT-SCANNER-BOUNDS", SUB,
                        "Both scanners stay in their zone: zone_start_pfn <= migrate_pfn <= zone_end_pfn and free_pfn <= "
                                + "zone_end_pfn, after every round and between the rounds of a run in progress.",
                        "mm/compaction.c:compact_zone, isolate_migratepages, isolate_freepages_block (v6.18): \"Be careful "
                                + "to not go outside of the pageblock\"",
                        CompactionInvariants::scannerBounds),
                Invariant.of("COMPACT-SCANNER-MONOTONIC", SUB,
                        "Within a run the migration scanner never moves down and the free scanner never moves up a pageblock.",
                        "mm/compaction.c:isolate_migratepages, isolate_freepages (v6.18): the migration scanner rises from "
                                + "the zone start, the free scanner falls from its end, a pageblock at a time",
                        CompactionInvariants::scannerMonotonic),
                Invariant.of("COMPACT-PROGRESS", SUB,
                        "Every round that does not end its run moves the migration scanner up, so a run ends within as "
                                + "many rounds as its zone has pages; no run is left repeating a round that changes nothing.",
                        "mm/compaction.c:compact_scanners_met, compact_zone (v6.18); f2849aa09d4f (v4.3) \"mm, compaction: "
                                + "more robust check for scanners meeting\"",
                        CompactionInvariants::progress),
                Invariant.of("COMPACT-END", SUB,
                        "A run ends with its scanners met in one pageblock (COMPACT_COMPLETE, COMPACT_PARTIAL_SKIPPED) or "
                                + "for a stated reason (COMPACT_SUCCESS, COMPACT_CONTENDED, COMPACT_SKIPPED, ...); "
                                + "COMPACT_SUCCESS of an order run means a free block of that order or more, or a captured one.",
                        "mm/compaction.c:__compact_finished, compact_zone_order (v6.18)",
                        CompactionInvariants::end),
                Invariant.of("COMPACT-ISOLATED", SUB,
                        "No page is both isolated and free: every block compaction holds on cc->freepages is off the buddy "
                                + "lists, unreferenced, of the order its list says, and counted in nr_freepages; no other page "
                                + "is held so; no folio stays isolated for migration between rounds.",
                        "mm/compaction.c:isolate_freepages_block, compaction_alloc, release_free_list, compact_zone "
                                + "(v6.18): VM_BUG_ON(!list_empty(&cc->migratepages))",
                        CompactionInvariants::isolated),
                Invariant.of("MIGRATE-ENTRIES", SUB,
                        "Migration entries exist only while a migration is in flight: every migration entry names a folio "
                                + "isolated for migration, which is off the LRU and mapped by no present PTE.",
                        "mm/migrate.c:migrate_folio_unmap, remove_migration_ptes (v6.18); mm/rmap.c:try_to_migrate_one (v6.18)",
                        CompactionInvariants::migrationEntries),
                Invariant.of(CompactionOps.PRESERVES, SUB,
                        "A migration or compaction step only renames frames: every (process, page) mapping stays populated "
                                + "and reads what it read, mappings that shared a frame still share one, and no two frames "
                                + "become one.",
                        "mm/migrate.c:migrate_folio_move, move_to_new_folio, remove_migration_ptes (v6.18); spec/README.md, "
                                + "Migration and compaction, law 1",
                        (s, out) -> pending(s, out, CompactionOps.PRESERVES)),
                Invariant.of("COMPACT-UNMOVABLE", SUB,
                        "Unmovable pages never move: every kernel allocation is still allocated at its pfn with its order.",
                        "mm/compaction.c:isolate_migratepages_block (v6.18): a page neither on the LRU nor movable_ops is "
                                + "isolate_fail; spec/README.md, Migration and compaction, law 2",
                        CompactionInvariants::unmovable),
                Invariant.of(CompactionOps.CONSERVED, SUB,
                        "Compaction frees no page that was allocated and allocates none that was free: free pages (isolated "
                                + "ones included) and allocated pages keep their numbers across a compacting step, but for the "
                                + "block an allocation took.",
                        "mm/compaction.c:compaction_alloc, compaction_free, release_free_list (v6.18); mm/page_alloc.c:"
                                + "compaction_capture (v6.18); spec/README.md, Migration and compaction, law 3",
                        (s, out) -> pending(s, out, CompactionOps.CONSERVED)),
                Invariant.of("COMPACT-DEFER", SUB,
                        "Deferral stays in its bounds: compact_defer_shift <= COMPACT_MAX_DEFER_SHIFT (6) and "
                                + "compact_considered <= 1 << compact_defer_shift.",
                        "mm/compaction.c:defer_compaction, compaction_deferred (v6.18): \"Do not skip compaction more than "
                                + "64 times\"",
                        CompactionInvariants::defer)));
        for (Invariant<RmapState> inv : RmapInvariants.all()) {
            l.add(Invariant.of(inv.id(), inv.subsystem(), inv.statement(), inv.citation(), (s, out) -> inv.check(s.rmap, out)));
        }
        return l;
    }

    static void pending(CompactionState s, List<Violation> out, String id) {
        for (Violation v : s.pending) if (v.invariantId().equals(id)) out.add(v);
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    private static void add(List<Violation> out, String id, List<String> messages, String zone, long... pfns) {
        for (String m : messages) {
            if (out.size() >= MAX_REPORTED) return;
            Long[] boxed = new Long[pfns.length];
            for (int i = 0; i < pfns.length; i++) boxed[i] = pfns[i];
            out.add(new Violation(id, m, List.of(boxed), List.of(zone)));
        }
    }

    /** The run in progress as a round: where its scanners are now. */
    private static CompactionSpec.Round current(CompactionState s) {
        CompactControl cc = s.compaction().current();
        if (cc == null) return null;
        return new CompactionSpec.Round(cc.zone.name(), cc.zone.zoneStartPfn, cc.zone.zoneEndPfn(),
                s.machine.config().pageblockOrder(), cc.rounds, cc.migrate_pfn, cc.free_pfn, cc.migrate_pfn, cc.free_pfn, false,
                "running");
    }

    // ------------------------------------------------------------------ the scanners

    static void scannerBounds(CompactionState s, List<Violation> out) {
        for (CompactionState.RoundRecord r : s.rounds) {
            add(out, "COMPACT-SCANNER-BOUNDS", CompactionSpec.boundsViolations(r.round()), r.round().zone(),
                    r.round().migrateAfter(), r.round().freeAfter());
        }
        CompactionSpec.Round c = current(s);
        if (c != null) add(out, "COMPACT-SCANNER-BOUNDS", CompactionSpec.boundsViolations(c), c.zone(), c.migrateAfter(), c.freeAfter());
    }

    static void scannerMonotonic(CompactionState s, List<Violation> out) {
        for (CompactionState.RoundRecord r : s.rounds) {
            add(out, "COMPACT-SCANNER-MONOTONIC", CompactionSpec.monotonicViolations(r.round()), r.round().zone(),
                    r.round().migrateBefore(), r.round().migrateAfter(), r.round().freeAfter());
        }
    }

    static void progress(CompactionState s, List<Violation> out) {
        int before = out.size();
        for (CompactionState.RoundRecord r : s.rounds) {
            add(out, "COMPACT-PROGRESS", CompactionSpec.progressViolations(r.round()), r.round().zone(),
                    r.round().migrateAfter(), r.round().freeAfter());
        }
        CompactControl cc = s.compaction().current();
        if (cc == null) return;
        if (cc.stalled && out.size() == before) {
            out.add(new Violation("COMPACT-PROGRESS", cc.zone.name() + " round " + cc.rounds + " left the run where it was "
                    + "(migrate_pfn " + hex(cc.migrate_pfn) + ", free_pfn " + hex(cc.free_pfn) + ") without ending it",
                    List.of(cc.migrate_pfn, cc.free_pfn), List.of(cc.zone.name())));
        }
        add(out, "COMPACT-PROGRESS", CompactionSpec.progressViolations(current(s)).stream()
                .filter(m -> m.contains("more rounds")).toList(), cc.zone.name(), cc.migrate_pfn);
    }

    static void end(CompactionState s, List<Violation> out) {
        for (CompactionState.RoundRecord r : s.rounds) {
            if (!r.round().ended()) continue;
            add(out, "COMPACT-END", CompactionSpec.endViolations(r.round()), r.round().zone(), r.round().migrateAfter(),
                    r.round().freeAfter());
            if (r.round().result().equals("COMPACT_SUCCESS") && !r.successJustified() && out.size() < MAX_REPORTED) {
                out.add(new Violation("COMPACT-END", r.round().zone() + " run for order " + r.order() + " ended COMPACT_SUCCESS "
                        + "in round " + r.round().index() + " but the zone has no free block of order " + r.order()
                        + " or more and none was captured", List.of(r.round().migrateAfter()), List.of(r.round().zone())));
            }
        }
    }

    // ------------------------------------------------------------------ isolation

    static void isolated(CompactionState s, List<Violation> out) {
        Machine m = s.machine;
        MemMap mem = m.mem();
        CompactControl cc = s.compaction().current();
        TreeSet<Long> held = new TreeSet<>();
        String zone = cc == null ? "" : cc.zone.name();
        if (cc != null) {
            long pages = 0;
            for (int o = 0; o < cc.freepages.size(); o++) {
                ArrayDeque<Long> list = cc.freepages.get(o);
                for (long pfn : list) {
                    pages += 1L << o;
                    held.add(pfn);
                    int p = mem.idx(pfn);
                    int f = mem.flags[p];
                    String why = null;
                    if ((f & PageFlags.PGTY_buddy) != 0 || mem.onList(p)) why = "is also on a buddy free list";
                    else if ((f & PageFlags.MODEL_COMPACT_FREE) == 0) why = "is not marked isolated";
                    else if ((f & PageFlags.MODEL_ALLOC_HEAD) != 0 || mem.refcount[p] != 0) why = "is allocated (refcount "
                            + mem.refcount[p] + ")";
                    else if (mem.order[p] != o) why = "has page_private " + mem.order[p];
                    else if (!cc.zone.spansPfn(pfn)) why = "is outside " + cc.zone.name();
                    if (why != null && out.size() < MAX_REPORTED) {
                        out.add(new Violation("COMPACT-ISOLATED", "the free block " + hex(pfn) + " on cc->freepages[" + o + "] "
                                + why, List.of(pfn), List.of(zone)));
                    }
                    for (long t = pfn + 1; t < pfn + (1L << o) && t < mem.endPfn(); t++) {
                        int tp = mem.idx(t);
                        if ((mem.flags[tp] & (PageFlags.PGTY_buddy | PageFlags.MODEL_ALLOC_HEAD | PageFlags.MODEL_COMPACT_FREE)) != 0
                                && out.size() < MAX_REPORTED) {
                            out.add(new Violation("COMPACT-ISOLATED", "pfn " + hex(t) + " inside the isolated free block " + hex(pfn)
                                    + " of order " + o + " is " + PageFlags.describe(mem.flags[tp]), List.of(pfn, t), List.of(zone)));
                        }
                    }
                }
            }
            if (pages != cc.nr_freepages) {
                out.add(new Violation("COMPACT-ISOLATED", zone + " cc->nr_freepages is " + cc.nr_freepages + " but cc->freepages "
                        + "holds " + pages + " pages", List.of(), List.of(zone)));
            }
            if (!cc.migratepages.isEmpty() || cc.nr_migratepages != 0) {
                out.add(new Violation("COMPACT-ISOLATED", zone + " has " + cc.migratepages.size() + " folios (nr_migratepages "
                        + cc.nr_migratepages + ") isolated for migration between rounds", List.copyOf(cc.migratepages),
                        List.of(zone)));
            }
        }
        for (int i = 0; i < mem.nrPages() && out.size() < MAX_REPORTED; i++) {
            if ((mem.flags[i] & PageFlags.MODEL_COMPACT_FREE) != 0 && !held.contains(mem.pfn(i))) {
                out.add(new Violation("COMPACT-ISOLATED", "pfn " + hex(mem.pfn(i)) + " is held isolated by compaction, but on "
                        + (cc == null ? "no run in progress" : "none of the run's free lists") + ": it is lost to the allocator",
                        List.of(mem.pfn(i)), List.of()));
            }
        }
    }

    // ------------------------------------------------------------------ migration entries

    static void migrationEntries(CompactionState s, List<Violation> out) {
        Rmap r = s.machine.rmap();
        MemMap mem = r.mem();
        for (MmStruct mm : r.tasks().values()) {
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                long pte = e.getValue();
                if (!Pte.migration(pte)) continue;
                long pfn = Pte.pfn(pte);
                if (!r.migrations().containsKey(pfn) && out.size() < MAX_REPORTED) {
                    out.add(new Violation("MIGRATE-ENTRIES", "pid " + mm.pid + " page " + hex(e.getKey()) + " holds a migration "
                            + "entry for pfn " + hex(pfn) + ", which no migration in flight isolated", List.of(pfn),
                            List.of(mm.name())));
                }
            }
        }
        for (Migration m : r.migrations().values()) {
            long pfn = m.src();
            int p = mem.idx(pfn);
            String why = null;
            if ((mem.flags[p] & PageFlags.PG_lru) != 0) why = "is on the LRU";
            else if (mem.mapcountOf(p) != 0) why = "is still mapped by " + mem.mapcountOf(p) + " present PTE(s)";
            else if ((mem.flags[p] & PageFlags.MODEL_ALLOC_HEAD) == 0) why = "is not an allocated page";
            if (why != null && out.size() < MAX_REPORTED) {
                out.add(Violation.of("MIGRATE-ENTRIES", "pfn " + hex(pfn) + " is isolated for migration to " + hex(m.dst())
                        + " but " + why, pfn));
            }
        }
    }

    // ------------------------------------------------------------------ unmovable pages, deferral

    static void unmovable(CompactionState s, List<Violation> out) {
        if (s.allocations.isEmpty()) return;
        MemMap mem = s.machine.mem();
        for (Block b : CompactionAbstraction.unmovable(s)) {
            if (out.size() >= MAX_REPORTED) return;
            int p = mem.idx(b.pfn());
            boolean there = (mem.flags[p] & PageFlags.MODEL_ALLOC_HEAD) != 0 && mem.order[p] == b.order();
            Set<Block> allocated = there ? Set.of(b) : Set.of();
            for (String v : CompactionSpec.unmovableViolations(Set.of(b), allocated)) {
                out.add(Violation.of("COMPACT-UNMOVABLE", v + " (pfn " + hex(b.pfn()) + " is " + PageFlags.describe(mem.flags[p])
                        + ")", b.pfn()));
            }
            for (long pfn = b.pfn(); pfn < b.pfn() + (1L << b.order()); pfn++) {
                if (s.machine.rmap().contents().containsKey(pfn) && out.size() < MAX_REPORTED) {
                    out.add(Violation.of("COMPACT-UNMOVABLE", "pfn " + hex(pfn) + " of the unmovable block " + b
                            + " holds a process's anonymous page", pfn));
                }
            }
        }
    }

    static void defer(CompactionState s, List<Violation> out) {
        for (Zone z : s.machine.node().zones) {
            if (!z.populated()) continue;
            if (z.compactDeferShift < 0 || z.compactDeferShift > Compaction.COMPACT_MAX_DEFER_SHIFT) {
                out.add(new Violation("COMPACT-DEFER", z.name() + " compact_defer_shift is " + z.compactDeferShift + ", outside 0.."
                        + Compaction.COMPACT_MAX_DEFER_SHIFT, List.of(), List.of(z.name())));
            } else if (z.compactConsidered < 0 || z.compactConsidered > 1L << z.compactDeferShift) {
                out.add(new Violation("COMPACT-DEFER", z.name() + " compact_considered is " + z.compactConsidered + ", above 1 << "
                        + z.compactDeferShift, List.of(), List.of(z.name())));
            }
        }
    }
}
