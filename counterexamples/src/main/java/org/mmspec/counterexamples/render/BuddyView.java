package org.mmspec.counterexamples.render;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.buddy.BuddyState;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Step;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.MigrateType;
import org.mmspec.reference.alloc.Node;
import org.mmspec.reference.alloc.Watermarks;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * The buddy allocator drawn as a kernel developer pictures it. Each populated zone is one table:
 * on the left the zone as a strip of pageblocks, one row per pageblock (first pfn in hex,
 * migratetype, {@code [ISOLATE]}, {@code [skip]}) with the blocks inside it ({@code 0x1a0 o2}),
 * free blocks coloured by the migratetype of the free list they sit on, allocated blocks grey,
 * holes and reserved pages dark; a block larger than a pageblock spans its pageblocks' rows. On
 * the right the free lists (a count per order and migratetype, and {@code nr_free}) and the
 * zone's counters and watermarks. Runs that say nothing new are collapsed so a 1024-page zone
 * stays readable: three or more allocated blocks of one order in a row, and three or more
 * pageblocks in a row holding the same single kind of block. Nothing red or touched is ever
 * collapsed.
 *
 * <p>What the step touched (the block allocated or freed, the pageblocks isolated) has a thick
 * blue outline; what the violation names (blocks and pageblocks by pfn, zones, {@code
 * free_area[N]}, counters) is red.
 */
public final class BuddyView implements DiagramView<BuddyState> {
    /**
     * Free-list and pageblock colours by migratetype (ColorBrewer Set3, distinct for colour-blind
     * readers too): Unmovable orange, Movable blue, Reclaimable green, HighAtomic purple, CMA
     * yellow, Isolate pink.
     */
    public static final String[] MIGRATETYPE_COLOURS = {"#fdb462", "#80b1d3", "#b3de69", "#bc80bd", "#ffed6f", "#fccde5"};
    public static final String ALLOCATED = "#d0d0d0";
    public static final String HOLE = "#3c3c3c";
    public static final String RESERVED = "#6b6b6b";
    public static final String OUTSIDE = "#f0f0f0";
    public static final String TOUCHED = "#0047c2";
    /** Width in points of one pageblock row's blocks, so block widths show their sizes. */
    static final int ROW_POINTS = 240;
    /** Runs of at least this many equal things are drawn as one. */
    static final int COLLAPSE_AT = 3;

    @Override
    public String subsystem() {
        return "buddy";
    }

    @Override
    public Class<BuddyState> stateType() {
        return BuddyState.class;
    }

    // ------------------------------------------------------------------ model of a drawn zone

    enum Kind { FREE, ALLOCATED, HOLE, RESERVED, OUTSIDE, NO_BLOCK }

    /** One cell of a pageblock row: a block, or a run of pages that are in no block. */
    static final class Item {
        final Kind kind;
        final long pfn;
        long pages;
        final int order;
        /** For a free block, the migratetype of the free list it is on; -1 when on none. */
        final int listMt;
        final Long handle;
        /** How many equal blocks this cell stands for (collapsed runs); the last one's pfn. */
        int count = 1;
        long lastPfn;
        Highlight.Mark mark = Highlight.Mark.NONE;
        boolean touched;
        /** The block began in an earlier row (a misaligned block crossing a pageblock). */
        boolean continued;

        Item(Kind kind, long pfn, long pages, int order, int listMt, Long handle) {
            this.kind = kind;
            this.pfn = pfn;
            this.pages = pages;
            this.order = order;
            this.listMt = listMt;
            this.handle = handle;
            this.lastPfn = pfn;
        }

        boolean block() {
            return kind == Kind.FREE || kind == Kind.ALLOCATED;
        }

        boolean marked() {
            return mark != Highlight.Mark.NONE || touched;
        }

        boolean contains(long p) {
            return p >= pfn && p < pfn + pages * count;
        }

        boolean sameShape(Item o) {
            return kind == o.kind && order == o.order && listMt == o.listMt && !marked() && !o.marked()
                    && !continued && !o.continued;
        }
    }

    /** A pageblock's header cell, or a run of equal pageblocks. */
    static final class Pageblock {
        final long pfn;
        final int bits;
        long lastPfn;
        int count = 1;
        Highlight.Mark mark = Highlight.Mark.NONE;
        boolean touched;

        Pageblock(long pfn, int bits) {
            this.pfn = pfn;
            this.bits = bits;
            this.lastPfn = pfn;
        }

        int effectiveMt() {
            return (bits & Zone.PB_migrate_isolate) != 0 ? MigrateType.MIGRATE_ISOLATE : bits & Zone.MIGRATETYPE_MASK;
        }
    }

    /**
     * A row group of the strip: one pageblock with its blocks, or the pageblocks a block larger
     * than a pageblock covers ({@code spanning}), or a collapsed run of such rows.
     */
    static final class Row {
        final List<Pageblock> pageblocks = new ArrayList<>();
        final List<Item> items = new ArrayList<>();
        boolean spanning;

