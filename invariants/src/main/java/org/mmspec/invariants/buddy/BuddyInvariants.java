package org.mmspec.invariants.buddy;

import java.util.List;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.MigrateType;
import org.mmspec.reference.alloc.Node;
import org.mmspec.reference.alloc.VmSysctl;
import org.mmspec.reference.alloc.Watermarks;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * The buddy allocator's invariants, each citing where Linux v6.18 states or relies on it. The
 * checks walk the reference's own structures (free lists, struct pages, zone counters) and name
 * pfns in hex when something is wrong.
 */
public final class BuddyInvariants {
    private BuddyInvariants() {}

    static final String SUB = "buddy";

    public static List<Invariant<BuddyState>> all() {
        return List.of(
                Invariant.of("BUDDY-ALIGN", SUB,
                        "Every free block starts at a pfn aligned to its order.",
                        "mm/page_alloc.c:__free_one_page (v6.18): VM_BUG_ON_PAGE(pfn & ((1 << order) - 1))",
                        (s, out) -> align(s.machine, out)),
                Invariant.of("BUDDY-PARTITION", SUB,
                        "The available pages of each zone are partitioned into free and allocated blocks (and free blocks "
                                + "compaction holds isolated) that never overlap, never leave their zone and cover no hole or "
                                + "reserved page.",
                        "mm/page_alloc.c:expand, __free_one_page (v6.18); mm/internal.h:page_is_buddy (v6.18)",
                        (s, out) -> partition(s.machine, out)),
                Invariant.of("BUDDY-FREELIST", SUB,
                        "Every page on free_area[order].free_list[mt] is a PageBuddy head of that order in that zone, "
                                + "and every PageBuddy head is on exactly one free list.",
                        "mm/page_alloc.c:__add_to_free_list, __del_page_from_free_list, set_buddy_order (v6.18)",
                        (s, out) -> freelists(s.machine, out)),
                Invariant.of("BUDDY-NR-FREE", SUB,
                        "free_area[order].nr_free equals the number of blocks on that order's free lists, all "
                                + "migratetypes together.",
                        "mm/page_alloc.c:__add_to_free_list, __del_page_from_free_list (v6.18)",
                        (s, out) -> nrFree(s.machine, out)),
                Invariant.of("BUDDY-MAX-MERGE", SUB,
                        "No free block has a free buddy of the same order that __free_one_page would have merged it "
                                + "with (same zone, below MAX_PAGE_ORDER, and at pageblock order or above with "
                                + "pageblock types that are equal or both mergeable), except pairs left unmerged by a "
                                + "pageblock retype, which merge on the next free.",
                        "mm/page_alloc.c:__free_one_page, migratetype_is_mergeable (v6.18)",
                        (s, out) -> maxMerge(s.machine, s.spec::isDeferred, out)),
                Invariant.of("BUDDY-PBTYPE", SUB,
                        "Every free block sits on the free list of its pageblock's migratetype (MIGRATE_ISOLATE when "
                                + "the pageblock is isolated), and a free block larger than a pageblock spans "
                                + "pageblocks of one type.",
                        "mm/page_alloc.c:__add_to_free_list, move_to_free_list (v6.18): VM_WARN_ONCE(get_pageblock_"
                                + "migratetype(page) != migratetype)",
                        (s, out) -> pbtype(s.machine, out)),
                Invariant.of("BUDDY-NR-FREE-PAGES", SUB,
                        "NR_FREE_PAGES counts the free pages on every list but MIGRATE_ISOLATE, NR_FREE_CMA_PAGES "
                                + "those on MIGRATE_CMA lists, nr_free_highatomic those on MIGRATE_HIGHATOMIC lists, and "
                                + "NR_FREE_PAGES_BLOCKS those in non-isolated blocks of pageblock order or more.",
                        "mm/page_alloc.c:account_freepages, __add_to_free_list, move_to_free_list (v6.18)",
                        (s, out) -> nrFreePages(s.machine, out)),
                Invariant.of("BUDDY-PAGE-STATE", SUB,
                        "A free block's head has refcount 0, no mapcount and none of PAGE_FLAGS_CHECK_AT_FREE; an "
                                + "allocated head has a reference; no page is both.",
                        "mm/page_alloc.c:page_expected_state, check_new_page, free_pages_prepare (v6.18)",
                        (s, out) -> pageState(s.machine, out)),
                Invariant.of("BUDDY-HIGHATOMIC", SUB,
                        "nr_reserved_highatomic equals the pages in MIGRATE_HIGHATOMIC pageblocks, and grows only "
                                + "while it is below about 1% of the zone (ALIGN(managed / 100, pageblock_nr_pages)).",
                        "mm/page_alloc.c:reserve_highatomic_pageblock, unreserve_highatomic_pageblock (v6.18)",
                        (s, out) -> highatomic(s.machine, out)),
                Invariant.of("WMARK-FORMULA", SUB,
                        "Each zone's min, low, high and promo watermarks are what __setup_per_zone_wmarks computes "
                                + "from min_free_kbytes, watermark_scale_factor and the zones' managed pages.",
                        "mm/page_alloc.c:__setup_per_zone_wmarks (v6.18)",
                        BuddyInvariants::wmarkFormula),
                Invariant.of("WMARK-ORDER", SUB,
                        "min <= low <= high <= promo, and the three steps between them are equal.",
                        "mm/page_alloc.c:__setup_per_zone_wmarks (v6.18): low = min + tmp, high = low + tmp, promo = "
                                + "high + tmp",
                        BuddyInvariants::wmarkOrder),
                Invariant.of("LOWMEM-RESERVE", SUB,
                        "lowmem_reserve[j] of zone i is the managed pages of zones i+1..j divided by "
                                + "lowmem_reserve_ratio[i], or 0 when that ratio or zone i's managed pages are 0.",
                        "mm/page_alloc.c:setup_per_zone_lowmem_reserve (v6.18)",
                        BuddyInvariants::lowmemReserve),
                Invariant.of("BOOST-BOUNDS", SUB,
                        "watermark_boost never exceeds max(pageblock_nr_pages, high * watermark_boost_factor / 10000) "
                                + "for a fixed watermark_boost_factor, and stays 0 on a zone where pageblock_nr_pages * 4 "
                                + "> managed pages.",
                        "mm/page_alloc.c:boost_watermark (v6.18)",
                        BuddyInvariants::boostBounds),
                Invariant.of("KERNEL-NO-WARN", SUB,
                        "The reference never reaches a VM_BUG_ON, VM_WARN_ON or WARN_ON_ONCE that the kernel has on "
                                + "these paths.",
                        "mm/page_alloc.c (v6.18), CONFIG_DEBUG_VM assertions",
                        (s, out) -> noWarn(s.machine, out)),
                Invariant.of(BuddyOps.REJECT_UNCHANGED, SUB,
                        "A rejected operation (a double free, a wrong order, a pfn outside the zone, a bad gfp mask) "
                                + "leaves the state exactly as it was.",
                        "mm/page_alloc.c:bad_page, __free_pages (v6.18); DESIGN.md conventions",
                        (s, out) -> pending(s, out, BuddyOps.REJECT_UNCHANGED)),
                Invariant.of("BUDDY-SPEC-WELLFORMED", SUB,
                        "The spec state is a partition of the available pages into aligned blocks, free blocks "
                                + "never span pageblock classes, and free blocks are maximal except deferred pairs.",
                        "spec/README.md, Buddy: state invariants",
                        (s, out) -> {
                            for (String v : s.spec.check()) out.add(Violation.of("BUDDY-SPEC-WELLFORMED", v));
                        }),
                Invariant.of(BuddyOps.REFINEMENT, SUB,
                        "Every outcome is one the spec allows (aligned free range of the right size, a failure only "
                                + "when no zone could serve it, an exact free), and abstracting the reference gives "
                                + "exactly the spec's blocks and pageblock classes.",
                        "spec/README.md, Buddy: refinement",
                        BuddyInvariants::refinement));
    }

