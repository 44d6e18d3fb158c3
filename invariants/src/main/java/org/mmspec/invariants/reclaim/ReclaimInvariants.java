package org.mmspec.invariants.reclaim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;
import org.mmspec.invariants.rmap.RmapInvariants;
import org.mmspec.invariants.rmap.RmapState;
import org.mmspec.reference.alloc.Node;
import org.mmspec.reference.alloc.PageAlloc;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.reclaim.Filemap;
import org.mmspec.reference.reclaim.Lruvec;
import org.mmspec.reference.reclaim.Reclaim;
import org.mmspec.reference.reclaim.ReclaimTrace;
import org.mmspec.reference.reclaim.SwapInfo;
import org.mmspec.reference.reclaim.Workingset;
import org.mmspec.reference.rmap.MmStruct;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.spec.reclaim.ReclaimSpec;

/**
 * Reclaim's invariants, each citing where Linux v6.18 states or relies on it, followed by the
 * reverse map's and the allocator's, which must keep holding with swap entries, the swap cache and
 * the page cache in play. Violations name pfns in hex and the lists ({@code inactive_anon}, ...),
 * swap slots ({@code slot 0x3}) and files ({@code inode 2}) involved, which the diagram draws in red.
 */
public final class ReclaimInvariants {
    private ReclaimInvariants() {}

    static final String SUB = "reclaim";
    static final int MAX_REPORTED = 4;

