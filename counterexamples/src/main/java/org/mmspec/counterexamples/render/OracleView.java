package org.mmspec.counterexamples.render;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Step;
import org.mmspec.invariants.oracle.OracleState;

/**
 * An allocator under test, drawn as the oracle sees it. On the left the managed pages as a strip
 * of the spec's blocks, free (green) or allocated (grey, {@code hN}: handed out by step N), in
 * rows of a fixed number of pages; a block of a row or more is one line, and runs of three or
 * more equal lines or equal small blocks are collapsed. On the right the free blocks by order: the
 * spec's, and the implementation's snapshot when it offers one, with the blocks on which they
 * disagree marked. What the step touched has a thick blue outline; what the violation names is
 * red.
 */
public final class OracleView implements DiagramView<OracleState> {
    public static final String FREE = "#a6dba0";
    public static final String ALLOCATED = "#c8c8c8";
    public static final String TOUCHED = BuddyView.TOUCHED;
    /** Width in points of one row of the strip. */
    static final int ROW_POINTS = 320;
    static final int COLLAPSE_AT = 3;
    /** At most this many rows of pages before rows get wider. */
    static final int MAX_ROWS = 32;
    /** Pfns listed per order in the free-block table before "+N more". */
    static final int LIST_AT_MOST = 8;

    @Override
    public String subsystem() {
        return "oracle";
    }

    @Override
    public Class<OracleState> stateType() {
        return OracleState.class;
    }

    /** A cell of the strip: a block, or a collapsed run of equal blocks. */
    static final class Item {
        final boolean free;
        final long pfn;
        final int order;
        final Long handle;
        int count = 1;
        long lastPfn;
        Highlight.Mark mark = Highlight.Mark.NONE;
        boolean touched;

        Item(boolean free, long pfn, int order, Long handle) {
            this.free = free;
            this.pfn = pfn;
            this.order = order;
            this.handle = handle;
            this.lastPfn = pfn;
        }

        long pages() {
            return (1L << order) * count;
        }

        boolean same(Item o) {
            return free == o.free && order == o.order && mark == Highlight.Mark.NONE && o.mark == Highlight.Mark.NONE
                    && !touched && !o.touched;
        }
    }

    /** A line of the strip: the small blocks of one row, or one block of a row or more (possibly a run). */
    static final class Line {
        final long pfn;
        final List<Item> items = new ArrayList<>();
        boolean big;

        Line(long pfn) {
            this.pfn = pfn;
        }
    }

    /** log2 of the pages per row: rows of at least 16 pages, at most {@link #MAX_ROWS} rows. */
    static int rowOrder(OracleState s) {
        int u = 4;
        while ((s.pages + (1L << u) - 1) >> u > MAX_ROWS) u++;
        return u;
    }

    @Override
    public String panel(OracleState s, int stepIndex, Step step, Outcome outcome, Highlight red) {
        if (red == null) red = Highlight.NONE;
        String id = DiagramView.panelId(stepIndex);
        String p = DiagramView.prefix(stepIndex);
        long[] touched = BuddyView.touchedRange(outcome);
        List<Line> lines = lines(s, red.pfns(), touched);
        StringBuilder sb = new StringBuilder();
        sb.append("subgraph cluster_").append(id).append(" {\n");
        sb.append("  label=<").append(label(s, stepIndex, step, outcome, red)).append(">;\n");
        sb.append("  labeljust=l; labelloc=t; fontname=").append(Dot.quote(Dot.FONT)).append("; fontsize=13;\n");
        sb.append(red.isEmpty() ? "  color=\"#808080\"; penwidth=1;\n" : "  color=\"" + Dot.RED + "\"; penwidth=3;\n");
        sb.append("  ").append(p).append("memory [shape=plaintext, margin=0, label=<");
        sb.append("<TABLE BORDER=\"0\" CELLSPACING=\"8\" CELLPADDING=\"0\"><TR>");
        sb.append("<TD VALIGN=\"TOP\">").append(strip(s, lines)).append("</TD>");
        sb.append("<TD VALIGN=\"TOP\">").append(freeTable(s, red.pfns())).append("</TD>");
        sb.append("</TR></TABLE>>];\n");
        sb.append("}\n");
        return sb.toString();
    }

