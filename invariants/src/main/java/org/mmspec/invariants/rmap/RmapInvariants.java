package org.mmspec.invariants.rmap;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;
import org.mmspec.invariants.buddy.BuddyInvariants;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.rmap.AnonVma;
import org.mmspec.reference.rmap.AnonVmaChain;
import org.mmspec.reference.rmap.Migration;
import org.mmspec.reference.rmap.MmStruct;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.reference.rmap.VmAreaStruct;
import org.mmspec.spec.rmap.RmapSpec;
import org.mmspec.spec.rmap.RmapSpec.Mapping;

/**
 * The reverse map's invariants, each citing where Linux v6.18 states or relies on it, followed by
 * the allocator's own invariants that must keep holding with anonymous pages in play. Violations
 * name pfns in hex and the objects involved as {@code anon_vma#3}, {@code avc#7},
 * {@code vma#2}, {@code mm#1}, which the diagram draws in red.
 */
public final class RmapInvariants {
    private RmapInvariants() {}

    static final String SUB = "rmap";
    static final int MAX_REPORTED = 4;

    public static List<Invariant<RmapState>> all() {
        List<Invariant<RmapState>> l = new ArrayList<>(List.of(
                Invariant.of("RMAP-WALK-COMPLETE", SUB,
                        "For every anonymous page, rmap_walk() from its anon_vma finds every present PTE and every "
                                + "migration entry that maps it (the reverse map contains the inverse of the page tables).",
                        "mm/rmap.c:rmap_walk_anon, __folio_set_anon (v6.18): \"If the folio isn't exclusive to this vma, "
                                + "we must use the _oldest_ possible anon_vma\"; spec/README.md, Reverse mapping",
                        RmapInvariants::walkComplete),
                Invariant.of("RMAP-WALK-SOUND", SUB,
                        "Every (VMA, address) rmap_walk() visits is a live VMA of a live process with the address inside it "
                                + "(never -EFAULT), no VMA is visited twice, and every mapping the walk reports maps the page.",
                        "mm/rmap.c:rmap_walk_anon (v6.18): VM_BUG_ON_VMA(address == -EFAULT, vma); mm/page_vma_mapped.c:"
                                + "page_vma_mapped_walk (v6.18)",
                        RmapInvariants::walkSound),
                Invariant.of("RMAP-MAPCOUNT", SUB,
                        "An anonymous page's mapcount equals the number of present PTEs mapping it, each mm's "
                                + "MM_ANONPAGES counts its present anonymous PTEs and migration entries, and MM_SWAPENTS its "
                                + "swap entries.",
                        "mm/rmap.c:folio_add_new_anon_rmap, folio_remove_rmap_ptes (v6.18); mm/memory.c:"
                                + "zap_present_folio_ptes (v6.18): print_bad_pte when folio_mapcount(folio) < 0",
                        RmapInvariants::mapcount),
                Invariant.of("RMAP-FOLIO-REFCOUNT", SUB,
                        "An anonymous page's refcount is the number of present PTEs mapping it, plus one while it is "
                                + "isolated for migration, plus one while it is in the swap cache, and a migration's "
                                + "destination page holds exactly one reference.",
                        "mm/memory.c:copy_present_ptes, wp_page_copy (v6.18); mm/migrate.c:migrate_folio_unmap, "
                                + "migrate_folio_move (v6.18); mm/swap_state.c:swap_cache_add_folio (v6.18): "
                                + "folio_ref_add(folio, nr_pages)",
                        RmapInvariants::folioRefcount),
                Invariant.of("RMAP-AVC-LISTS", SUB,
                        "Every anon_vma_chain is on both lists, its VMA's anon_vma_chain and its anon_vma's interval tree "
                                + "under the VMA's current page offsets; a VMA links each anon_vma once, and has chains "
                                + "exactly when it has an anon_vma, which is on them.",
                        "mm/rmap.c:anon_vma_chain_link, unlink_anon_vmas (v6.18); mm/vma.c:"
                                + "anon_vma_interval_tree_pre_update_vma (v6.18)",
                        RmapInvariants::avcLists),
                Invariant.of("RMAP-ROOT", SUB,
                        "An anon_vma's root is its parent's root and a root is its own parent; every anon_vma on a VMA's "
                                + "chain has the root of the VMA's anon_vma.",
                        "mm/rmap.c:anon_vma_alloc, anon_vma_fork (v6.18): anon_vma->root = pvma->anon_vma->root; "
                                + "lock_anon_vma_root (v6.18): WARN_ON_ONCE(root)",
                        RmapInvariants::root),
                Invariant.of("RMAP-COUNTERS", SUB,
                        "num_children is the number of anon_vmas with a non-empty tree whose parent it is (a root counts "
                                + "itself), and num_active_vmas the number of VMAs whose anon_vma it is.",
                        "include/linux/rmap.h:struct anon_vma (v6.18); mm/rmap.c:unlink_anon_vmas (v6.18): "
                                + "VM_WARN_ON(anon_vma->num_children), VM_WARN_ON(anon_vma->num_active_vmas)",
                        RmapInvariants::counters),
                Invariant.of("RMAP-REUSE", SUB,
                        "VMAs that share an anon_vma belong to one mm and are linked to the same anon_vmas, because "
                                + "anon_vma_clone() reuses an anon_vma for a fork only when no VMA uses it and it has at most "
                                + "one child.",
                        "mm/rmap.c:anon_vma_clone (v6.18): \"Reuse existing anon_vma if it has no vma and only one "
                                + "anon_vma child\"; mm/vma.c:anon_vma_merge, is_mergeable_anon_vma (v6.18) rely on it",
                        RmapInvariants::reuse),
                Invariant.of("RMAP-PAGE-MAPPING", SUB,
                        "Every PTE lies in a VMA of its mm, and a page it maps has PAGE_MAPPING_ANON, the root of that "
                                + "VMA's anon_vma, and page->index equal to linear_page_index() there.",
                        "mm/rmap.c:__page_check_anon_rmap (v6.18): VM_BUG_ON_FOLIO(folio_anon_vma(folio)->root != "
                                + "vma->anon_vma->root), VM_BUG_ON_PAGE(page_pgoff(folio, page) != linear_page_index())",
                        RmapInvariants::pageMapping),
                Invariant.of("RMAP-ANON-EXCLUSIVE", SUB,
                        "A PageAnonExclusive page has at most one mapping, and a writable PTE maps a PageAnonExclusive page.",
                        "mm/rmap.c:__folio_add_anon_rmap (v6.18): VM_WARN_ON_FOLIO(PageAnonExclusive(page) && "
                                + "_mapcount > 0); try_to_migrate_one (v6.18): VM_WARN_ON_FOLIO(writable && !anon_exclusive)",
                        RmapInvariants::anonExclusive),
                Invariant.of("RMAP-COW", SUB,
                        "A mapping that can be written without a fault (a writable PTE or migration entry) is the only "
                                + "mapping of its page, so a store is never seen by another process.",
                        "mm/memory.c:__copy_present_ptes (v6.18): \"If it's a COW mapping, write protect it both "
                                + "processes\"; spec/README.md, Reverse mapping",
                        RmapInvariants::cow),
                Invariant.of("RMAP-REFCOUNT", SUB,
                        "A live anon_vma's refcount is 1 while its tree is not empty, plus one per live anon_vma whose root "
                                + "it is, plus one per migration holding it, and never below 1.",
                        "mm/rmap.c:anon_vma_alloc, anon_vma_fork, __put_anon_vma (v6.18); mm/migrate.c:"
                                + "migrate_folio_unmap (v6.18): folio_get_anon_vma()",
                        RmapInvariants::refcount),
                Invariant.of("RMAP-LIFETIME", SUB,
                        "No page is freed while mapped and no anon_vma is freed while referenced: every PTE names an "
                                + "allocated page, and the anon_vmas of VMAs, chains, mapped pages, migrations, and the root "
                                + "(and, while its tree is not empty, the parent) of a live anon_vma are live.",
                        "mm/rmap.c:folio_get_anon_vma (v6.18): \"If this folio is still mapped, then its anon_vma cannot "
                                + "have been freed\"; mm/page_alloc.c:free_pages_prepare (v6.18)",
                        RmapInvariants::lifetime),
                Invariant.of("RMAP-NO-WARN", SUB,
                        "The reference never reaches a VM_BUG_ON, VM_WARN_ON or BUG_ON that the kernel has on the rmap, "
                                + "fault, fork, munmap and migration paths.",
                        "mm/rmap.c, mm/memory.c, mm/vma.c, mm/migrate.c (v6.18), CONFIG_DEBUG_VM assertions",
                        RmapInvariants::noWarn),
                Invariant.of(RmapOps.REJECT_UNCHANGED, SUB,
                        "A rejected operation (an unknown pid, an address no VMA covers, a bad range, exit of init) leaves "
                                + "the state exactly as it was.",
                        "mm/mmap_lock.c:lock_mm_and_find_vma (v6.18): no VMA, the fault is a SIGSEGV; DESIGN.md conventions",
                        (s, out) -> pending(s, out, RmapOps.REJECT_UNCHANGED)),
                Invariant.of(RmapOps.REFINEMENT, SUB,
                        "Every outcome is one the spec allows, and abstracting the reference (each process's mapped pages "
                                + "and the value read through its page tables) gives exactly the spec's state.",
                        "spec/README.md, Reverse mapping: refinement",
                        RmapInvariants::refinement)));
        l.addAll(BuddyInvariants.allocatorInvariants((RmapState s) -> s.machine));
        return l;
    }

