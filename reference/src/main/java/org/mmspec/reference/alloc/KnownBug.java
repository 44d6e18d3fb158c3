package org.mmspec.reference.alloc;

import java.util.ArrayList;
import java.util.List;

/**
 * Historical Linux mm bugs the reference can re-create, each switched at exactly one place in the
 * reference and off by default. Each names the commit that fixed it upstream, so a reader can see
 * what the kernel got wrong and what the suite does about it.
 */
public enum KnownBug {
    ISOLATE_MERGE("isolate-merge", "d9dddbf55667", "v4.6",
            "mm/page_alloc: prevent merging between isolated and other pageblocks",
            "buddy",
            "__free_one_page merges a free block with its buddy across a pageblock boundary even when one "
                    + "pageblock is MIGRATE_ISOLATE, so isolated pages rejoin a normal free list and the "
                    + "free-page accounting goes wrong. The fix refuses merges at order >= pageblock_order "
                    + "between types that are not both mergeable."),
    BOOST_SMALL_ZONE("boost-small-zone", "14f69140ff9c", "v5.7",
            "mm: limit boost_watermark on small zones",
            "buddy",
            "boost_watermark boosts even zones smaller than four pageblocks, where the boost can exceed "
                    + "what the zone can ever reclaim and push an allocation into OOM at once. The fix "
                    + "returns early when pageblock_nr_pages * 4 > zone_managed_pages(zone)."),
    ANON_VMA_DEGREE("anon-vma-degree", "2555283eb40d", "v6.0",
            "mm/rmap: Fix anon_vma->degree ambiguity leading to double-reuse",
            "rmap",
            "anon_vma->degree counted child anon_vmas and VMAs together, and anon_vma_clone() reused any "
                    + "anon_vma other than src->anon_vma whose degree was below 2, assuming such an anon_vma "
                    + "could not be a leaf with a VMA of its own. Reuse abandons leaves, so an anon_vma still "
                    + "used by one VMA could be reused for another (of another process), and VMAs sharing an "
                    + "anon_vma no longer had the same anon_vma chains, which vma_merge() relies on. The fix "
                    + "splits degree into num_children and num_active_vmas and reuses only an anon_vma with no "
                    + "VMA and at most one child."),
    SCANNERS_MET("scanners-met", "f2849aa09d4f", "v4.3",
            "mm, compaction: more robust check for scanners meeting",
            "compaction",
            "compact_finished() ended a compaction run when free_pfn <= migrate_pfn, comparing raw pfns. "
                    + "Since e14c720efdd7 the free scanner may stop in the middle of a pageblock; when the "
                    + "migration scanner then reaches the start of that pageblock, isolate_migratepages() cannot "
                    + "scan it (its end lies above free_pfn) and stops without moving, the raw test says the "
                    + "scanners have not met, and compact_zone() repeats the same round for ever (the hot-fix "
                    + "1d5bfe1ffb5b bent the migration scanner's position instead; v6.18 has neither). The fix "
                    + "compares pageblock numbers in compact_scanners_met()."),
    NONRESIDENT_AGE_ANON("nonresident-age-anon", "6f4e186fae1a", "v5.8",
            "mm: workingset: age nonresident information alongside anonymous pages",
            "reclaim",
            "After 34e58cac6d8f (\"mm: workingset: let cache workingset challenge anon\") the refault distance "
                    + "of a file page is compared with a workingset size that counts the anonymous lists too, but "
                    + "the nonresident age (then inactive_age) was still driven by the file LRU alone: evictions of "
                    + "file pages and activations through mark_page_accessed() and refaults. Anonymous evictions "
                    + "(swap-outs) and the folios reclaim puts back active (move_pages_to_lru) did not advance it, so "
                    + "refault distances came out too short and refaults were activated although more evictions and "
                    + "activations than the workingset holds had happened since their eviction. The fix ages the "
                    + "nonresident information in move_pages_to_lru() for every active page and on every eviction "
                    + "of a swap cache page (workingset_eviction() in __remove_mapping()). Re-created in "
                    + "workingset_age_nonresident(): with the bug, anonymous folios and reclaim's putback of active "
                    + "folios do not advance the age.");

    private final String bugName;
    private final String fixCommit;
    private final String fixedIn;
    private final String title;
    private final String subsystem;
    private final String description;

    KnownBug(String bugName, String fixCommit, String fixedIn, String title, String subsystem, String description) {
        this.bugName = bugName;
        this.fixCommit = fixCommit;
        this.fixedIn = fixedIn;
        this.title = title;
        this.subsystem = subsystem;
        this.description = description;
    }

    public String bugName() {
        return bugName;
    }

    public String fixCommit() {
        return fixCommit;
    }

    public String fixedIn() {
        return fixedIn;
    }

    public String title() {
        return title;
    }

    public String subsystem() {
        return subsystem;
    }

    public String description() {
        return description;
    }

    public static KnownBug byName(String name) {
        for (KnownBug b : values()) if (b.bugName.equals(name)) return b;
        return null;
    }

    public static String names() {
        List<String> n = new ArrayList<>();
        for (KnownBug b : values()) n.add(b.bugName);
        return String.join(", ", n);
    }
}