        boolean plain() {
            if (items.size() != 1) return false;
            Item it = items.get(0);
            if (it.marked() || it.continued) return false;
            if (pageblocks.size() != 1 && !spanning) return false;
            for (Pageblock pb : pageblocks) {
                if (pb.mark != Highlight.Mark.NONE || pb.touched || pb.bits != pageblocks.get(0).bits) return false;
            }
            return true;
        }
    }

    // ------------------------------------------------------------------ panel

    @Override
    public String panel(BuddyState s, int stepIndex, Step step, Outcome outcome, Highlight marks) {
        if (marks == null) marks = Highlight.NONE;
        String id = DiagramView.panelId(stepIndex);
        String p = DiagramView.prefix(stepIndex);
        Node node = s.node();
        MachineConfig cfg = s.machine.config();
        Set<String> zoneNames = new LinkedHashSet<>();
        for (Zone z : node.zones) if (z.spannedPages > 0) zoneNames.add(z.name());
        long[] touched = touchedRange(outcome);
        boolean touchesPageblocks = outcome != null && outcome.facts().containsKey("start_pfn");

        StringBuilder sb = new StringBuilder();
        sb.append("subgraph cluster_").append(id).append(" {\n");
        sb.append("  label=<").append(panelLabel(stepIndex, step, outcome, marks, cfg)).append(">;\n");
        sb.append("  labeljust=l; labelloc=t; fontname=").append(Dot.quote(Dot.FONT)).append("; fontsize=13; margin=12;\n");
        boolean violated = !marks.isEmpty();
        sb.append(violated ? "  color=\"" + Dot.RED + "\"; penwidth=3;\n" : "  color=\"#808080\"; penwidth=1;\n");
        boolean any = false;
        String previous = null;
        for (Zone z : node.zones) {
            if (!z.populated()) continue;
            any = true;
            String zid = p + "zone_" + z.name();
            List<Row> rows = rows(s, z, marks, touched, touchesPageblocks);
            sb.append("  ").append(zid).append(" [margin=0, label=<").append(zoneTable(s, z, rows, marks, zoneNames)).append(">];\n");
            // zones one under the other, lowest first, as /proc/zoneinfo lists them
            if (previous != null) sb.append("  ").append(previous).append(" -> ").append(zid).append(" [style=invis];\n");
            previous = zid;
        }
        if (!any) sb.append("  ").append(p).append("empty [label=\"no populated zone\"];\n");
        sb.append("}\n");
        return sb.toString();
    }

    static String colour(Highlight.Mark m) {
        return switch (m) {
            case PRIMARY -> Dot.RED;
            case OTHER -> Dot.ORANGE;
            default -> "black";
        };
    }