    public static List<Invariant<ReclaimState>> all() {
        List<Invariant<ReclaimState>> l = new ArrayList<>(List.of(
                Invariant.of("RECLAIM-LRU-LISTS", SUB,
                        "Every folio on an LRU list has PG_lru and the flags of that list (folio_lru_list()), every "
                                + "PG_lru folio is on the list its flags name, no folio is both PG_active and PG_unevictable, "
                                + "and every evictable anonymous or page cache folio not isolated is on exactly one list.",
                        "include/linux/mm_inline.h:folio_lru_list, lruvec_add_folio (v6.18); mm/vmscan.c:move_folios_to_lru "
                                + "(v6.18): VM_BUG_ON_FOLIO(folio_test_lru(folio)); spec/README.md, Reclaim: law 1",
                        ReclaimInvariants::lruLists),
                Invariant.of("RECLAIM-LRU-COUNTS", SUB,
                        "NR_LRU_BASE + lru counts the folios on each list (PG_lru|PG_unevictable folios for the "
                                + "unevictable one), and NR_ZONE_LRU_BASE + lru of each zone its folios of that zone.",
                        "include/linux/mm_inline.h:update_lru_size, lruvec_add_folio, lruvec_del_folio (v6.18); "
                                + "mm/vmscan.c:isolate_lru_folios, update_lru_sizes (v6.18)",
                        ReclaimInvariants::lruCounts),
                Invariant.of("RECLAIM-NO-MAPPED-FREE", SUB,
                        "No page a process maps, the page cache holds or the swap cache holds is free: each is an "
                                + "allocated page with a reference, page cache folios carry their file and index, and no page "
                                + "is both a process's anonymous page and a file's.",
                        "mm/vmscan.c:__remove_mapping (v6.18): folio_ref_freeze(folio, 1 + folio_nr_pages(folio)); "
                                + "mm/page_alloc.c:free_pages_prepare (v6.18): bad_page() on a mapped page",
                        ReclaimInvariants::noMappedFree),
                Invariant.of("SWAP-ENTRY-SLOT", SUB,
                        "Every swap entry in a page table names a slot of the swap device, each slot's swap count is "
                                + "the number of swap entries naming it, SWAP_HAS_CACHE is set exactly when a folio caches the "
                                + "slot, that folio is PG_swapcache with folio->swap naming the slot (one slot per folio, one "
                                + "folio per slot), and nr_swap_pages counts the free slots.",
                        "mm/swapfile.c:__swap_duplicate, swap_entry_put_locked, swap_entries_free (v6.18): "
                                + "VM_BUG_ON(!swap_is_last_ref(*map)); mm/swap_state.c:swap_cache_add_folio (v6.18)",
                        ReclaimInvariants::swapSlots),
                Invariant.of("WS-SHADOW", SUB,
                        "Shadow entries exist only for evicted pages: in a page cache index that holds no folio, or in a "
                                + "swap slot that swap entries still name and no folio caches; each packs node 0, memcg 0 "
                                + "and an eviction stamp no later than the nonresident age.",
                        "mm/workingset.c:workingset_eviction, pack_shadow (v6.18); mm/swapfile.c:swap_range_free (v6.18): "
                                + "__swap_cache_clear_shadow()",
                        ReclaimInvariants::shadows),
                Invariant.of("WS-AGE-MONOTONIC", SUB,
                        "The lruvec's nonresident age never decreases.",
                        "mm/workingset.c:workingset_age_nonresident (v6.18): atomic_long_add(nr_pages, "
                                + "&lruvec->nonresident_age)",
                        ReclaimInvariants::ageMonotonic),
                Invariant.of("WS-REFAULT", SUB,
                        "A refault is activated exactly when its refault distance, the evictions and activations of "
                                + "anonymous and file folios since its eviction, is at most the workingset size "
                                + "workingset_test_recent() compares it with.",
                        "mm/workingset.c:workingset_refault, workingset_test_recent (v6.18), and the header: \"For each "
                                + "node's LRU lists, a counter for inactive evictions and activations is maintained "
                                + "(node->nonresident_age)\"; spec/README.md, Reclaim: law 5",
                        ReclaimInvariants::refaults),
                Invariant.of("RECLAIM-INACTIVE-ONLY", SUB,
                        "Reclaim frees only folios its pass took from an inactive list.",
                        "mm/vmscan.c:shrink_inactive_list, shrink_folio_list (v6.18): VM_BUG_ON_FOLIO(folio_test_active"
                                + "(folio)); spec/README.md, Reclaim: law 2",
                        ReclaimInvariants::inactiveOnly),
                Invariant.of("RECLAIM-REFERENCED", SUB,
                        "A folio whose mappings were referenced (a young PTE) since reclaim last looked at it is not "
                                + "reclaimed in that pass.",
                        "mm/vmscan.c:folio_check_references (v6.18): \"All mapped folios start out with page table "
                                + "references from the instantiating fault, so we need to look twice\"; spec/README.md, "
                                + "Reclaim: law 3",
                        ReclaimInvariants::referenced),
                Invariant.of("KSWAPD-STOP", SUB,
                        "After a kswapd run, kswapd sleeps exactly when a zone up to its highest_zoneidx meets its high "
                                + "watermark or the node is hopeless (kswapd_failures reached MAX_RECLAIM_RETRIES), and the "
                                + "watermark boosts of those zones are gone.",
                        "mm/vmscan.c:balance_pgdat, prepare_kswapd_sleep, pgdat_balanced (v6.18); spec/README.md, "
                                + "Reclaim: law 4",
                        ReclaimInvariants::kswapdStop),
                Invariant.of("RECLAIM-NO-WARN", SUB,
                        "The reference never reaches a VM_BUG_ON, VM_WARN_ON or WARN_ON_ONCE that the kernel has on the "
                                + "reclaim, workingset, swap and page cache paths.",
                        "mm/vmscan.c, mm/workingset.c, mm/swapfile.c, mm/swap_state.c, mm/filemap.c (v6.18), "
                                + "CONFIG_DEBUG_VM assertions",
                        ReclaimInvariants::noWarn),
                Invariant.of(ReclaimOps.REJECT_UNCHANGED, SUB,
                        "A rejected operation (a bad file or page index, an unknown process or address) leaves the state "
                                + "exactly as it was.",
                        "mm/filemap.c:filemap_read (v6.18); DESIGN.md conventions",
                        (s, out) -> pending(s, out, ReclaimOps.REJECT_UNCHANGED)),
                Invariant.of(ReclaimOps.REFINEMENT, SUB,
                        "Every file read and write outcome is one the spec allows, and abstracting the reference (each "
                                + "file page's value: its page cache folio, else its disk block) gives exactly the spec's "
                                + "files; reclaim, kswapd and writeback change no value.",
                        "spec/README.md, Reclaim: refinement",
                        ReclaimInvariants::refinement)));
        for (Invariant<RmapState> inv : RmapInvariants.all()) {
            l.add(Invariant.of(inv.id(), inv.subsystem(), inv.statement(), inv.citation(), (s, out) -> inv.check(s.rm, out)));
        }
        return l;
    }