    static void pending(RmapState s, List<Violation> out, String id) {
        for (Violation v : s.pending) if (v.invariantId().equals(id)) out.add(v);
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    static String where(Mapping m) {
        return "pid " + m.pid() + " page " + hex(m.page());
    }

    /** Every frame a PTE names, and every anonymous page of the processes. */
    static Set<Long> frames(Rmap r, Map<Mapping, Long> pt) {
        Set<Long> f = new TreeSet<>(r.contents().keySet());
        f.addAll(pt.values());
        return f;
    }

    // ------------------------------------------------------------------ rmap walks

    static void walkComplete(RmapState s, List<Violation> out) {
        Rmap r = s.rmap();
        Map<Mapping, Long> pt = RmapAbstraction.pageTables(r);
        Map<Long, Set<Mapping>> rm = RmapAbstraction.reverseMap(r, new TreeSet<>(pt.values()));
        for (Map.Entry<Mapping, Long> e : pt.entrySet()) {
            long pfn = e.getValue();
            if (rm.get(pfn).contains(e.getKey())) continue;
            Mapping m = e.getKey();
            MmStruct mm = r.task(m.pid());
            VmAreaStruct v = mm.findVma(m.page());
            int av = r.mappingId(pfn);
            List<String> nodes = new ArrayList<>();
            if (av != 0) nodes.add("anon_vma#" + av);
            if (v != null) nodes.add(v.name());
            nodes.add(mm.name());
            out.add(new Violation("RMAP-WALK-COMPLETE", where(m) + " maps pfn " + hex(pfn) + " but rmap_walk() from "
                    + (av == 0 ? "its page->mapping (not anonymous)" : "anon_vma#" + av) + " (index " + hex(r.index(pfn))
                    + ") does not find it" + (v == null ? "" : ": " + v.name() + " is not linked to anon_vma#" + av
                    + " under that index"), List.of(pfn), nodes));
            if (out.size() >= MAX_REPORTED) return;
        }
    }

    static void walkSound(RmapState s, List<Violation> out) {
        Rmap r = s.rmap();
        Map<Mapping, Long> pt = RmapAbstraction.pageTables(r);
        for (long pfn : frames(r, pt)) {
            if (!r.mem().covers(pfn)) continue;
            Set<Integer> seen = new HashSet<>();
            for (Rmap.Mapping c : r.rmapCandidates(pfn)) {
                VmAreaStruct v = c.vma();
                String why = null;
                if (v == null) {
                    why = "an anon_vma_chain with no VMA";
                } else if (r.task(v.mm().pid) != v.mm() || v.mm().vmas().get(v.start()) != v) {
                    why = v.name() + ", which is not a VMA of a live process";
                } else if (c.address() < 0) {
                    why = v.name() + " [" + hex(v.start()) + ", " + hex(v.end()) + ") at -EFAULT: index " + hex(r.index(pfn))
                            + " is outside its page offsets [" + hex(v.pgoff()) + ", " + hex(v.lastPgoff()) + "]";
                } else if (!seen.add(v.id())) {
                    why = v.name() + " twice";
                }
                if (why != null) {
                    List<String> nodes = new ArrayList<>(List.of("anon_vma#" + r.mappingId(pfn)));
                    if (v != null) nodes.add(v.name());
                    out.add(new Violation("RMAP-WALK-SOUND", "rmap_walk() of pfn " + hex(pfn) + " visits " + why, List.of(pfn),
                            nodes));
                    if (out.size() >= MAX_REPORTED) return;
                }
            }
        }
        Map<Long, Set<Mapping>> rm = RmapAbstraction.reverseMap(r, frames(r, pt));
        for (Map.Entry<Long, Set<Mapping>> e : rm.entrySet()) {
            for (Mapping m : e.getValue()) {
                if (!Long.valueOf(e.getKey()).equals(pt.get(m))) {
                    out.add(Violation.of("RMAP-WALK-SOUND", "rmap_walk() of pfn " + hex(e.getKey()) + " reports " + where(m)
                            + ", whose page table does not map it", e.getKey()));
                    if (out.size() >= MAX_REPORTED) return;
                }
            }
        }
    }

    // ------------------------------------------------------------------ counts

    /** Per pfn: {present PTEs, migration entries}. */
    static Map<Long, int[]> ptesPerPage(Rmap r) {
        Map<Long, int[]> n = new TreeMap<>();
        for (MmStruct mm : r.tasks().values()) {
            for (long pte : mm.pageTable().values()) {
                if (Pte.normal(pte)) n.computeIfAbsent(Pte.pfn(pte), k -> new int[2])[0]++;
                else if (Pte.migration(pte)) n.computeIfAbsent(Pte.pfn(pte), k -> new int[2])[1]++;
            }
        }
        return n;
    }

    static void mapcount(RmapState s, List<Violation> out) {
        Rmap r = s.rmap();
        Map<Long, int[]> n = ptesPerPage(r);
        Set<Long> pfns = new TreeSet<>(r.contents().keySet());
        pfns.addAll(n.keySet());
        for (long pfn : pfns) {
            if (!r.mem().covers(pfn)) continue;
            int want = n.containsKey(pfn) ? n.get(pfn)[0] : 0;
            int got = r.mapcount(pfn);
            if (want != got) {
                out.add(new Violation("RMAP-MAPCOUNT", "pfn " + hex(pfn) + " has mapcount " + got + " but " + want
                        + " present PTE(s) map it", List.of(pfn), nodesOfPage(r, pfn)));
                if (out.size() >= MAX_REPORTED) return;
            }
        }
        for (MmStruct mm : r.tasks().values()) {
            long want = 0;
            long swp = 0;
            for (long pte : mm.pageTable().values()) {
                if (Pte.normal(pte) || Pte.migration(pte)) want++;
                else if (Pte.swap(pte)) swp++;
            }
            if (want != mm.rssAnon()) {
                out.add(new Violation("RMAP-MAPCOUNT", mm.name() + " MM_ANONPAGES is " + mm.rssAnon() + " but it has " + want
                        + " anonymous PTEs and migration entries (check_mm: BUG: Bad rss-counter state)", List.of(),
                        List.of(mm.name())));
            }
            if (swp != mm.rssSwap()) {
                out.add(new Violation("RMAP-MAPCOUNT", mm.name() + " MM_SWAPENTS is " + mm.rssSwap() + " but it has " + swp
                        + " swap entries (check_mm: BUG: Bad rss-counter state)", List.of(), List.of(mm.name())));
            }
        }
    }

    static List<String> nodesOfPage(Rmap r, long pfn) {
        int av = r.mappingId(pfn);
        return av == 0 ? List.of() : List.of("anon_vma#" + av);
    }

    static void folioRefcount(RmapState s, List<Violation> out) {
        Rmap r = s.rmap();
        MemMap mem = r.mem();
        Map<Long, int[]> n = ptesPerPage(r);
        for (long pfn : r.contents().keySet()) {
            boolean swapcache = (mem.flags[mem.idx(pfn)] & PageFlags.PG_swapcache) != 0;
            int want = (n.containsKey(pfn) ? n.get(pfn)[0] : 0) + (r.migrations().containsKey(pfn) ? 1 : 0) + (swapcache ? 1 : 0);
            int got = mem.refcount[mem.idx(pfn)];
            if (want != got) {
                out.add(new Violation("RMAP-FOLIO-REFCOUNT", "pfn " + hex(pfn) + " has refcount " + got + " but " + want
                        + " reference(s) exist (present PTEs" + (r.migrations().containsKey(pfn) ? ", isolation" : "")
                        + (swapcache ? ", the swap cache" : "") + ")",
                        List.of(pfn), nodesOfPage(r, pfn)));
                if (out.size() >= MAX_REPORTED) return;
            }
        }
        for (Migration m : r.migrations().values()) {
            int got = mem.covers(m.dst()) ? mem.refcount[mem.idx(m.dst())] : -1;
            if (got != 1) {
                out.add(Violation.of("RMAP-FOLIO-REFCOUNT", "the migration of pfn " + hex(m.src()) + " holds destination pfn "
                        + hex(m.dst()) + " with refcount " + got + ", not 1", m.src(), m.dst()));
            }
        }
    }

    // ------------------------------------------------------------------ anon_vma structure

    /** Every VMA of every live process. */
    static List<VmAreaStruct> vmas(Rmap r) {
        List<VmAreaStruct> l = new ArrayList<>();
        for (MmStruct mm : r.tasks().values()) l.addAll(mm.vmas().values());
        return l;
    }

    static void avcLists(RmapState s, List<Violation> out) {
        Rmap r = s.rmap();
        for (VmAreaStruct v : vmas(r)) {
            Set<Integer> linked = new HashSet<>();
            for (AnonVmaChain c : v.chain()) {
                AnonVma a = c.anonVma();
                String why = null;
                if (c.vma() != v) why = "is on " + v.name() + "'s list but names " + (c.vma() == null ? "no VMA" : c.vma().name());
                else if (a == null) why = "names no anon_vma";
                else if (!a.rbRoot().contains(c) || !c.inTree()) why = "is on " + v.name() + "'s list but not in " + a.name() + "'s tree";
                else if (c.rbStart() != v.pgoff() || c.rbLast() != v.lastPgoff()) {
                    why = "is in " + a.name() + "'s tree under page offsets [" + hex(c.rbStart()) + ", " + hex(c.rbLast()) + "] but "
                            + v.name() + " now covers [" + hex(v.pgoff()) + ", " + hex(v.lastPgoff()) + "]";
                } else if (!linked.add(a.id)) why = "links " + v.name() + " to " + a.name() + " a second time";
                if (why != null) {
                    out.add(new Violation("RMAP-AVC-LISTS", c.name() + " " + why, List.of(), nodes(c.name(), v.name(),
                            a == null ? null : a.name())));
                    if (out.size() >= MAX_REPORTED) return;
                }
            }
            AnonVma own = v.anonVma();
            if (own == null && !v.chain().isEmpty()) {
                out.add(new Violation("RMAP-AVC-LISTS", v.name() + " has " + v.chain().size() + " anon_vma_chain(s) but no anon_vma",
                        List.of(), List.of(v.name())));
            } else if (own != null && !linked.contains(own.id)) {
                out.add(new Violation("RMAP-AVC-LISTS", v.name() + "'s anon_vma " + own.name() + " is not on its anon_vma_chain list",
                        List.of(), List.of(v.name(), own.name())));
            }
        }
        for (AnonVma a : r.anonVmas().values()) {
            for (AnonVmaChain c : a.rbRoot()) {
                VmAreaStruct v = c.vma();
                String why = null;
                if (c.anonVma() != a) why = "is in " + a.name() + "'s tree but names " + c.anonVma();
                else if (v == null) why = "in " + a.name() + "'s tree names no VMA";
                else if (!v.chain().contains(c)) why = "is in " + a.name() + "'s tree but not on " + v.name() + "'s list";
                else if (r.task(v.mm().pid) != v.mm() || v.mm().vmas().get(v.start()) != v) {
                    why = "in " + a.name() + "'s tree links " + v.name() + ", which is not a VMA of a live process";
                }
                if (why != null) {
                    out.add(new Violation("RMAP-AVC-LISTS", c.name() + " " + why, List.of(), nodes(c.name(),
                            v == null ? null : v.name(), a.name())));
                    if (out.size() >= MAX_REPORTED) return;
                }
            }
        }
    }

    static List<String> nodes(String... n) {
        List<String> l = new ArrayList<>();
        for (String x : n) if (x != null) l.add(x);
        return l;
    }

    static void root(RmapState s, List<Violation> out) {
        Rmap r = s.rmap();
        for (AnonVma a : r.anonVmas().values()) {
            AnonVma root = a.root();
            AnonVma parent = a.parent();
            String why = null;
            if (root == null || parent == null) why = "has no " + (root == null ? "root" : "parent");
            else if (root.root() != root || root.parent() != root) why = "has root " + root.name() + ", which is not its own root and parent";
            else if (parent == a && root != a) why = "is its own parent but its root is " + root.name();
            else if (parent != a && parent.root() != root) {
                why = "has root " + root.name() + " but its parent " + parent.name() + " has root " + parent.root().name();
            }
            if (why != null) {
                out.add(new Violation("RMAP-ROOT", a.name() + " " + why, List.of(), nodes(a.name(), root == null ? null : root.name(),
                        parent == null ? null : parent.name())));
                if (out.size() >= MAX_REPORTED) return;
            }
        }
        for (VmAreaStruct v : vmas(r)) {
            AnonVma own = v.anonVma();
            if (own == null) continue;
            for (AnonVmaChain c : v.chain()) {
                AnonVma a = c.anonVma();
                if (a != null && a.root() != own.root()) {
                    out.add(new Violation("RMAP-ROOT", v.name() + " is linked to " + a.name() + " (root " + a.root() + ") but its anon_vma "
                            + own.name() + " has root " + own.root(), List.of(), nodes(v.name(), a.name(), own.name())));
                    if (out.size() >= MAX_REPORTED) return;
                }
            }
        }
    }

    static void counters(RmapState s, List<Violation> out) {
        Rmap r = s.rmap();
        Map<AnonVma, Long> children = new IdentityHashMap<>();
        Map<AnonVma, Long> active = new IdentityHashMap<>();
        for (AnonVma b : r.anonVmas().values()) {
            if (!b.rbEmpty() && b.parent() != null) children.merge(b.parent(), 1L, Long::sum);
        }
        for (VmAreaStruct v : vmas(r)) if (v.anonVma() != null) active.merge(v.anonVma(), 1L, Long::sum);
        for (AnonVma a : r.anonVmas().values()) {
            long c = children.getOrDefault(a, 0L);
            long n = active.getOrDefault(a, 0L);
            if (a.numChildren() != c) {
                out.add(new Violation("RMAP-COUNTERS", a.name() + " num_children is " + a.numChildren() + " but " + c
                        + " anon_vma(s) with a non-empty tree have it as parent" + (a.parent() == a ? " (itself included)" : ""),
                        List.of(), List.of(a.name())));
            }
            if (a.numActiveVmas() != n) {
                out.add(new Violation("RMAP-COUNTERS", a.name() + " num_active_vmas is " + a.numActiveVmas() + " but " + n
                        + " VMA(s) have it as anon_vma", List.of(), List.of(a.name())));
            }
            if (out.size() >= MAX_REPORTED) return;
        }
    }

    static void reuse(RmapState s, List<Violation> out) {
        Rmap r = s.rmap();
        Map<AnonVma, List<VmAreaStruct>> users = new LinkedHashMap<>();
        for (VmAreaStruct v : vmas(r)) if (v.anonVma() != null) users.computeIfAbsent(v.anonVma(), k -> new ArrayList<>()).add(v);
        for (Map.Entry<AnonVma, List<VmAreaStruct>> e : users.entrySet()) {
            List<VmAreaStruct> vs = e.getValue();
            if (vs.size() < 2) continue;
            VmAreaStruct first = vs.get(0);
            Set<Integer> chain0 = chainIds(first);
            for (VmAreaStruct v : vs.subList(1, vs.size())) {
                String why = null;
                if (v.mm() != first.mm()) {
                    why = "is the anon_vma of " + first.name() + " in " + first.mm().name() + " and of " + v.name() + " in "
                            + v.mm().name() + ": anon_vma_clone() reused it while a VMA still used it";
                } else if (!chainIds(v).equals(chain0)) {
                    why = "is the anon_vma of " + first.name() + " (linked to " + new TreeSet<>(chain0) + ") and of " + v.name()
                            + " (linked to " + new TreeSet<>(chainIds(v)) + "): their anon_vma chains differ";
                }
                if (why != null) {
                    out.add(new Violation("RMAP-REUSE", e.getKey().name() + " " + why, List.of(), nodes(e.getKey().name(),
                            first.name(), v.name(), first.mm().name(), v.mm() == first.mm() ? null : v.mm().name())));
                    break;
                }
            }
            if (out.size() >= MAX_REPORTED) return;
        }
    }

    static Set<Integer> chainIds(VmAreaStruct v) {
        Set<Integer> s = new HashSet<>();
        for (AnonVmaChain c : v.chain()) if (c.anonVma() != null) s.add(c.anonVma().id);
        return s;
    }

    // ------------------------------------------------------------------ pages

    static void pageMapping(RmapState s, List<Violation> out) {
        Rmap r = s.rmap();
        for (MmStruct mm : r.tasks().values()) {
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                long addr = e.getKey();
                long pte = e.getValue();
                VmAreaStruct v = mm.findVma(addr);
                if (v == null) {
                    out.add(new Violation("RMAP-PAGE-MAPPING", mm.name() + " has a PTE (" + Pte.describe(pte) + ") at page " + hex(addr)
                            + ", which no VMA covers", Pte.special(pte) || Pte.swap(pte) ? List.of() : List.of(Pte.pfn(pte)),
                            List.of(mm.name())));
                    if (out.size() >= MAX_REPORTED) return;
                    continue;
                }
                if (Pte.special(pte) || Pte.swap(pte) || !r.mem().covers(Pte.pfn(pte))) continue;
                long pfn = Pte.pfn(pte);
                AnonVma a = r.folioAnonVma(pfn);
                String why = null;
                if (!r.folioTestAnon(pfn)) why = "has no PAGE_MAPPING_ANON mapping";
                else if (a == null) why = "names anon_vma#" + r.mappingId(pfn) + ", which is not live";
                else if (v.anonVma() == null) why = "is mapped by " + v.name() + ", which has no anon_vma";
                else if (a.root() != v.anonVma().root()) {
                    why = "is in " + a.name() + " (root " + a.root() + ") but mapped by " + v.name() + " whose anon_vma "
                            + v.anonVma().name() + " has root " + v.anonVma().root();
                } else if (r.index(pfn) != v.linearPageIndex(addr)) {
                    why = "has index " + hex(r.index(pfn)) + " but linear_page_index(" + v.name() + ", page " + hex(addr) + ") is "
                            + hex(v.linearPageIndex(addr));
                }
                if (why != null) {
                    out.add(new Violation("RMAP-PAGE-MAPPING", "pfn " + hex(pfn) + " mapped at pid " + mm.pid + " page " + hex(addr)
                            + " " + why, List.of(pfn), nodes(a == null ? null : a.name(), v.name(), mm.name())));
                    if (out.size() >= MAX_REPORTED) return;
                }
            }
        }
    }