    /**
     * One zone as one table, stacked: its name and span, the strip of pageblocks, the free
     * lists, the counters. One node, so nothing in it floats: Graphviz stretches the narrower
     * tables to the widest, never a table's height.
     */
    private static String zoneTable(BuddyState s, Zone z, List<Row> rows, Highlight marks, Set<String> zoneNames) {
        Highlight.Mark zm = marks.node(z.name());
        boolean m = zm != Highlight.Mark.NONE;
        StringBuilder sb = new StringBuilder();
        sb.append("<TABLE BORDER=\"").append(m ? 3 : 1).append("\" COLOR=\"").append(m ? colour(zm) : "#404040")
          .append("\" CELLBORDER=\"0\" CELLSPACING=\"6\" CELLPADDING=\"0\">");
        sb.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"13\" COLOR=\"").append(colour(zm)).append("\">zone ")
          .append(Dot.html(z.name())).append(" [").append(Dot.hex(z.zoneStartPfn)).append(", ").append(Dot.hex(z.zoneEndPfn()))
          .append(")</FONT></TD></TR>");
        sb.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\">spanned ").append(z.spannedPages).append(", present ")
          .append(z.presentPages).append(", managed ").append(z.managedPages).append(" pages</FONT></TD></TR>");
        sb.append("<TR><TD ALIGN=\"LEFT\">").append(strip(s, z, rows)).append("</TD></TR>");
        sb.append("<TR><TD ALIGN=\"LEFT\">").append(freeLists(s, z, marks, zoneNames)).append("</TD></TR>");
        sb.append("<TR><TD ALIGN=\"LEFT\">").append(counters(s, z, marks, zoneNames)).append("</TD></TR>");
        return sb.append("</TABLE>").toString();
    }

    private static String panelLabel(int stepIndex, Step step, Outcome outcome, Highlight marks, MachineConfig cfg) {
        StringBuilder sb = new StringBuilder("<TABLE BORDER=\"0\" CELLPADDING=\"1\" CELLSPACING=\"0\">");
        String title;
        if (stepIndex < 0) {
            title = "boot: configuration " + cfg.name() + " (MAX_PAGE_ORDER " + cfg.maxPageOrder() + ", pageblock_order "
                    + cfg.pageblockOrder() + ")" + (cfg.knownBugs().isEmpty() ? "" : ", known bugs " + cfg.knownBugs());
        } else {
            title = DiagramView.title(stepIndex, step, outcome);
        }
        sb.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"14\" COLOR=\"").append(marks.isEmpty() ? "black" : Dot.RED)
          .append("\">").append(Dot.html(title)).append("</FONT></TD></TR>");
        for (Violation v : marks.ordered()) {
            boolean primary = marks.primary(v);
            sb.append("<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\"><FONT POINT-SIZE=\"").append(primary ? 13 : 11).append("\" COLOR=\"")
              .append(primary ? Dot.RED : Dot.ORANGE).append("\">")
              .append(Dot.wrap((primary ? "" : "also ") + v.invariantId() + ": " + v.message(), primary ? 100 : 120))
              .append("</FONT></TD></TR>");
        }
        if (!marks.isEmpty()) {
            sb.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\" COLOR=\"#404040\">")
              .append(stepIndex >= 0 ? "the state after step " + stepIndex : "the booted state")
              .append("; red: what ").append(Dot.html(marks.invariantId() == null ? "the violation" : marks.invariantId()))
              .append(" names").append(marks.ordered().stream().anyMatch(v -> !marks.primary(v)) ? "; orange: what the others name" : "")
              .append("</FONT></TD></TR>");
        }
        return sb.append("</TABLE>").toString();
    }

    /** [start, end) of the pfns the step touched, from its outcome's facts; null when none. */
    static long[] touchedRange(Outcome outcome) {
        if (outcome == null || outcome.kind() != Outcome.Kind.OK) return null;
        Map<String, Object> f = outcome.facts();
        if (f.get("start_pfn") instanceof Long a && f.get("end_pfn") instanceof Long b) return new long[] {a, b};
        if (f.get("pfn") instanceof Long pfn) {
            long order = f.get("order") instanceof Long o ? o : 0;
            if (order < 0 || order > 30) order = 0;
            return new long[] {pfn, pfn + (1L << order)};
        }
        return null;
    }

    // ------------------------------------------------------------------ building rows

    /** The strip of {@code z}: its pageblocks with their blocks, red and touched marked, runs collapsed. */
    static List<Row> rows(BuddyState s, Zone z, Highlight marks, long[] touched, boolean touchesPageblocks) {
        Node node = s.node();
        MemMap mem = node.mem;
        int pbo = node.pageblockOrder();
        long pbn = 1L << pbo;
        int maxOrder = s.machine.config().maxPageOrder();
        Map<Integer, Integer> listOf = freeListTypes(mem, z);
        Map<Long, Long> handles = new HashMap<>();
        for (Map.Entry<Long, long[]> e : s.handles.entrySet()) handles.put(e.getValue()[0], e.getKey());

        List<Row> rows = new ArrayList<>();
        long end = z.zoneEndPfn();
        Item carry = null; // a block crossing into the next pageblock
        for (int b = 0; b < z.nrPageblocks(); b++) {
            long pb = z.pageblockPfn(b);
            if (!mem.covers(pb)) continue;
            Row row = new Row();
            row.pageblocks.add(new Pageblock(pb, node.pageblockBits(pb)));
            int i = mem.idx(pb);
            int f = mem.flags[i];
            int order = mem.order[i];
            boolean head = (f & (PageFlags.PGTY_buddy | PageFlags.MODEL_ALLOC_HEAD)) != 0 && mem.zoneId(i) == z.idx;
            if (carry == null && head && order > pbo && order <= maxOrder + 1) {
                // a block larger than a pageblock: one row group over the pageblocks it covers
                long pages = Math.min(1L << order, Math.max(pbn, ((end + pbn - 1) / pbn) * pbn - pb));
                pages = Math.min(pages, mem.endPfn() - pb);
                row.spanning = true;
                row.items.add(block(mem, i, f, order, pages, listOf, handles));
                int n = (int) ((pages + pbn - 1) / pbn);
                for (int k = 1; k < n && b + 1 < z.nrPageblocks(); k++) {
                    b++;
                    long q = z.pageblockPfn(b);
                    row.pageblocks.add(new Pageblock(q, node.pageblockBits(q)));
                }
                rows.add(row);
                continue;
            }
            long pfn = pb;
            long rowEnd = Math.min(pb + pbn, mem.endPfn());
            if (carry != null) {
                Item c = new Item(carry.kind, pfn, Math.min(carry.pages, rowEnd - pfn), carry.order, carry.listMt, carry.handle);
                c.continued = true;
                row.items.add(c);
                long left = carry.pages - c.pages;
                pfn += c.pages;
                carry = left > 0 ? new Item(carry.kind, pfn, left, carry.order, carry.listMt, carry.handle) : null;
            }
            while (pfn < rowEnd) {
                int j = mem.idx(pfn);
                int fl = mem.flags[j];
                Item it;
                if (mem.zoneId(j) != z.idx) {
                    it = run(mem, pfn, rowEnd, Kind.OUTSIDE, z.idx);
                } else if ((fl & PageFlags.MODEL_NOT_PRESENT) != 0) {
                    it = run(mem, pfn, rowEnd, Kind.HOLE, z.idx);
                } else if ((fl & (PageFlags.PGTY_buddy | PageFlags.MODEL_ALLOC_HEAD)) != 0) {
                    int o = mem.order[j];
                    if (o < 0 || o > maxOrder + 1) o = 0;
                    long pages = 1L << o;
                    it = block(mem, j, fl, o, Math.min(pages, rowEnd - pfn), listOf, handles);
                    if (pages > rowEnd - pfn) {
                        carry = new Item(it.kind, rowEnd, pages - (rowEnd - pfn), o, it.listMt, it.handle);
                    }
                } else if ((fl & PageFlags.PG_reserved) != 0) {
                    it = run(mem, pfn, rowEnd, Kind.RESERVED, z.idx);
                } else {
                    it = run(mem, pfn, rowEnd, Kind.NO_BLOCK, z.idx);
                }
                row.items.add(it);
                pfn += it.pages;
            }
            rows.add(row);
        }
        mark(rows, marks.pfns(), touched, touchesPageblocks, pbn);
        for (Row r : rows) {
            collapseItems(r);
            collapsePageblocks(r);
        }
        return collapseRows(rows);
    }

    private static Item block(MemMap mem, int idx, int flags, int order, long pages, Map<Integer, Integer> listOf,
                              Map<Long, Long> handles) {
        long pfn = mem.pfn(idx);
        if ((flags & PageFlags.PGTY_buddy) != 0) {
            Integer mt = listOf.get(idx);
            return new Item(Kind.FREE, pfn, pages, order, mt == null ? -1 : mt, null);
        }
        return new Item(Kind.ALLOCATED, pfn, pages, order, -1, handles.get(pfn));
    }

    /** A run of pages of one kind that are not block heads, up to {@code end}. */
    private static Item run(MemMap mem, long pfn, long end, Kind kind, int zoneIdx) {
        long q = pfn + 1;
        while (q < end && classify(mem, mem.idx(q), zoneIdx) == kind) q++;
        return new Item(kind, pfn, q - pfn, -1, -1, null);
    }

    private static Kind classify(MemMap mem, int i, int zoneIdx) {
        int f = mem.flags[i];
        if (mem.zoneId(i) != zoneIdx) return Kind.OUTSIDE;
        if ((f & PageFlags.MODEL_NOT_PRESENT) != 0) return Kind.HOLE;
        if ((f & PageFlags.PGTY_buddy) != 0) return Kind.FREE;
        if ((f & PageFlags.MODEL_ALLOC_HEAD) != 0) return Kind.ALLOCATED;
        if ((f & PageFlags.PG_reserved) != 0) return Kind.RESERVED;
        return Kind.NO_BLOCK;
    }

    /** free_area list of every free page on a list of the zone: page index -> migratetype. */
    static Map<Integer, Integer> freeListTypes(MemMap mem, Zone z) {
        Map<Integer, Integer> m = new HashMap<>();
        for (int o = 0; o < z.nrOrders(); o++) {
            for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) {
                int guard = mem.nrPages() + 1;
                for (int q = mem.listFirst(z.list(o, mt)); q != MemMap.NIL && guard-- > 0; q = mem.listNext(q)) m.put(q, mt);
            }
        }
        return m;
    }

    /**
     * Marks what the pfns name: the block a pfn heads; else the pageblock it starts; else the cell
     * that holds it. Marks touched the blocks (or, for isolation, the pageblocks) in the range.
     */
    static void mark(List<Row> rows, Map<Long, Highlight.Mark> pfns, long[] touched, boolean touchesPageblocks, long pbn) {
        for (Map.Entry<Long, Highlight.Mark> e : pfns.entrySet()) {
            long p = e.getKey();
            Item head = null;
            Pageblock start = null;
            Item holder = null;
            for (Row r : rows) {
                for (Item it : r.items) {
                    if (it.pfn == p && !it.continued && it.block()) head = it;
                    if (it.contains(p) && holder == null) holder = it;
                }
                for (Pageblock pb : r.pageblocks) if (pb.pfn == p) start = pb;
            }
            if (head != null) head.mark = head.mark.max(e.getValue());
            else if (start != null) start.mark = start.mark.max(e.getValue());
            else if (holder != null) holder.mark = holder.mark.max(e.getValue());
        }
        if (touched == null) return;
        for (Row r : rows) {
            if (touchesPageblocks) {
                for (Pageblock pb : r.pageblocks) if (pb.pfn < touched[1] && pb.pfn + pbn > touched[0]) pb.touched = true;
            } else {
                for (Item it : r.items) {
                    if (it.block() && it.pfn < touched[1] && it.pfn + it.pages > touched[0]) it.touched = true;
                }
            }
        }
    }

    /** Collapses runs of {@link #COLLAPSE_AT} or more allocated blocks of one order, and adjacent dark runs. */
    static void collapseItems(Row r) {
        List<Item> out = new ArrayList<>();
        List<Item> in = r.items;
        for (int i = 0; i < in.size(); ) {
            Item it = in.get(i);
            int j = i + 1;
            if (it.kind == Kind.ALLOCATED) {
                while (j < in.size() && in.get(j).sameShape(it)) j++;
                if (j - i >= COLLAPSE_AT) {
                    Item c = new Item(Kind.ALLOCATED, it.pfn, it.pages, it.order, -1, null);
                    c.count = j - i;
                    c.lastPfn = in.get(j - 1).pfn;
                    out.add(c);
                    i = j;
                    continue;
                }
            }
            out.add(it);
            i++;
        }
        r.items.clear();
        r.items.addAll(out);
    }

    /** Inside a block spanning pageblocks, draws equal unmarked pageblocks in a row as one cell. */
    static void collapsePageblocks(Row r) {
        if (!r.spanning || r.pageblocks.size() < 2) return;
        List<Pageblock> out = new ArrayList<>();
        for (Pageblock pb : r.pageblocks) {
            Pageblock last = out.isEmpty() ? null : out.get(out.size() - 1);
            boolean plain = pb.mark == Highlight.Mark.NONE && !pb.touched;
            if (last != null && plain && last.mark == Highlight.Mark.NONE && !last.touched && last.bits == pb.bits) {
                last.count += pb.count;
                last.lastPfn = pb.lastPfn;
            } else {
                out.add(pb);
            }
        }
        r.pageblocks.clear();
        r.pageblocks.addAll(out);
    }

    /** Collapses runs of {@link #COLLAPSE_AT} or more plain rows holding the same single kind of block. */
    static List<Row> collapseRows(List<Row> rows) {
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); ) {
            Row r = rows.get(i);
            int j = i + 1;
            if (r.plain()) {
                while (j < rows.size() && rows.get(j).plain() && rows.get(j).spanning == r.spanning
                        && rows.get(j).items.get(0).sameShape(r.items.get(0))
                        && rows.get(j).items.get(0).count == r.items.get(0).count
                        && rows.get(j).pageblocks.get(0).bits == r.pageblocks.get(0).bits) {
                    j++;
                }
            }
            if (j - i >= COLLAPSE_AT) {
                Row c = new Row();
                Pageblock first = r.pageblocks.get(0);
                Pageblock pb = new Pageblock(first.pfn, first.bits);
                Item it0 = r.items.get(0);
                Item it = new Item(it0.kind, it0.pfn, it0.pages, it0.order, it0.listMt, null);
                it.count = 0;
                pb.count = 0;
                for (int k = i; k < j; k++) {
                    Row x = rows.get(k);
                    for (Pageblock y : x.pageblocks) pb.count += y.count;
                    pb.lastPfn = x.pageblocks.get(x.pageblocks.size() - 1).lastPfn;
                    Item xi = x.items.get(0);
                    it.count += xi.count;
                    it.lastPfn = xi.lastPfn;
                }
                c.pageblocks.add(pb);
                c.items.add(it);
                c.spanning = true;
                out.add(c);
                i = j;
            } else {
                out.add(r);
                i++;
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ drawing a zone

    private static String strip(BuddyState s, Zone z, List<Row> rows) {
        long pbn = 1L << s.node().pageblockOrder();
        StringBuilder sb = new StringBuilder();
        sb.append("<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"3\" COLOR=\"#505050\">");
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"#505050\">pageblock</FONT></TD>")
          .append("<TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"#505050\">blocks: first pfn, order (")
          .append(pbn).append(" pages per pageblock)</FONT></TD></TR>");
        for (Row r : rows) {
            if (r.spanning) {
                Item it = r.items.get(0);
                for (int k = 0; k < r.pageblocks.size(); k++) {
                    sb.append("<TR>").append(pageblockCell(r.pageblocks.get(k)));
                    if (k == 0) {
                        sb.append(itemCell(it, pbn, r.pageblocks.size(), true));
                    }
                    sb.append("</TR>");
                }
            } else {
                sb.append("<TR>").append(pageblockCell(r.pageblocks.get(0)));
                sb.append("<TD BORDER=\"0\" CELLPADDING=\"0\" ALIGN=\"LEFT\">")
                  .append("<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"2\" COLOR=\"#505050\"><TR>");
                for (Item it : r.items) sb.append(itemCell(it, pbn, 1, false));
                sb.append("</TR></TABLE></TD></TR>");
            }
        }
        return sb.append("</TABLE>").toString();
    }

    private static String pageblockCell(Pageblock pb) {
        int mt = pb.effectiveMt();
        StringBuilder label = new StringBuilder(Dot.hex(pb.pfn));
        if (pb.count > 1) label.append("..").append(Dot.hex(pb.lastPfn));
        label.append(' ').append(MigrateType.name(pb.bits & Zone.MIGRATETYPE_MASK));
        if ((pb.bits & Zone.PB_migrate_isolate) != 0) label.append(" [ISOLATE]");
        if ((pb.bits & Zone.PB_compact_skip) != 0) label.append(" [skip]");
        if (pb.count > 1) label.append(" \u00d7").append(pb.count);
        return cell(label.toString(), MIGRATETYPE_COLOURS[mt], "black", pb.mark, pb.touched, 0, 1, "LEFT", 10);
    }

    private static String itemCell(Item it, long pbn, int rowspan, boolean wide) {
        String fill;
        String font = "black";
        String text;
        switch (it.kind) {
            case FREE -> {
                fill = it.listMt >= 0 ? MIGRATETYPE_COLOURS[it.listMt] : "#ffffff";
                text = blockLabel(it, wide) + (it.listMt < 0 ? " (on no list)" : "");
            }
            case ALLOCATED -> {
                fill = ALLOCATED;
                text = blockLabel(it, wide) + (it.handle != null && it.count == 1 ? (wide ? " " : "\n") + "h" + it.handle : "");
            }
            case HOLE -> {
                fill = HOLE;
                font = "white";
                text = "hole " + it.pages;
            }
            case RESERVED -> {
                fill = RESERVED;
                font = "white";
                text = "reserved " + it.pages;
            }
            case OUTSIDE -> {
                fill = OUTSIDE;
                font = "#808080";
                text = "not in zone";
            }
            default -> {
                fill = "#ffffff";
                text = Dot.hex(it.pfn) + " in no block (" + it.pages + ")";
            }
        }
        if (it.continued) text = "(cont.) " + text;
        int width = (int) Math.min(ROW_POINTS, Math.max(1, it.pages * it.count * ROW_POINTS / pbn));
        if (wide) width = ROW_POINTS;
        return cell(text, fill, font, it.mark, it.touched, width, rowspan, "CENTER", 10);
    }

    /** {@code 0x1a0 o2}; two lines in a narrow cell; a collapsed run as {@code 0x140..0x147 8×o0}. */
    private static String blockLabel(Item it, boolean wide) {
        if (it.count > 1) {
            String what = it.kind == Kind.FREE ? " free" : "";
            return Dot.hex(it.pfn) + ".." + Dot.hex(it.lastPfn) + (wide ? " " : "\n") + it.count + "\u00d7o" + it.order + what;
        }
        boolean oneLine = wide || it.pages >= 4;
        return Dot.hex(it.pfn) + (oneLine ? " " : "\n") + "o" + it.order;
    }

    private static String cell(String text, String fill, String font, Highlight.Mark mark, boolean touched, int width,
                               int rowspan, String align, int points) {
        StringBuilder sb = new StringBuilder("<TD");
        sb.append(" BGCOLOR=\"").append(fill).append('"');
        if (rowspan > 1) sb.append(" ROWSPAN=\"").append(rowspan).append('"');
        if (width > 0) sb.append(" WIDTH=\"").append(width).append('"');
        sb.append(" ALIGN=\"").append(align).append('"');
        if (mark != Highlight.Mark.NONE) sb.append(" BORDER=\"3\" COLOR=\"").append(colour(mark)).append('"');
        else if (touched) sb.append(" BORDER=\"3\" COLOR=\"").append(TOUCHED).append('"');
        sb.append('>');
        if (text == null || text.isEmpty()) return sb.append("</TD>").toString(); // Graphviz rejects an empty <FONT>
        sb.append("<FONT POINT-SIZE=\"").append(points).append("\" COLOR=\"")
          .append(mark != Highlight.Mark.NONE ? colour(mark) : font).append("\">");
        String body = Dot.html(text);
        if (mark != Highlight.Mark.NONE || touched) body = "<B>" + body + "</B>";
        sb.append(body).append("</FONT></TD>");
        return sb.toString();
    }

    // ------------------------------------------------------------------ free lists and counters

    private static String freeLists(BuddyState s, Zone z, Highlight marks, Set<String> zoneNames) {
        MemMap mem = s.node().mem;
        Map<Long, Highlight.Mark> pfnMarks = marks.pfns();
        StringBuilder sb = new StringBuilder();
        sb.append("<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"2\" COLOR=\"#505050\">");
        sb.append("<TR><TD BORDER=\"0\" COLSPAN=\"").append(MigrateType.MIGRATE_TYPES + 2)
          .append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\">").append(Dot.html(z.name()))
          .append(" free_area[order].free_list[migratetype]: blocks</FONT></TD></TR>");
        sb.append("<TR><TD><FONT POINT-SIZE=\"9\">order</FONT></TD>");
        for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) {
            sb.append("<TD BGCOLOR=\"").append(MIGRATETYPE_COLOURS[mt]).append("\"><FONT POINT-SIZE=\"9\">")
              .append(MigrateType.name(mt)).append("</FONT></TD>");
        }
        sb.append("<TD><FONT POINT-SIZE=\"9\">nr_free</FONT></TD></TR>");
        for (int o = 0; o < z.nrOrders(); o++) {
            Highlight.Mark area = marks.nodeIn(z.name(), zoneNames, "free_area[" + o + "]");
            sb.append("<TR>").append(cell(String.valueOf(o), "#ffffff", "black", area, false, 0, 1, "CENTER", 9));
            long total = 0;
            for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) {
                List<Long> pfns = new ArrayList<>();
                int guard = mem.nrPages() + 1;
                for (int q = mem.listFirst(z.list(o, mt)); q != MemMap.NIL && guard-- > 0; q = mem.listNext(q)) pfns.add(mem.pfn(q));
                total += pfns.size();
                Highlight.Mark m = Highlight.Mark.NONE;
                for (long p : pfns) m = m.max(pfnMarks.getOrDefault(p, Highlight.Mark.NONE));
                String text = pfns.isEmpty() ? "" : String.valueOf(pfns.size());
                if (!pfns.isEmpty() && pfns.size() <= 2) {
                    StringBuilder t = new StringBuilder(text).append(":");
                    for (long p : pfns) t.append(' ').append(Dot.hex(p));
                    text = t.toString();
                }
                sb.append(cell(text, pfns.isEmpty() ? "#ffffff" : lighter(MIGRATETYPE_COLOURS[mt]), "black", m, false, 0, 1,
                        "CENTER", 9));
            }
            String nr = String.valueOf(z.nrFree[o]);
            if (z.nrFree[o] != total) nr += " (lists: " + total + ")";
            sb.append(cell(nr, "#ffffff", "black", area, false, 0, 1, "RIGHT", 9)).append("</TR>");
        }
        return sb.append("</TABLE>").toString();
    }

    private static String counters(BuddyState s, Zone z, Highlight marks, Set<String> zoneNames) {
        MemMap mem = s.node().mem;
        long listed = 0;
        long listedCma = 0;
        for (int o = 0; o < z.nrOrders(); o++) {
            for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) {
                if (mt == MigrateType.MIGRATE_ISOLATE) continue;
                long n = 0;
                int guard = mem.nrPages() + 1;
                for (int q = mem.listFirst(z.list(o, mt)); q != MemMap.NIL && guard-- > 0; q = mem.listNext(q)) n++;
                listed += n << o;
                if (mt == MigrateType.MIGRATE_CMA) listedCma += n << o;
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"2\" COLOR=\"#505050\">");
        sb.append("<TR><TD BORDER=\"0\" COLSPAN=\"3\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\">")
          .append(Dot.html(z.name())).append(" counters, in pages</FONT></TD></TR>");
        String name = z.name();
        counter(sb, marks, zoneNames, name, "managed", String.valueOf(z.managedPages), "");
        counter(sb, marks, zoneNames, name, "NR_FREE_PAGES", String.valueOf(z.nrFreePages),
                z.nrFreePages != listed ? "free lists hold " + listed : "");
        counter(sb, marks, zoneNames, name, "NR_FREE_CMA_PAGES", String.valueOf(z.nrFreeCmaPages),
                z.nrFreeCmaPages != listedCma ? "CMA lists hold " + listedCma : "");
        counter(sb, marks, zoneNames, name, "NR_FREE_PAGES_BLOCKS", String.valueOf(z.nrFreePagesBlocks), "");
        counter(sb, marks, zoneNames, name, "nr_free_highatomic", String.valueOf(z.nrFreeHighatomic), "");
        counter(sb, marks, zoneNames, name, "nr_reserved_highatomic", String.valueOf(z.nrReservedHighatomic), "");
        counter(sb, marks, zoneNames, name, "nr_isolate_pageblock", String.valueOf(z.nrIsolatePageblock), "");
        for (int w = 0; w < Watermarks.NR_WMARK; w++) {
            String wm = Watermarks.NAMES[w];
            Highlight.Mark m = watermarkMark(marks, name, wm);
            String note = z.watermarkBoost != 0 && w != Watermarks.WMARK_PROMO ? "with boost " + z.wmarkPages(w) : "";
            row(sb, "watermark " + wm, String.valueOf(z.watermark[w]), note, m);
        }
        counter(sb, marks, zoneNames, name, "watermark_boost", String.valueOf(z.watermarkBoost), "");
        counter(sb, marks, zoneNames, name, "ZONE_BOOSTED_WATERMARK",
                (z.flags & Zone.ZONE_BOOSTED_WATERMARK) != 0 ? "set" : "clear", "");
        StringBuilder lr = new StringBuilder();
        for (int j = 0; j < z.lowmemReserve.length; j++) lr.append(j == 0 ? "" : " ").append(z.lowmemReserve[j]);
        counter(sb, marks, zoneNames, name, "lowmem_reserve", lr.toString(), "");
        return sb.append("</TABLE>").toString();
    }

    /**
     * A watermark row is marked when a violation of the zone lists the watermark's name ({@code
     * min}, {@code low}, ...) or says "watermark" and the name in its message.
     */
    private static Highlight.Mark watermarkMark(Highlight marks, String zone, String wm) {
        Highlight.Mark m = Highlight.Mark.NONE;
        for (Violation v : marks.violations()) {
            if (!v.nodes().contains(zone)) continue;
            if (v.nodes().contains(wm) || v.nodes().contains("watermark " + wm)
                    || (v.message().contains("watermark") && Highlight.mentions(v.message(), wm))) {
                m = m.max(marks.markOf(v));
            }
        }
        return m;
    }

    private static void counter(StringBuilder sb, Highlight marks, Set<String> zoneNames, String zone, String key, String value,
                                String note) {
        row(sb, key, value, note, marks.nodeIn(zone, zoneNames, key));
    }

    private static void row(StringBuilder sb, String key, String value, String note, Highlight.Mark mark) {
        sb.append("<TR>").append(cell(key, "#ffffff", "black", mark, false, 0, 1, "LEFT", 9))
          .append(cell(value, "#ffffff", "black", mark, false, 0, 1, "RIGHT", 9))
          .append(cell(note, "#ffffff", "#505050", Highlight.Mark.NONE, false, 0, 1, "LEFT", 9)).append("</TR>");
    }

    /** A paler shade of a colour, for the list cells (the pageblock cells keep the full colour). */
    static String lighter(String hex) {
        int c = Integer.parseInt(hex.substring(1), 16);
        int r = (c >> 16) & 0xff;
        int g = (c >> 8) & 0xff;
        int b = c & 0xff;
        r = r + (255 - r) / 2;
        g = g + (255 - g) / 2;
        b = b + (255 - b) / 2;
        return String.format("#%02x%02x%02x", r, g, b);
    }

    // ------------------------------------------------------------------ legend

    @Override
    public String legend(String id) {
        StringBuilder sb = new StringBuilder();
        sb.append(id).append("legend [shape=plaintext, margin=0, label=<");
        sb.append("<TABLE BORDER=\"1\" COLOR=\"#808080\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"3\">");
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\"><B>legend</B></FONT></TD></TR>");
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">free block, on the free list of:</FONT></TD></TR>");
        for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) {
            sb.append("<TR><TD BGCOLOR=\"").append(MIGRATETYPE_COLOURS[mt]).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">")
              .append(MigrateType.name(mt)).append("</FONT></TD></TR>");
        }
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">a pageblock cell has its migratetype's colour</FONT></TD></TR>");
        sb.append("<TR><TD BGCOLOR=\"").append(ALLOCATED).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">allocated (hN: by step N)</FONT></TD></TR>");
        sb.append("<TR><TD BGCOLOR=\"").append(HOLE).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"white\">hole</FONT></TD></TR>");
        sb.append("<TR><TD BGCOLOR=\"").append(RESERVED).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"white\">reserved</FONT></TD></TR>");
        sb.append("<TR><TD BGCOLOR=\"").append(OUTSIDE).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"#808080\">not in this zone</FONT></TD></TR>");
        sb.append("<TR><TD BORDER=\"3\" COLOR=\"").append(TOUCHED).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\"><B>touched by the step</B></FONT></TD></TR>");
        sb.append("<TR><TD BORDER=\"3\" COLOR=\"").append(Dot.RED).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"")
          .append(Dot.RED).append("\"><B>named by the violated invariant</B></FONT></TD></TR>");
        sb.append("<TR><TD BORDER=\"3\" COLOR=\"").append(Dot.ORANGE).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"")
          .append(Dot.ORANGE).append("\"><B>named by another violated invariant</B></FONT></TD></TR>");
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">0x1a0 o2: block at pfn 0x1a0 of order 2</FONT></TD></TR>");
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">a..b n\u00d7o0: n blocks of order 0 in a row, a to b</FONT></TD></TR>");
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">a..b Movable \u00d7n: n pageblocks in a row</FONT></TD></TR>");
        sb.append("</TABLE>>];\n");
        return sb.toString();
    }
}