    static void pending(ReclaimState s, List<Violation> out, String id) {
        for (Violation v : s.pending) if (v.invariantId().equals(id)) out.add(v);
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** The list a folio's flags name, as folio_lru_list() computes it, without its warnings. */
    static int flagsList(int f) {
        if ((f & PageFlags.PG_unevictable) != 0) return Lruvec.LRU_UNEVICTABLE;
        int lru = Lruvec.folio_is_file_lru(f) ? Lruvec.LRU_INACTIVE_FILE : Lruvec.LRU_INACTIVE_ANON;
        if ((f & PageFlags.PG_active) != 0) lru += Lruvec.LRU_ACTIVE;
        return lru;
    }

    static String name(int lru) {
        return Lruvec.NAMES[lru];
    }

    // ------------------------------------------------------------------ the lists

    static void lruLists(ReclaimState s, List<Violation> out) {
        Reclaim rc = s.reclaim();
        Lruvec l = rc.lruvec();
        MemMap mem = s.machine().mem();
        Map<Long, List<String>> lists = new TreeMap<>();
        for (int lru = 0; lru < Lruvec.LRU_UNEVICTABLE; lru++) {
            for (int page : l.pages(lru)) {
                long pfn = mem.pfn(page);
                lists.computeIfAbsent(pfn, k -> new ArrayList<>()).add(name(lru));
                int f = mem.flags[page];
                if ((f & PageFlags.PG_lru) == 0 || flagsList(f) != lru) {
                    out.add(new Violation("RECLAIM-LRU-LISTS", "pfn " + hex(pfn) + " is on the " + name(lru) + " list but its flags ("
                            + PageFlags.describe(f) + ") " + ((f & PageFlags.PG_lru) == 0 ? "lack PG_lru" : "name the "
                            + name(flagsList(f)) + " list"), List.of(pfn), List.of(name(lru))));
                    if (out.size() >= MAX_REPORTED) return;
                }
            }
        }
        Set<Long> evictable = new TreeSet<>(s.rmap().contents().keySet());
        evictable.removeAll(s.rmap().migrations().keySet());
        evictable.addAll(rc.filemap().contents().keySet());
        for (int page = 0; page < mem.nrPages(); page++) {
            int f = mem.flags[page];
            long pfn = mem.pfn(page);
            if ((f & PageFlags.PG_active) != 0 && (f & PageFlags.PG_unevictable) != 0) {
                out.add(Violation.of("RECLAIM-LRU-LISTS", "pfn " + hex(pfn) + " is both PG_active and PG_unevictable", pfn));
            }
            if ((f & PageFlags.PG_lru) == 0) continue;
            int want = flagsList(f);
            if (want != Lruvec.LRU_UNEVICTABLE && !lists.containsKey(pfn)) {
                out.add(new Violation("RECLAIM-LRU-LISTS", "pfn " + hex(pfn) + " has PG_lru and the flags of the " + name(want)
                        + " list but is on no list", List.of(pfn), List.of(name(want))));
            }
            if (!evictable.contains(pfn)) {
                out.add(Violation.of("RECLAIM-LRU-LISTS", "pfn " + hex(pfn) + " has PG_lru but is neither a process's anonymous page "
                        + "nor a page cache folio (" + PageFlags.describe(f) + ")", pfn));
            }
            if (out.size() >= MAX_REPORTED) return;
        }
        for (String v : ReclaimSpec.lruViolations(lists, evictable)) {
            long pfn = Long.parseLong(v.substring(v.indexOf("0x") + 2).split(" ")[0], 16);
            out.add(Violation.of("RECLAIM-LRU-LISTS", v, pfn));
            if (out.size() >= MAX_REPORTED) return;
        }
    }

    static void lruCounts(ReclaimState s, List<Violation> out) {
        Lruvec l = s.reclaim().lruvec();
        MemMap mem = s.machine().mem();
        long[] n = new long[Lruvec.NR_LRU_LISTS];
        long[][] z = new long[ZoneType.MAX_NR_ZONES][Lruvec.NR_LRU_LISTS];
        for (int lru = 0; lru < Lruvec.LRU_UNEVICTABLE; lru++) {
            for (int page : l.pages(lru)) {
                n[lru]++;
                z[mem.zoneId(page)][lru]++;
            }
        }
        for (int page = 0; page < mem.nrPages(); page++) {
            int f = mem.flags[page];
            if ((f & PageFlags.PG_lru) != 0 && (f & PageFlags.PG_unevictable) != 0) {
                n[Lruvec.LRU_UNEVICTABLE]++;
                z[mem.zoneId(page)][Lruvec.LRU_UNEVICTABLE]++;
            }
        }
        for (int lru = 0; lru < Lruvec.NR_LRU_LISTS; lru++) {
            if (n[lru] != l.nrPages[lru]) {
                out.add(new Violation("RECLAIM-LRU-COUNTS", "NR_" + name(lru).toUpperCase() + " is " + l.nrPages[lru] + " but the "
                        + name(lru) + " list holds " + n[lru] + " folio(s)", List.of(), List.of(name(lru))));
            }
            for (int zi = 0; zi < ZoneType.MAX_NR_ZONES; zi++) {
                if (z[zi][lru] != l.zoneLruSize[zi][lru]) {
                    out.add(new Violation("RECLAIM-LRU-COUNTS", ZoneType.values()[zi].kernelName() + " NR_ZONE_" + name(lru).toUpperCase()
                            + " is " + l.zoneLruSize[zi][lru] + " but " + z[zi][lru] + " of its folios are on the list", List.of(),
                            List.of(name(lru), ZoneType.values()[zi].kernelName())));
                }
            }
        }
    }

    // ------------------------------------------------------------------ pages and slots

    static boolean allocated(MemMap mem, long pfn) {
        if (!mem.covers(pfn)) return false;
        int f = mem.flags[mem.idx(pfn)];
        return (f & PageFlags.MODEL_ALLOC_HEAD) != 0 && (f & PageFlags.PGTY_buddy) == 0 && mem.refcount[mem.idx(pfn)] > 0;
    }

    static void noMappedFree(ReclaimState s, List<Violation> out) {
        Reclaim rc = s.reclaim();
        MemMap mem = s.machine().mem();
        Filemap fm = rc.filemap();
        for (int ino : fm.files()) {
            for (Map.Entry<Long, Long> e : fm.folios(ino).entrySet()) {
                long pfn = e.getValue();
                String why = null;
                if (!allocated(mem, pfn)) why = "is free";
                else if (Filemap.inoOf(mem.mappingOf(mem.idx(pfn))) != ino || mem.indexOf(mem.idx(pfn)) != e.getKey()) {
                    why = "has page->mapping " + mem.mappingOf(mem.idx(pfn)) + " and index " + hex(mem.indexOf(mem.idx(pfn)));
                } else if (!fm.contents().containsKey(pfn)) why = "has no content";
                if (why != null) {
                    out.add(new Violation("RECLAIM-NO-MAPPED-FREE", "inode " + ino + " page " + hex(e.getKey()) + " is cached in pfn "
                            + hex(pfn) + ", which " + why, List.of(pfn), List.of("inode " + ino)));
                    if (out.size() >= MAX_REPORTED) return;
                }
            }
        }
        SwapInfo si = rc.swapInfo();
        for (long off = 1; off < si.max; off++) {
            long pfn = si.cachedPfn(off);
            if (pfn >= 0 && !allocated(mem, pfn)) {
                out.add(new Violation("RECLAIM-NO-MAPPED-FREE", "swap slot " + hex(off) + " is cached in pfn " + hex(pfn) + ", which is free",
                        List.of(pfn), List.of("slot " + hex(off))));
                if (out.size() >= MAX_REPORTED) return;
            }
        }
        for (long pfn : s.rmap().contents().keySet()) {
            String why = !allocated(mem, pfn) ? "is free" : fm.contents().containsKey(pfn) ? "is also a page cache folio" : null;
            if (why != null) {
                out.add(Violation.of("RECLAIM-NO-MAPPED-FREE", "anonymous page pfn " + hex(pfn) + " " + why, pfn));
                if (out.size() >= MAX_REPORTED) return;
            }
        }
        for (long pfn : fm.contents().keySet()) {
            if (!allocated(mem, pfn)) {
                out.add(Violation.of("RECLAIM-NO-MAPPED-FREE", "page cache folio pfn " + hex(pfn) + " is free", pfn));
                if (out.size() >= MAX_REPORTED) return;
            }
        }
    }

    static void swapSlots(ReclaimState s, List<Violation> out) {
        Reclaim rc = s.reclaim();
        SwapInfo si = rc.swapInfo();
        MemMap mem = s.machine().mem();
        Map<Long, Integer> entries = new TreeMap<>();
        for (MmStruct mm : s.rmap().tasks().values()) {
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                if (!Pte.swap(e.getValue())) continue;
                long off = Pte.swpOffset(e.getValue());
                if (!si.validOffset(off)) {
                    out.add(new Violation("SWAP-ENTRY-SLOT", "pid " + mm.pid + " page " + hex(e.getKey()) + " holds a swap entry for slot "
                            + hex(off) + ", which the device (" + si.max + " pages) does not have", List.of(), List.of(mm.name())));
                    continue;
                }
                entries.merge(off, 1, Integer::sum);
            }
        }
        if (si.max > 0 && si.swapMap(0) != SwapInfo.SWAP_MAP_BAD) {
            out.add(new Violation("SWAP-ENTRY-SLOT", "slot 0 (the swap header) is " + hex(si.swapMap(0)) + ", not SWAP_MAP_BAD",
                    List.of(), List.of("slot 0x0")));
        }
        long inuse = 0;
        for (long off = 1; off < si.max; off++) {
            int m = si.swapMap(off);
            if (m != 0) inuse++;
            int count = SwapInfo.swap_count(m);
            boolean hasCache = (m & SwapInfo.SWAP_HAS_CACHE) != 0;
            long pfn = si.cachedPfn(off);
            String why = null;
            int want = entries.getOrDefault(off, 0);
            if (count != want) why = "has swap count " + count + " but " + want + " swap entr" + (want == 1 ? "y names" : "ies name") + " it";
            else if (hasCache != (pfn >= 0)) {
                why = hasCache ? "has SWAP_HAS_CACHE but no folio caches it" : "is cached by pfn " + hex(pfn) + " without SWAP_HAS_CACHE";
            } else if (pfn >= 0 && mem.covers(pfn)) {
                int page = mem.idx(pfn);
                if ((mem.flags[page] & PageFlags.PG_swapcache) == 0) why = "is cached by pfn " + hex(pfn) + ", which lacks PG_swapcache";
                else if (mem.privateData()[page] != off) {
                    why = "is cached by pfn " + hex(pfn) + ", whose folio->swap names slot " + hex(mem.privateData()[page]);
                } else if (!s.rmap().contents().containsKey(pfn)) why = "is cached by pfn " + hex(pfn) + ", which is no anonymous page";
            }
            if (why != null) {
                out.add(new Violation("SWAP-ENTRY-SLOT", "swap slot " + hex(off) + " " + why, pfn >= 0 ? List.of(pfn) : List.of(),
                        List.of("slot " + hex(off))));
                if (out.size() >= MAX_REPORTED) return;
            }
        }
        if (inuse != si.total_swap_pages() - si.get_nr_swap_pages()) {
            out.add(new Violation("SWAP-ENTRY-SLOT", "nr_swap_pages is " + si.get_nr_swap_pages() + " but " + (si.total_swap_pages() - inuse)
                    + " of " + si.total_swap_pages() + " slots are free", List.of(), List.of("swap")));
        }
        for (long pfn : s.rmap().contents().keySet()) {
            int page = mem.idx(pfn);
            if ((mem.flags[page] & PageFlags.PG_swapcache) == 0) continue;
            long off = mem.privateData()[page];
            if (!si.validOffset(off) || si.cachedPfn(off) != pfn) {
                out.add(new Violation("SWAP-ENTRY-SLOT", "pfn " + hex(pfn) + " is PG_swapcache with folio->swap slot " + hex(off)
                        + ", which " + (si.validOffset(off) ? "caches " + (si.cachedPfn(off) < 0 ? "nothing" : "pfn " + hex(si.cachedPfn(off)))
                        : "does not exist"), List.of(pfn), List.of("slot " + hex(off))));
                if (out.size() >= MAX_REPORTED) return;
            }
        }
    }