    /**
     * The allocator's invariants that hold whatever drives the allocator (another subsystem's
     * pages in play included), as checks on the {@link Machine} {@code machineOf} gives: the
     * partition and free-list structure, the free counters, page states and the highatomic
     * reserve, and the allocator's kernel warnings. Same IDs, statements and citations as here;
     * BUDDY-MAX-MERGE counts no merge as deferred (only pageblock retypes between classes defer
     * one, and a subsystem that allocates only movable order-0 pages makes none).
     */
    public static <S> List<Invariant<S>> allocatorInvariants(java.util.function.Function<S, Machine> machineOf) {
        java.util.Map<String, java.util.function.BiConsumer<Machine, List<Violation>>> checks = new java.util.LinkedHashMap<>();
        checks.put("BUDDY-ALIGN", BuddyInvariants::align);
        checks.put("BUDDY-PARTITION", BuddyInvariants::partition);
        checks.put("BUDDY-FREELIST", BuddyInvariants::freelists);
        checks.put("BUDDY-NR-FREE", BuddyInvariants::nrFree);
        checks.put("BUDDY-MAX-MERGE", (m, out) -> maxMerge(m, (pfn, o) -> false, out));
        checks.put("BUDDY-PBTYPE", BuddyInvariants::pbtype);
        checks.put("BUDDY-NR-FREE-PAGES", BuddyInvariants::nrFreePages);
        checks.put("BUDDY-PAGE-STATE", BuddyInvariants::pageState);
        checks.put("BUDDY-HIGHATOMIC", BuddyInvariants::highatomic);
        checks.put("KERNEL-NO-WARN", BuddyInvariants::noWarn);
        List<Invariant<S>> out = new java.util.ArrayList<>();
        for (Invariant<BuddyState> inv : all()) {
            var check = checks.get(inv.id());
            if (check == null) continue;
            out.add(Invariant.of(inv.id(), inv.subsystem(), inv.statement(), inv.citation(),
                    (s, o) -> check.accept(machineOf.apply(s), o)));
        }
        return out;
    }