    private static String label(OracleState s, int stepIndex, Step step, Outcome outcome, Highlight red) {
        StringBuilder sb = new StringBuilder("<TABLE BORDER=\"0\" CELLPADDING=\"2\" CELLSPACING=\"0\">");
        String title = stepIndex < 0
                ? "boot: " + s.pages + " pages [0x0, " + Dot.hex(s.pages) + "), orders 0.." + s.maxOrder
                : DiagramView.title(stepIndex, step, outcome);
        sb.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"14\" COLOR=\"").append(red.isEmpty() ? "black" : Dot.RED)
          .append("\"><B>").append(Dot.html(title)).append("</B></FONT></TD></TR>");
        if (stepIndex < 0) {
            sb.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\" COLOR=\"#404040\">implementation: ")
              .append(Dot.html(s.implementationName())).append("; claims: ")
              .append(Dot.html(s.claims == null ? "unknown (it never answered)" : s.claims.describe()))
              .append("</FONT></TD></TR>");
        }
        for (Violation v : red.ordered()) {
            sb.append("<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\"><FONT COLOR=\"").append(red.primary(v) ? Dot.RED : Dot.ORANGE)
              .append("\"><B>")
              .append(Dot.html(v.invariantId())).append(" violated:</B> ").append(Dot.wrap(v.message(), 110))
              .append("</FONT></TD></TR>");
        }
        return sb.append("</TABLE>").toString();
    }

    // ------------------------------------------------------------------ the strip

    static List<Line> lines(OracleState s, Map<Long, Highlight.Mark> marks, long[] touched) {
        int u = rowOrder(s);
        long rowPages = 1L << u;
        List<Item> items = new ArrayList<>();
        for (long pfn = 0; pfn < s.pages; ) {
            int o = s.spec.headOrder(pfn);
            if (o < 0) {
                pfn++;
                continue;
            }
            Item it = new Item(s.spec.isFreeHead(pfn), pfn, o, s.spec.isFreeHead(pfn) ? null : s.handleAt(pfn));
            long end = pfn + (1L << o);
            for (Map.Entry<Long, Highlight.Mark> e : marks.entrySet()) {
                if (e.getKey() >= pfn && e.getKey() < end) it.mark = it.mark.max(e.getValue());
            }
            if (touched != null && pfn < touched[1] && end > touched[0]) it.touched = true;
            items.add(it);
            pfn = end;
        }
        List<Line> out = new ArrayList<>();
        Line cur = null;
        for (Item it : items) {
            if (it.order >= u) {
                Line l = new Line(it.pfn);
                l.big = true;
                l.items.add(it);
                out.add(l);
                cur = null;
                continue;
            }
            long row = it.pfn >> u << u;
            if (cur == null || cur.pfn != row) {
                cur = new Line(row);
                out.add(cur);
            }
            cur.items.add(it);
        }
        for (Line l : out) if (!l.big) collapse(l.items);
        return collapseBig(out, rowPages);
    }

    /** Collapses runs of {@link #COLLAPSE_AT} or more equal unmarked blocks in a row. */
    static void collapse(List<Item> in) {
        List<Item> out = new ArrayList<>();
        for (int i = 0; i < in.size(); ) {
            Item it = in.get(i);
            int j = i + 1;
            while (j < in.size() && in.get(j).same(it)) j++;
            if (j - i >= COLLAPSE_AT) {
                Item c = new Item(it.free, it.pfn, it.order, null);
                c.count = j - i;
                c.lastPfn = in.get(j - 1).pfn;
                out.add(c);
                i = j;
            } else {
                out.add(it);
                i++;
            }
        }
        in.clear();
        in.addAll(out);
    }

    static List<Line> collapseBig(List<Line> in, long rowPages) {
        List<Line> out = new ArrayList<>();
        for (int i = 0; i < in.size(); ) {
            Line l = in.get(i);
            int j = i + 1;
            if (l.big) {
                while (j < in.size() && in.get(j).big && in.get(j).items.get(0).same(l.items.get(0))) j++;
            }
            if (j - i >= COLLAPSE_AT) {
                Item first = l.items.get(0);
                Item c = new Item(first.free, first.pfn, first.order, null);
                c.count = j - i;
                c.lastPfn = in.get(j - 1).items.get(0).pfn;
                Line cl = new Line(l.pfn);
                cl.big = true;
                cl.items.add(c);
                out.add(cl);
                i = j;
            } else {
                out.add(l);
                i++;
            }
        }
        return out;
    }

    private static String strip(OracleState s, List<Line> lines) {
        long rowPages = 1L << rowOrder(s);
        StringBuilder sb = new StringBuilder();
        sb.append("<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"3\" COLOR=\"#505050\">");
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"#505050\">pfn</FONT></TD>")
          .append("<TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"#505050\">the spec's blocks: first pfn, order (")
          .append(rowPages).append(" pages per row)</FONT></TD></TR>");
        for (Line l : lines) {
            sb.append("<TR>").append(cell(Dot.hex(l.pfn), "#ffffff", Highlight.Mark.NONE, false, 0, "LEFT", 9));
            if (l.big) {
                sb.append(itemCell(l.items.get(0), rowPages, true));
            } else {
                sb.append("<TD BORDER=\"0\" CELLPADDING=\"0\" ALIGN=\"LEFT\">")
                  .append("<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"2\" COLOR=\"#505050\"><TR>");
                for (Item it : l.items) sb.append(itemCell(it, rowPages, false));
                sb.append("</TR></TABLE></TD>");
            }
            sb.append("</TR>");
        }
        return sb.append("</TABLE>").toString();
    }

    private static String itemCell(Item it, long rowPages, boolean wide) {
        String text;
        if (it.count > 1) {
            text = Dot.hex(it.pfn) + ".." + Dot.hex(it.lastPfn) + (wide ? " " : "\n") + it.count + "\u00d7o" + it.order
                    + (it.free ? " free" : "");
        } else {
            boolean oneLine = wide || (1L << it.order) * 16 >= rowPages;
            text = Dot.hex(it.pfn) + (oneLine ? " " : "\n") + "o" + it.order;
            if (!it.free && it.handle != null) text += (oneLine ? " " : "\n") + "h" + it.handle;
            if (wide) text += it.free ? "  free" : "  allocated";
        }
        int width = wide ? ROW_POINTS : (int) Math.max(14, Math.min(ROW_POINTS, it.pages() * ROW_POINTS / rowPages));
        return cell(text, it.free ? FREE : ALLOCATED, it.mark, it.touched, width, "CENTER", wide ? 10 : 9);
    }

    private static String cell(String text, String fill, Highlight.Mark mark, boolean touched, int width, String align,
                               int points) {
        boolean marked = mark != Highlight.Mark.NONE;
        StringBuilder sb = new StringBuilder("<TD BGCOLOR=\"").append(fill).append('"');
        if (width > 0) sb.append(" WIDTH=\"").append(width).append('"');
        sb.append(" ALIGN=\"").append(align).append('"');
        if (marked) sb.append(" BORDER=\"3\" COLOR=\"").append(BuddyView.colour(mark)).append('"');
        else if (touched) sb.append(" BORDER=\"3\" COLOR=\"").append(TOUCHED).append('"');
        sb.append("><FONT POINT-SIZE=\"").append(points).append("\" COLOR=\"").append(marked ? BuddyView.colour(mark) : "black")
          .append("\">");
        String body = Dot.html(text);
        if (marked || touched) body = "<B>" + body + "</B>";
        return sb.append(body).append("</FONT></TD>").toString();
    }

    // ------------------------------------------------------------------ free blocks by order

    private static String freeTable(OracleState s, Map<Long, Highlight.Mark> marks) {
        List<long[]> spec = s.specFreeBlocks();
        boolean snap = s.snapshot != null;
        int top = s.maxOrder;
        if (snap) for (long[] b : s.snapshot) top = (int) Math.max(top, Math.min(b[1], 62));
        StringBuilder sb = new StringBuilder();
        sb.append("<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"2\" COLOR=\"#505050\">");
        sb.append("<TR><TD BORDER=\"0\" COLSPAN=\"3\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\"><B>free blocks by order</B>")
          .append(snap ? " (marked: listed by one side only)" : " (the implementation offers no snapshot)")
          .append("</FONT></TD></TR>");
        sb.append("<TR>").append(cell("order", "#ffffff", Highlight.Mark.NONE, false, 0, "CENTER", 9))
          .append(cell("spec", FREE, Highlight.Mark.NONE, false, 0, "CENTER", 9));
        if (snap) sb.append(cell("implementation", "#ffffff", Highlight.Mark.NONE, false, 0, "CENTER", 9));
        sb.append("</TR>");
        for (int o = 0; o <= top; o++) {
            TreeSet<Long> mine = new TreeSet<>();
            for (long[] b : spec) if (b[1] == o) mine.add(b[0]);
            TreeSet<Long> theirs = new TreeSet<>();
            if (snap) for (long[] b : s.snapshot) if (b[1] == o) theirs.add(b[0]);
            if (mine.isEmpty() && theirs.isEmpty() && o > s.maxOrder) continue;
            Highlight.Mark rowMark = Highlight.Mark.NONE;
            for (long p : mine) rowMark = rowMark.max(marks.getOrDefault(p, Highlight.Mark.NONE));
            for (long p : theirs) rowMark = rowMark.max(marks.getOrDefault(p, Highlight.Mark.NONE));
            sb.append("<TR>").append(cell(String.valueOf(o) + (o > s.maxOrder ? " (above max)" : ""), "#ffffff", rowMark, false, 0,
                    "CENTER", 9));
            sb.append(listCell(mine, snap ? theirs : mine, marks));
            if (snap) sb.append(listCell(theirs, mine, marks));
            sb.append("</TR>");
        }
        return sb.append("</TABLE>").toString();
    }

    /** The pfns of one side, those the other side lacks in bold red when they are named, else bold. */
    private static String listCell(TreeSet<Long> side, TreeSet<Long> other, Map<Long, Highlight.Mark> marks) {
        StringBuilder sb = new StringBuilder("<TD ALIGN=\"LEFT\" BGCOLOR=\"#ffffff\"><FONT POINT-SIZE=\"9\">");
        if (side.isEmpty()) sb.append(" ");
        else sb.append(side.size()).append(": ");
        // first the disagreements, then the rest, so a difference is never cut off
        Set<Long> ordered = new LinkedHashSet<>();
        for (long p : side) if (!other.contains(p)) ordered.add(p);
        ordered.addAll(side);
        int n = 0;
        List<String> parts = new ArrayList<>();
        for (long p : new TreeSet<>(limit(ordered, LIST_AT_MOST))) {
            String h = Dot.html(Dot.hex(p));
            boolean differs = !other.contains(p);
            Highlight.Mark m = marks.getOrDefault(p, Highlight.Mark.NONE);
            if (m != Highlight.Mark.NONE) h = "<FONT COLOR=\"" + BuddyView.colour(m) + "\"><B>" + h + "</B></FONT>";
            else if (differs) h = "<B><U>" + h + "</U></B>";
            parts.add(h);
            n++;
        }
        sb.append(String.join(" ", parts));
        if (side.size() > n) sb.append(" +").append(side.size() - n).append(" more");
        return sb.append("</FONT></TD>").toString();
    }

    private static List<Long> limit(Set<Long> s, int n) {
        List<Long> out = new ArrayList<>();
        for (long x : s) {
            if (out.size() == n) break;
            out.add(x);
        }
        return out;
    }

    // ------------------------------------------------------------------ legend

    @Override
    public String legend(String id) {
        StringBuilder sb = new StringBuilder();
        sb.append(id).append("legend [shape=plaintext, margin=0, label=<");
        sb.append("<TABLE BORDER=\"1\" COLOR=\"#808080\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"3\">");
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\"><B>legend</B></FONT></TD></TR>");
        sb.append("<TR><TD BGCOLOR=\"").append(FREE).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">free block (the spec)</FONT></TD></TR>");
        sb.append("<TR><TD BGCOLOR=\"").append(ALLOCATED).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">allocated (hN: by step N)</FONT></TD></TR>");
        sb.append("<TR><TD BORDER=\"3\" COLOR=\"").append(TOUCHED).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\"><B>touched by the step</B></FONT></TD></TR>");
        sb.append("<TR><TD BORDER=\"3\" COLOR=\"").append(Dot.RED).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"")
          .append(Dot.RED).append("\"><B>named by the violation</B></FONT></TD></TR>");
        sb.append("<TR><TD BORDER=\"3\" COLOR=\"").append(Dot.ORANGE).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"")
          .append(Dot.ORANGE).append("\"><B>named by another violated invariant</B></FONT></TD></TR>");
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\"><B><U>0x6</U></B>: a free block one side lists and the other does not</FONT></TD></TR>");
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">0x1a0 o2: block at pfn 0x1a0 of order 2</FONT></TD></TR>");
        sb.append("</TABLE>>];\n");
        return sb.toString();
    }
}