    /** Whether a shadow entry is well formed and not from the future; null when it is. */
    static String badShadow(long shadow, long age) {
        if (!Workingset.xa_is_value(shadow)) return "is not an xa value entry";
        long[] u = Workingset.unpack_shadow(shadow);
        if (u[1] != 0) return "names memcg " + u[1];
        if (u[2] != 0) return "names node " + u[2];
        if ((u[0] << Workingset.BUCKET_ORDER) > (age & Workingset.EVICTION_MASK)) {
            return "has eviction stamp " + u[0] + ", later than the nonresident age " + age;
        }
        return null;
    }

    static void shadows(ReclaimState s, List<Violation> out) {
        Reclaim rc = s.reclaim();
        long age = rc.lruvec().nonresidentAge;
        Filemap fm = rc.filemap();
        for (int ino : fm.files()) {
            for (Map.Entry<Long, long[]> e : fm.shadows(ino).entrySet()) {
                String why = fm.folios(ino).containsKey(e.getKey()) ? "sits beside a cached folio" : badShadow(e.getValue()[0], age);
                if (why != null) {
                    out.add(new Violation("WS-SHADOW", "the shadow of inode " + ino + " page " + hex(e.getKey()) + " " + why, List.of(),
                            List.of("inode " + ino)));
                    if (out.size() >= MAX_REPORTED) return;
                }
            }
        }
        SwapInfo si = rc.swapInfo();
        for (long off = 1; off < si.max; off++) {
            long sh = si.shadowOf(off);
            if (sh == 0) continue;
            String why = si.cachedPfn(off) >= 0 ? "sits beside the cached pfn " + hex(si.cachedPfn(off))
                    : si.__swap_count(off) == 0 ? "is in a slot no swap entry names (it should have been cleared when the slot was freed)"
                    : badShadow(sh, age);
            if (why != null) {
                out.add(new Violation("WS-SHADOW", "the shadow in swap slot " + hex(off) + " " + why, List.of(), List.of("slot " + hex(off))));
                if (out.size() >= MAX_REPORTED) return;
            }
        }
    }