    static void pending(BuddyState s, List<Violation> out, String id) {
        for (Violation v : s.pending) if (v.invariantId().equals(id)) out.add(v);
    }

    // ------------------------------------------------------------------ checks

    static void align(Machine m, List<Violation> out) {
        MemMap mem = m.mem();
        for (Zone z : m.node().zones) {
            if (z.spannedPages == 0) continue;
            for (int o = 0; o < z.nrOrders(); o++) {
                for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) {
                    int guard = mem.nrPages();
                    for (int p = mem.listFirst(z.list(o, mt)); p != MemMap.NIL && guard-- > 0; p = mem.listNext(p)) {
                        long pfn = mem.pfn(p);
                        int order = mem.order[p];
                        if ((pfn & ((1L << order) - 1)) != 0) {
                            out.add(Violation.of("BUDDY-ALIGN", "free block 0x" + Long.toHexString(pfn) + " of order " + order
                                    + " is not aligned to 2^" + order + " pages", pfn).withNodes(z.name()));
                        }
                    }
                }
            }
        }
    }

    static void partition(Machine m, List<Violation> out) {
        MemMap mem = m.mem();
        int[] flags = mem.flags;
        byte[] ord = mem.order;
        int reported = 0;
        for (Zone z : m.node().zones) {
            if (z.spannedPages == 0) continue;
            int first = mem.idx(z.zoneStartPfn);
            int last = mem.idx(z.zoneEndPfn());
            int blockHead = -1;
            int blockEnd = first; // pages [blockHead, blockEnd) belong to the current block
            for (int i = first; i < last && reported < 3; i++) {
                int f = flags[i];
                // a free block compaction's free scanner holds isolated counts as a block too
                boolean head = (f & (PageFlags.PGTY_buddy | PageFlags.MODEL_ALLOC_HEAD | PageFlags.MODEL_COMPACT_FREE)) != 0;
                if (i < blockEnd) {
                    String why = null;
                    if (head) why = "overlaps the block that starts at 0x" + Long.toHexString(mem.pfn(i));
                    else if ((f & (PageFlags.MODEL_NOT_PRESENT | PageFlags.PG_reserved)) != 0) {
                        why = ((f & PageFlags.MODEL_NOT_PRESENT) != 0 ? "covers the hole at pfn 0x" : "covers the reserved page 0x")
                                + Long.toHexString(mem.pfn(i));
                    }
                    if (why != null) {
                        int h = blockHead;
                        out.add(Violation.of("BUDDY-PARTITION", kind(flags[h])
                                + " block 0x" + Long.toHexString(mem.pfn(h)) + " of order " + ord[h] + " " + why,
                                mem.pfn(h), mem.pfn(i)).withNodes(z.name()));
                        reported++;
                        if (head) {
                            blockHead = i;
                            blockEnd = i + (1 << ord[i]);
                        }
                    }
                    continue;
                }
                if (head) {
                    blockHead = i;
                    blockEnd = i + (1 << ord[i]);
                    if (blockEnd > last) {
                        out.add(Violation.of("BUDDY-PARTITION", kind(f)
                                + " block 0x" + Long.toHexString(mem.pfn(i)) + " of order " + ord[i] + " leaves zone " + z.name()
                                + " at pfn 0x" + Long.toHexString(z.zoneEndPfn()), mem.pfn(i)).withNodes(z.name()));
                        reported++;
                    }
                } else if ((f & (PageFlags.PG_reserved | PageFlags.MODEL_NOT_PRESENT)) == 0) {
                    out.add(Violation.of("BUDDY-PARTITION", "available pfn 0x" + Long.toHexString(mem.pfn(i))
                            + " is in no free or allocated block", mem.pfn(i)).withNodes(z.name()));
                    reported++;
                }
            }
        }
    }

    private static String kind(int f) {
        if ((f & PageFlags.PGTY_buddy) != 0) return "free";
        return (f & PageFlags.MODEL_COMPACT_FREE) != 0 ? "compaction-isolated free" : "allocated";
    }

    static void freelists(Machine m, List<Violation> out) {
        MemMap mem = m.mem();
        long onLists = 0;
        int reported = 0;
        for (Zone z : m.node().zones) {
            if (z.spannedPages == 0) continue;
            for (int o = 0; o < z.nrOrders(); o++) {
                for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) {
                    int list = z.list(o, mt);
                    int guard = mem.nrPages() + 1;
                    int prev = MemMap.NIL;
                    for (int p = mem.listFirst(list); p != MemMap.NIL; p = mem.listNext(p)) {
                        if (--guard < 0) {
                            out.add(Violation.of("BUDDY-FREELIST", "free_list[" + o + "][" + MigrateType.name(mt) + "] of "
                                    + z.name() + " does not end: the list is corrupt").withNodes(z.name()));
                            return;
                        }
                        onLists++;
                        long pfn = mem.pfn(p);
                        if (mem.listPrev(p) != prev && reported < 3) {
                            out.add(Violation.of("BUDDY-FREELIST", "pfn 0x" + Long.toHexString(pfn) + " on free_list[" + o
                                    + "][" + MigrateType.name(mt) + "] has a broken prev link", pfn).withNodes(z.name()));
                            reported++;
                        }
                        prev = p;
                        int f = mem.flags[p];
                        String why = null;
                        if ((f & PageFlags.PGTY_buddy) == 0) why = "is not PageBuddy";
                        else if (mem.order[p] != o) why = "has buddy_order " + mem.order[p];
                        else if (PageFlags.zoneOf(f) != z.idx) why = "belongs to another zone";
                        if (why != null && reported < 3) {
                            out.add(Violation.of("BUDDY-FREELIST", "pfn 0x" + Long.toHexString(pfn) + " on " + z.name()
                                    + " free_list[" + o + "][" + MigrateType.name(mt) + "] " + why, pfn).withNodes(z.name()));
                            reported++;
                        }
                    }
                }
            }
        }
        long buddies = 0;
        for (int i = 0; i < mem.nrPages(); i++) {
            if ((mem.flags[i] & PageFlags.PGTY_buddy) != 0) {
                buddies++;
                if (!mem.onList(i) && reported < 3) {
                    out.add(Violation.of("BUDDY-FREELIST", "PageBuddy pfn 0x" + Long.toHexString(mem.pfn(i))
                            + " of order " + mem.order[i] + " is on no free list", mem.pfn(i)));
                    reported++;
                }
            }
        }
        if (buddies != onLists && reported == 0) {
            out.add(Violation.of("BUDDY-FREELIST", buddies + " PageBuddy heads but " + onLists + " entries on free lists"));
        }
    }

    static void nrFree(Machine m, List<Violation> out) {
        MemMap mem = m.mem();
        for (Zone z : m.node().zones) {
            if (z.spannedPages == 0) continue;
            for (int o = 0; o < z.nrOrders(); o++) {
                long n = 0;
                for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) {
                    int guard = mem.nrPages() + 1;
                    for (int p = mem.listFirst(z.list(o, mt)); p != MemMap.NIL && guard-- > 0; p = mem.listNext(p)) n++;
                }
                if (n != z.nrFree[o]) {
                    out.add(Violation.of("BUDDY-NR-FREE", z.name() + " free_area[" + o + "].nr_free is " + z.nrFree[o]
                            + " but its lists hold " + n + " blocks").withNodes(z.name(), "free_area[" + o + "]"));
                }
            }
        }
    }

    static void maxMerge(Machine m, java.util.function.BiPredicate<Long, Integer> deferred, List<Violation> out) {
        MemMap mem = m.mem();
        int[] flags = mem.flags;
        byte[] ord = mem.order;
        int maxOrder = m.config().maxPageOrder();
        int pbo = m.config().pageblockOrder();
        int nr = mem.nrPages();
        int reported = 0;
        // walk the free lists, not the mem_map: only free blocks can miss a merge
        for (Zone z : m.node().zones) {
            if (z.spannedPages == 0) continue;
            for (int o = 0; o < maxOrder && o < z.nrOrders(); o++) {
                if (z.nrFree[o] == 0) continue;
                for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) {
                    int guard = nr + 1;
                    for (int i = mem.listFirst(z.list(o, mt)); i != MemMap.NIL && guard-- > 0 && reported < 3; i = mem.listNext(i)) {
                        if (ord[i] != o) continue; // BUDDY-FREELIST's business
                        int b = i ^ (1 << o);
                        if (b < 0 || b >= nr) continue;
                        int f = flags[i];
                        int g = flags[b];
                        if ((g & PageFlags.PGTY_buddy) == 0 || ord[b] != o || ((f ^ g) & PageFlags.ZONE_MASK) != 0) continue;
                        if (b < i && (f & PageFlags.PGTY_buddy) != 0) continue; // report each pair once, from its lower block
                        long pfn = mem.pfn(Math.min(i, b));
                        long bpfn = mem.pfn(Math.max(i, b));
                        if (o >= pbo) {
                            int m1 = z.pageblockMigratetype(pfn);
                            int m2 = z.pageblockMigratetype(bpfn);
                            if (m1 != m2 && (!MigrateType.isMergeable(m1) || !MigrateType.isMergeable(m2))) continue;
                            if (deferred.test(pfn, o)) continue;
                        }
                        out.add(Violation.of("BUDDY-MAX-MERGE", "free buddies 0x" + Long.toHexString(pfn) + " and 0x"
                                + Long.toHexString(bpfn) + " of order " + o + " are both free but not merged", pfn, bpfn)
                                .withNodes(z.name()));
                        reported++;
                    }
                }
            }
        }
    }

    static void pbtype(Machine m, List<Violation> out) {
        MemMap mem = m.mem();
        int pbo = m.config().pageblockOrder();
        int reported = 0;
        for (Zone z : m.node().zones) {
            if (z.spannedPages == 0) continue;
            for (int o = 0; o < z.nrOrders(); o++) {
                for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) {
                    int guard = mem.nrPages() + 1;
                    for (int p = mem.listFirst(z.list(o, mt)); p != MemMap.NIL && guard-- > 0 && reported < 3; p = mem.listNext(p)) {
                        long pfn = mem.pfn(p);
                        int actual = z.pageblockMigratetype(pfn);
                        if (actual != mt) {
                            out.add(Violation.of("BUDDY-PBTYPE", "free block 0x" + Long.toHexString(pfn) + " of order " + o
                                    + " is on the " + MigrateType.name(mt) + " list but its pageblock is "
                                    + MigrateType.name(actual), pfn).withNodes(z.name()));
                            reported++;
                            continue;
                        }
                        if (o > pbo) {
                            for (long q = pfn + (1L << pbo); q < pfn + (1L << o); q += 1L << pbo) {
                                if (z.pageblockMigratetype(q) != mt) {
                                    out.add(Violation.of("BUDDY-PBTYPE", "free block 0x" + Long.toHexString(pfn) + " of order "
                                            + o + " (" + MigrateType.name(mt) + ") spans the " + MigrateType.name(
                                            z.pageblockMigratetype(q)) + " pageblock at 0x" + Long.toHexString(q), pfn, q)
                                            .withNodes(z.name()));
                                    reported++;
                                    break;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static void nrFreePages(Machine m, List<Violation> out) {
        MemMap mem = m.mem();
        int pbo = m.config().pageblockOrder();
        for (Zone z : m.node().zones) {
            if (z.spannedPages == 0) continue;
            long free = 0;
            long cma = 0;
            long highatomic = 0;
            long blocks = 0;
            for (int o = 0; o < z.nrOrders(); o++) {
                for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) {
                    long n = 0;
                    int guard = mem.nrPages() + 1;
                    for (int p = mem.listFirst(z.list(o, mt)); p != MemMap.NIL && guard-- > 0; p = mem.listNext(p)) n++;
                    long pages = n << o;
                    if (mt == MigrateType.MIGRATE_ISOLATE) continue;
                    free += pages;
                    if (mt == MigrateType.MIGRATE_CMA) cma += pages;
                    if (mt == MigrateType.MIGRATE_HIGHATOMIC) highatomic += pages;
                    if (o >= pbo) blocks += pages;
                }
            }
            check(out, z, "NR_FREE_PAGES", z.nrFreePages, free);
            check(out, z, "NR_FREE_CMA_PAGES", z.nrFreeCmaPages, cma);
            check(out, z, "nr_free_highatomic", z.nrFreeHighatomic, highatomic);
            check(out, z, "NR_FREE_PAGES_BLOCKS", z.nrFreePagesBlocks, blocks);
        }
    }

    private static void check(List<Violation> out, Zone z, String what, long counter, long actual) {
        if (counter != actual) {
            out.add(Violation.of("BUDDY-NR-FREE-PAGES", z.name() + " " + what + " is " + counter + " but the free lists hold "
                    + actual + " such pages").withNodes(z.name(), what));
        }
    }

    static void pageState(Machine m, List<Violation> out) {
        MemMap mem = m.mem();
        int[] flags = mem.flags;
        int[] ref = mem.refcount;
        int reported = 0;
        for (int i = 0; i < flags.length && reported < 3; i++) {
            int f = flags[i];
            if ((f & (PageFlags.PGTY_buddy | PageFlags.MODEL_ALLOC_HEAD)) == 0) continue;
            boolean buddy = (f & PageFlags.PGTY_buddy) != 0;
            boolean alloc = (f & PageFlags.MODEL_ALLOC_HEAD) != 0;
            String why = null;
            if (buddy && alloc) why = "is both PageBuddy and an allocated head";
            else if (buddy && ref[i] != 0) why = "is PageBuddy with refcount " + ref[i];
            else if (buddy && mem.mapcountOf(i) != 0) why = "is PageBuddy with mapcount " + mem.mapcountOf(i);
            else if (buddy && (f & PageFlags.PAGE_FLAGS_CHECK_AT_FREE) != 0) {
                why = "is PageBuddy with " + PageFlags.describe(f & PageFlags.PAGE_FLAGS_CHECK_AT_FREE);
            } else if (alloc && ref[i] < 1) why = "is an allocated head with refcount " + ref[i];
            if (why != null) {
                long pfn = mem.pfn(i);
                out.add(Violation.of("BUDDY-PAGE-STATE", "pfn 0x" + Long.toHexString(pfn) + " " + why, pfn));
                reported++;
            }
        }
    }

    static void highatomic(Machine m, List<Violation> out) {
        Node node = m.node();
        long pbn = 1L << m.config().pageblockOrder();
        int maxOrder = m.config().maxPageOrder();
        for (Zone z : node.zones) {
            long pages = 0;
            for (int b = 0; b < z.nrPageblocks(); b++) {
                long start = z.pageblockPfn(b);
                long pfn = Math.max(start, z.zoneStartPfn);
                if (!z.spansPfn(pfn)) continue;
                if (z.pageblockMigratetypeBits(pfn) == MigrateType.MIGRATE_HIGHATOMIC) pages += pbn;
            }
            if (pages != z.nrReservedHighatomic) {
                out.add(Violation.of("BUDDY-HIGHATOMIC", z.name() + " nr_reserved_highatomic is " + z.nrReservedHighatomic
                        + " but " + pages + " pages sit in MIGRATE_HIGHATOMIC pageblocks").withNodes(z.name()));
            }
            long maxManaged = ((z.managedPages / 100) + pbn - 1) / pbn * pbn;
            if (z.nrReservedHighatomic > 0 && z.nrReservedHighatomic >= maxManaged + Math.max(pbn, 1L << maxOrder)) {
                out.add(Violation.of("BUDDY-HIGHATOMIC", z.name() + " nr_reserved_highatomic " + z.nrReservedHighatomic
                        + " exceeds the 1% limit " + maxManaged + " by more than one reservation").withNodes(z.name()));
            }
        }
    }

    /** The last inputs and result of the watermark formula: it is pure, so recomputing it each step is waste. */
    private static final ThreadLocal<Object[]> WMARK_CACHE = new ThreadLocal<>();
    private static final ThreadLocal<Object[]> LOWMEM_CACHE = new ThreadLocal<>();

    static void wmarkFormula(BuddyState s, List<Violation> out) {
        Node node = s.node();
        VmSysctl sc = s.machine.sysctl();
        long[] managed = new long[ZoneType.MAX_NR_ZONES + 2];
        for (int z = 0; z < ZoneType.MAX_NR_ZONES; z++) managed[z] = node.zones[z].managedPages;
        managed[ZoneType.MAX_NR_ZONES] = sc.minFreeKbytes;
        managed[ZoneType.MAX_NR_ZONES + 1] = sc.watermarkScaleFactor;
        Object[] c = WMARK_CACHE.get();
        long[][] wm;
        if (c != null && java.util.Arrays.equals((long[]) c[0], managed)) {
            wm = (long[][]) c[1];
        } else {
            wm = Watermarks.setupPerZoneWmarks(java.util.Arrays.copyOf(managed, ZoneType.MAX_NR_ZONES), sc.minFreeKbytes,
                    sc.watermarkScaleFactor);
            WMARK_CACHE.set(new Object[] {managed, wm});
        }
        for (int z = 0; z < ZoneType.MAX_NR_ZONES; z++) {
            Zone zone = node.zones[z];
            for (int w = 0; w < Watermarks.NR_WMARK; w++) {
                if (zone.watermark[w] != wm[z][w]) {
                    out.add(Violation.of("WMARK-FORMULA", zone.name() + " watermark " + Watermarks.NAMES[w] + " is "
                            + zone.watermark[w] + " but __setup_per_zone_wmarks gives " + wm[z][w] + " (min_free_kbytes "
                            + sc.minFreeKbytes + ", watermark_scale_factor " + sc.watermarkScaleFactor + ", managed "
                            + managed[z] + ")").withNodes(zone.name(), "watermark " + Watermarks.NAMES[w]));
                }
            }
        }
    }

    static void wmarkOrder(BuddyState s, List<Violation> out) {
        for (Zone z : s.node().zones) {
            long[] w = z.watermark;
            boolean ordered = w[0] <= w[1] && w[1] <= w[2] && w[2] <= w[3];
            boolean even = w[1] - w[0] == w[2] - w[1] && w[3] - w[2] == w[2] - w[1];
            if (!ordered || !even) {
                out.add(Violation.of("WMARK-ORDER", z.name() + " watermarks min " + w[0] + " low " + w[1] + " high " + w[2]
                        + " promo " + w[3] + (ordered ? " are not evenly spaced" : " are out of order"))
                        .withNodes(z.name(), "watermark min", "watermark low", "watermark high", "watermark promo"));
            }
        }
    }

    static void lowmemReserve(BuddyState s, List<Violation> out) {
        Node node = s.node();
        int n = ZoneType.MAX_NR_ZONES;
        long[] key = new long[2 * n];
        for (int z = 0; z < n; z++) {
            key[z] = node.zones[z].managedPages;
            key[n + z] = s.machine.sysctl().lowmemReserveRatio[z];
        }
        Object[] c = LOWMEM_CACHE.get();
        long[][] lr;
        if (c != null && java.util.Arrays.equals((long[]) c[0], key)) {
            lr = (long[][]) c[1];
        } else {
            lr = Watermarks.lowmemReserve(java.util.Arrays.copyOf(key, n), s.machine.sysctl().lowmemReserveRatio);
            LOWMEM_CACHE.set(new Object[] {key, lr});
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (node.zones[i].lowmemReserve[j] != lr[i][j]) {
                    out.add(Violation.of("LOWMEM-RESERVE", node.zones[i].name() + " lowmem_reserve[" + j + "] is "
                            + node.zones[i].lowmemReserve[j] + " but setup_per_zone_lowmem_reserve gives " + lr[i][j])
                            .withNodes(node.zones[i].name(), "lowmem_reserve"));
                }
            }
        }
    }

    static void boostBounds(BuddyState s, List<Violation> out) {
        long pbn = 1L << s.machine.config().pageblockOrder();
        long factor = s.machine.sysctl().watermarkBoostFactor;
        for (Zone z : s.node().zones) {
            if (z.watermarkBoost == 0) continue;
            if (pbn * 4 > z.managedPages) {
                out.add(Violation.of("BOOST-BOUNDS", z.name() + " watermark_boost is " + z.watermarkBoost + " on a zone of "
                        + z.managedPages + " managed pages, smaller than four pageblocks (" + pbn * 4 + ")")
                        .withNodes(z.name(), "watermark_boost", "managed"));
                continue;
            }
            long max = Watermarks.maxBoost(z.watermark[Watermarks.WMARK_HIGH], factor, pbn, z.managedPages);
            if (z.watermarkBoost > max) {
                out.add(Violation.of("BOOST-BOUNDS", z.name() + " watermark_boost " + z.watermarkBoost + " exceeds max_boost "
                        + max + (max == 0 ? " (boost_watermark never boosts this zone)" : ""))
                        .withNodes(z.name(), "watermark_boost", "watermark high"));
            }
        }
    }

    static void noWarn(Machine m, List<Violation> out) {
        if (m.warnings().count() > 0) {
            List<String> msgs = m.warnings().messages();
            out.add(Violation.of("KERNEL-NO-WARN", m.warnings().count() + " kernel warning(s), first: "
                    + (msgs.isEmpty() ? "?" : msgs.get(0))));
        }
    }

    static void refinement(BuddyState s, List<Violation> out) {
        pending(s, out, BuddyOps.REFINEMENT);
        if (out.isEmpty()) BuddyAbstraction.compare(s.machine, s.spec, BuddyOps.REFINEMENT, out);
    }
}