    static void anonExclusive(RmapState s, List<Violation> out) {
        Rmap r = s.rmap();
        Map<Long, int[]> n = ptesPerPage(r);
        for (long pfn : r.contents().keySet()) {
            int maps = n.containsKey(pfn) ? n.get(pfn)[0] + n.get(pfn)[1] : 0;
            if (r.pageAnonExclusive(pfn) && maps > 1) {
                out.add(new Violation("RMAP-ANON-EXCLUSIVE", "pfn " + hex(pfn) + " is PageAnonExclusive but " + maps
                        + " PTEs map it", List.of(pfn), nodesOfPage(r, pfn)));
                if (out.size() >= MAX_REPORTED) return;
            }
        }
        for (MmStruct mm : r.tasks().values()) {
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                long pte = e.getValue();
                if (!Pte.normal(pte) || !Pte.write(pte) || !r.mem().covers(Pte.pfn(pte))) continue;
                long pfn = Pte.pfn(pte);
                if (!r.pageAnonExclusive(pfn)) {
                    out.add(new Violation("RMAP-ANON-EXCLUSIVE", "pid " + mm.pid + " maps pfn " + hex(pfn) + " writable at page "
                            + hex(e.getKey()) + " but the page is not PageAnonExclusive", List.of(pfn), List.of(mm.name())));
                    if (out.size() >= MAX_REPORTED) return;
                }
            }
        }
    }

    static void cow(RmapState s, List<Violation> out) {
        Rmap r = s.rmap();
        Map<Mapping, Long> pt = RmapAbstraction.pageTables(r);
        Set<Mapping> writable = RmapAbstraction.writable(r);
        for (MmStruct mm : r.tasks().values()) {
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                if (Pte.migration(e.getValue()) && Pte.migrationWritable(e.getValue())) writable.add(new Mapping(mm.pid, e.getKey()));
            }
        }
        for (String v : RmapSpec.writableExclusiveViolations(pt, writable)) {
            long pfn = -1;
            int i = v.indexOf("frame 0x");
            if (i >= 0) pfn = Long.parseLong(v.substring(i + 8).split("[^0-9a-f]")[0], 16);
            out.add(new Violation("RMAP-COW", v, pfn < 0 ? List.of() : List.of(pfn), pfn < 0 ? List.of() : nodesOfPage(r, pfn)));
            if (out.size() >= MAX_REPORTED) return;
        }
    }

    // ------------------------------------------------------------------ lifetimes

    static void refcount(RmapState s, List<Violation> out) {
        Rmap r = s.rmap();
        Map<AnonVma, Integer> descendants = new IdentityHashMap<>();
        for (AnonVma b : r.anonVmas().values()) if (b.root() != null && b.root() != b) descendants.merge(b.root(), 1, Integer::sum);
        Map<AnonVma, Integer> pins = new IdentityHashMap<>();
        for (Migration m : r.migrations().values()) if (m.anonVma() != null) pins.merge(m.anonVma(), 1, Integer::sum);
        for (AnonVma a : r.anonVmas().values()) {
            int want = (a.rbEmpty() ? 0 : 1) + descendants.getOrDefault(a, 0) + pins.getOrDefault(a, 0);
            if (a.refcount() != want || a.refcount() < 1) {
                out.add(new Violation("RMAP-REFCOUNT", a.name() + " has refcount " + a.refcount() + " but " + want + " reference(s) ("
                        + (a.rbEmpty() ? "empty tree" : "its tree") + ", " + descendants.getOrDefault(a, 0) + " descendant(s), "
                        + pins.getOrDefault(a, 0) + " migration(s))", List.of(), List.of(a.name())));
                if (out.size() >= MAX_REPORTED) return;
            }
        }
    }

    static void lifetime(RmapState s, List<Violation> out) {
        Rmap r = s.rmap();
        MemMap mem = r.mem();
        Set<Integer> live = r.anonVmas().keySet();
        for (MmStruct mm : r.tasks().values()) {
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                long pte = e.getValue();
                if (Pte.special(pte) || Pte.swap(pte)) continue; // a swap entry names a slot, not a page
                long pfn = Pte.pfn(pte);
                boolean allocated = mem.covers(pfn) && (mem.flags[mem.idx(pfn)] & PageFlags.MODEL_ALLOC_HEAD) != 0
                        && (mem.flags[mem.idx(pfn)] & PageFlags.PGTY_buddy) == 0;
                if (!allocated || !r.contents().containsKey(pfn)) {
                    out.add(new Violation("RMAP-LIFETIME", "pid " + mm.pid + " page " + hex(e.getKey()) + " maps pfn " + hex(pfn) + " ("
                            + Pte.describe(pte) + "), which " + (allocated ? "is no process's anonymous page" : "is free"),
                            List.of(pfn), List.of(mm.name())));
                    if (out.size() >= MAX_REPORTED) return;
                } else if (r.mappingId(pfn) != 0 && !live.contains(r.mappingId(pfn))) {
                    out.add(new Violation("RMAP-LIFETIME", "pfn " + hex(pfn) + " is mapped at pid " + mm.pid + " page " + hex(e.getKey())
                            + " but its page->mapping anon_vma#" + r.mappingId(pfn) + " has been freed", List.of(pfn),
                            List.of("anon_vma#" + r.mappingId(pfn), mm.name())));
                    if (out.size() >= MAX_REPORTED) return;
                }
            }
        }
        for (VmAreaStruct v : vmas(r)) {
            if (v.anonVma() != null && !isLive(r, v.anonVma())) {
                out.add(new Violation("RMAP-LIFETIME", v.name() + "'s anon_vma " + v.anonVma().name() + " has been freed", List.of(),
                        List.of(v.name(), v.anonVma().name())));
            }
            for (AnonVmaChain c : v.chain()) {
                if (c.anonVma() != null && !isLive(r, c.anonVma())) {
                    out.add(new Violation("RMAP-LIFETIME", c.name() + " of " + v.name() + " links " + c.anonVma().name()
                            + ", which has been freed", List.of(), List.of(c.name(), v.name(), c.anonVma().name())));
                }
            }
            if (out.size() >= MAX_REPORTED) return;
        }
        for (AnonVma a : r.anonVmas().values()) {
            if (a.root() != null && !isLive(r, a.root())) {
                out.add(new Violation("RMAP-LIFETIME", a.name() + "'s root " + a.root().name() + " has been freed", List.of(),
                        List.of(a.name(), a.root().name())));
            }
            if (!a.rbEmpty() && a.parent() != null && !isLive(r, a.parent())) {
                out.add(new Violation("RMAP-LIFETIME", a.name() + "'s parent " + a.parent().name() + " has been freed while "
                        + a.name() + "'s tree is not empty", List.of(), List.of(a.name(), a.parent().name())));
            }
        }
        for (Migration m : r.migrations().values()) {
            if (m.anonVma() != null && !isLive(r, m.anonVma())) {
                out.add(Violation.of("RMAP-LIFETIME", "the migration of pfn " + hex(m.src()) + " holds " + m.anonVma().name()
                        + ", which has been freed", m.src()).withNodes(m.anonVma().name()));
            }
        }
    }

    static boolean isLive(Rmap r, AnonVma a) {
        return !a.freed() && r.anonVmas().get(a.id) == a;
    }

    static void noWarn(RmapState s, List<Violation> out) {
        var w = s.rmap().warnings();
        if (w.count() > 0) {
            out.add(Violation.of("RMAP-NO-WARN", w.count() + " kernel warning(s), first: "
                    + (w.messages().isEmpty() ? "?" : w.messages().get(0))));
        }
    }

    // ------------------------------------------------------------------ refinement

    static void refinement(RmapState s, List<Violation> out) {
        pending(s, out, RmapOps.REFINEMENT);
        if (!out.isEmpty()) return;
        RmapSpec abs = RmapAbstraction.abstractState(s.rmap());
        for (String d : abs.diff(s.spec, "reference", "spec")) {
            List<String> nodes = new ArrayList<>();
            int i = d.indexOf("pid ");
            if (i >= 0) nodes.add("mm#" + d.substring(i + 4).split(" ")[0]);
            out.add(new Violation(RmapOps.REFINEMENT, d, List.of(), nodes));
        }
    }
}