    static void ageMonotonic(ReclaimState s, List<Violation> out) {
        long age = s.reclaim().lruvec().nonresidentAge;
        if (age < s.ageBefore) {
            out.add(new Violation("WS-AGE-MONOTONIC", "the nonresident age went from " + s.ageBefore + " to " + age, List.of(),
                    List.of("nonresident_age")));
        }
    }

    // ------------------------------------------------------------------ what the step's reclaim did

    static void refaults(ReclaimState s, List<Violation> out) {
        for (ReclaimTrace.Refault r : s.reclaim().trace().refaults()) {
            List<String> v = ReclaimSpec.refaultViolations(List.of(new ReclaimSpec.Refault(r.pfn(), r.eventDistance(),
                    r.workingsetSize(), r.activated())));
            for (String m : v) {
                out.add(new Violation("WS-REFAULT", m + "; workingset_test_recent() measured a distance of " + r.distance()
                        + " on the nonresident age", List.of(r.pfn()), List.of(r.file() ? "inactive_file" : "inactive_anon",
                        "nonresident_age")));
                if (out.size() >= MAX_REPORTED) return;
            }
        }
    }

    static List<ReclaimSpec.Scan> scans(ReclaimState s) {
        List<ReclaimSpec.Scan> l = new ArrayList<>();
        for (ReclaimTrace.Scan sc : s.reclaim().trace().scans()) {
            boolean inactive = sc.lru() == Lruvec.LRU_INACTIVE_ANON || sc.lru() == Lruvec.LRU_INACTIVE_FILE;
            l.add(new ReclaimSpec.Scan(sc.pfn(), name(sc.lru()), inactive, sc.youngPtes(), sc.outcome() == ReclaimTrace.Outcome.FREED));
        }
        return l;
    }

