package org.mmspec.reference.alloc;

import java.util.List;

/**
 * One zone's geometry as /proc/zoneinfo prints it: {@code start_pfn}, {@code spanned},
 * {@code present}, {@code managed}. Pfns in the span but not present are holes; present pages
 * that are not managed are reserved (PG_reserved, never in the buddy). By default holes sit at the
 * end of the span and reserved pages at the start of the present range; {@code holes} and
 * {@code reserved} place them explicitly. {@code cma} lists pfn ranges (whole pageblocks) given to
 * CMA at boot, as init_cma_reserved_pageblock() does.
 */
public record ZoneConfig(ZoneType type, long startPfn, long spanned, long present, long managed,
                         List<PfnRange> holes, List<PfnRange> reserved, List<PfnRange> cma) {

    public ZoneConfig {
        holes = holes == null ? List.of() : List.copyOf(holes);
        reserved = reserved == null ? List.of() : List.copyOf(reserved);
        cma = cma == null ? List.of() : List.copyOf(cma);
    }

    /** A zone with every spanned page present and managed. */
    public static ZoneConfig of(ZoneType type, long startPfn, long pages) {
        return new ZoneConfig(type, startPfn, pages, pages, pages, null, null, null);
    }

    public static ZoneConfig of(ZoneType type, long startPfn, long spanned, long present, long managed) {
        return new ZoneConfig(type, startPfn, spanned, present, managed, null, null, null);
    }

    public ZoneConfig withCma(List<PfnRange> ranges) {
        return new ZoneConfig(type, startPfn, spanned, present, managed, holes, reserved, ranges);
    }

    public long endPfn() {
        return startPfn + spanned;
    }

    /** The holes: explicit ones, or the tail of the span beyond the present pages. */
    public List<PfnRange> effectiveHoles() {
        if (!holes.isEmpty() || spanned == present) return holes;
        return List.of(new PfnRange(startPfn + present, endPfn()));
    }

    /** The reserved ranges: explicit ones, or the first present - managed present pages. */
    public List<PfnRange> effectiveReserved() {
        if (!reserved.isEmpty() || present == managed) return reserved;
        // first (present - managed) pfns that are not holes
        List<PfnRange> hs = effectiveHoles();
        long need = present - managed;
        long pfn = startPfn;
        java.util.ArrayList<PfnRange> out = new java.util.ArrayList<>();
        while (need > 0 && pfn < endPfn()) {
            PfnRange hole = null;
            for (PfnRange h : hs) if (h.contains(pfn)) hole = h;
            if (hole != null) {
                pfn = hole.end();
                continue;
            }
            long end = endPfn();
            for (PfnRange h : hs) if (h.start() > pfn) end = Math.min(end, h.start());
            long take = Math.min(need, end - pfn);
            out.add(new PfnRange(pfn, pfn + take));
            need -= take;
            pfn += take;
        }
        return out;
    }
}