    static void inactiveOnly(ReclaimState s, List<Violation> out) {
        for (ReclaimSpec.Scan sc : scans(s)) {
            if (sc.freed() && !sc.inactive()) {
                out.add(new Violation("RECLAIM-INACTIVE-ONLY", ReclaimSpec.passViolations(List.of(sc)).get(0), List.of(sc.pfn()),
                        List.of(sc.list())));
                if (out.size() >= MAX_REPORTED) return;
            }
        }
    }

    static void referenced(ReclaimState s, List<Violation> out) {
        for (ReclaimSpec.Scan sc : scans(s)) {
            if (sc.freed() && sc.youngPtes() > 0) {
                List<String> v = ReclaimSpec.passViolations(List.of(new ReclaimSpec.Scan(sc.pfn(), sc.list(), true, sc.youngPtes(), true)));
                out.add(new Violation("RECLAIM-REFERENCED", v.get(0), List.of(sc.pfn()), List.of(sc.list())));
                if (out.size() >= MAX_REPORTED) return;
            }
        }
    }

    /**
     * pgdat_balanced() at order 0 computed here from the zones' counters: some managed zone up to
     * highest_zoneidx has more free pages, less the free highatomic and CMA pages an order-0
     * request without reserves may not use, than its high watermark plus lowmem_reserve.
     */
    static boolean balanced(Node node, PageAlloc pa, int order, int highestZoneidx) {
        if (order != 0) return pa.pgdat_balanced(order, highestZoneidx);
        boolean any = false;
        for (int z = 0; z <= highestZoneidx && z < ZoneType.MAX_NR_ZONES; z++) {
            Zone zone = node.zones[z];
            if (!zone.managed()) continue;
            any = true;
            long free = zone.nrFreePages - zone.nrFreeHighatomic - zone.nrFreeCmaPages;
            if (free > zone.highWmarkPages() + zone.lowmemReserve[highestZoneidx]) return true;
        }
        return !any;
    }

    static void kswapdStop(ReclaimState s, List<Violation> out) {
        Node node = s.machine().node();
        for (ReclaimTrace.KswapdRun k : s.reclaim().trace().kswapdRuns()) {
            boolean asleep = !node.kswapdWoken;
            boolean bal = balanced(node, s.machine().pageAlloc(), k.sleepOrder(), k.sleepZoneidx());
            boolean hopeless = node.kswapdFailures >= PageAlloc.MAX_RECLAIM_RETRIES;
            String v = ReclaimSpec.kswapdViolations(asleep, bal, hopeless);
            if (v != null) {
                List<String> nodes = new ArrayList<>();
                for (int z = 0; z <= k.sleepZoneidx() && z < ZoneType.MAX_NR_ZONES; z++) {
                    if (node.zones[z].managed()) nodes.add(node.zones[z].name());
                }
                nodes.add("kswapd");
                out.add(new Violation("KSWAPD-STOP", v + " (order " + k.sleepOrder() + ", kswapd_failures " + node.kswapdFailures + ")",
                        List.of(), nodes));
            }
            for (int z = 0; z <= k.highestZoneidx() && z < ZoneType.MAX_NR_ZONES; z++) {
                Zone zone = node.zones[z];
                if (zone.managed() && zone.watermarkBoost != 0) {
                    out.add(new Violation("KSWAPD-STOP", zone.name() + " watermark_boost is still " + zone.watermarkBoost
                            + " after kswapd balanced up to " + ZoneType.values()[k.highestZoneidx()].kernelName(), List.of(),
                            List.of(zone.name(), "kswapd")));
                }
            }
        }
    }

    static void noWarn(ReclaimState s, List<Violation> out) {
        var w = s.reclaim().warnings();
        if (w.count() > 0) {
            out.add(Violation.of("RECLAIM-NO-WARN", w.count() + " kernel warning(s), first: "
                    + (w.messages().isEmpty() ? "?" : w.messages().get(0))));
        }
    }

    static void refinement(ReclaimState s, List<Violation> out) {
        pending(s, out, ReclaimOps.REFINEMENT);
        if (!out.isEmpty()) return;
        ReclaimSpec abs = ReclaimAbstraction.abstractFiles(s.reclaim(), s.limits.files());
        for (String d : abs.diff(s.spec, "reference", "spec")) {
            List<String> nodes = new ArrayList<>();
            int i = d.indexOf("inode ");
            if (i >= 0) nodes.add("inode " + d.substring(i + 6).split(" ")[0]);
            out.add(new Violation(ReclaimOps.REFINEMENT, d, List.of(), nodes));
        }
    }

}
