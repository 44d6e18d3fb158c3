package org.mmspec.counterexamples.render;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Step;
import org.mmspec.invariants.reclaim.ReclaimState;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.Node;
import org.mmspec.reference.alloc.PageAlloc;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.reclaim.Filemap;
import org.mmspec.reference.reclaim.Lruvec;
import org.mmspec.reference.reclaim.Reclaim;
import org.mmspec.reference.reclaim.ReclaimTrace;
import org.mmspec.reference.reclaim.SwapInfo;
import org.mmspec.reference.rmap.MmStruct;
import org.mmspec.reference.rmap.Pte;

/**
 * Reclaim drawn as the LRU queues it works on: each of the lruvec's lists is a row of folios from
 * the head (newest, on the left) to the tail (oldest, on the right, where reclaim takes from),
 * each folio with its pfn, its flags ({@code R} PG_referenced, {@code A} PG_active, {@code W}
 * PG_workingset, {@code D} PG_dirty, {@code WB} PG_writeback, {@code S} PG_swapcache, {@code r}
 * PG_reclaim), who it belongs to ({@code pid 1 @0x13} with {@code y} for each young PTE, or
 * {@code ino 2 [5]}); beside them the swap slots (swap count, {@code C} SWAP_HAS_CACHE, the cached
 * pfn or a shadow), each file's page cache (folios and shadows by index), the zones' free pages
 * and watermarks, the nonresident age and kswapd's state, and the moves the step made (activated,
 * deactivated, rotated, evicted, refaulted).
 *
 * <p>What the step moved has a thick blue outline; what the violation names (pfns, lists, slots,
 * files, zones, {@code kswapd}, {@code nonresident_age}) is red, other violations' evidence orange.
 */
public final class ReclaimView implements DiagramView<ReclaimState> {
    public static final String ANON = "#cfe3f7";
    public static final String ANON_ACTIVE = "#8fbfe8";
    public static final String FILE = "#d9f0c8";
    public static final String FILE_ACTIVE = "#a3d67f";
    public static final String SLOT = "#f3e3c3";
    public static final String SHADOW = "#e6e6e6";
    public static final String TOUCHED = "#0047c2";

    @Override
    public String subsystem() {
        return "reclaim";
    }

    @Override
    public Class<ReclaimState> stateType() {
        return ReclaimState.class;
    }

    @Override
    public String panel(ReclaimState s, int stepIndex, Step step, Outcome outcome, Highlight red) {
        if (red == null) red = Highlight.NONE;
        String id = DiagramView.panelId(stepIndex);
        String p = DiagramView.prefix(stepIndex);
        Reclaim rc = s.reclaim();
        MemMap mem = s.machine().mem();
        Map<Long, Highlight.Mark> pfnMarks = red.pfns();
        Map<Long, String> moved = moved(rc.trace());
        Map<Long, String> owners = owners(s);

        StringBuilder sb = new StringBuilder();
        sb.append("subgraph cluster_").append(id).append(" {\n");
        sb.append("  label=<").append(panelLabel(s, stepIndex, step, outcome, red)).append(">;\n");
        sb.append("  labeljust=l; labelloc=t; fontname=").append(Dot.quote(Dot.FONT)).append("; fontsize=13;\n");
        sb.append(red.isEmpty() ? "  color=\"#808080\"; penwidth=1;\n" : "  color=\"" + Dot.RED + "\"; penwidth=3;\n");
        sb.append("  node [fontname=").append(Dot.quote(Dot.FONT)).append(", fontsize=10, shape=plaintext, margin=0];\n");

        // the LRU lists as queues
        StringBuilder t = new StringBuilder("<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"2\" CELLPADDING=\"3\">");
        t.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\" COLSPAN=\"2\"><B>lruvec</B> (head: newest &#8592; &#8594; tail: reclaimed "
                + "first)</TD></TR>");
        Lruvec l = rc.lruvec();
        for (int lru = 0; lru < Lruvec.LRU_UNEVICTABLE; lru++) {
            String name = Lruvec.NAMES[lru];
            Highlight.Mark m = red.node(name);
            t.append("<TR><TD ALIGN=\"LEFT\"").append(cellBorder(m, false)).append(">").append(font(m, "<B>" + name + "</B> ("
                    + l.size(lru) + ")")).append("</TD><TD BORDER=\"0\" ALIGN=\"LEFT\"><TABLE BORDER=\"0\" CELLBORDER=\"1\""
                    + " CELLSPACING=\"1\" CELLPADDING=\"2\"><TR>");
            List<Integer> pages = l.pages(lru);
            if (pages.isEmpty()) t.append("<TD BORDER=\"0\"><FONT COLOR=\"#808080\">empty</FONT></TD>");
            for (int page : pages) t.append(folioCell(mem, page, lru, owners, pfnMarks, moved));
            t.append("</TR></TABLE></TD></TR>");
        }
        t.append("</TABLE>");
        List<String> sections = new ArrayList<>();
        sections.add(t.toString());

        // swap slots
        SwapInfo si = rc.swapInfo();
        if (si.max > 1) {
            StringBuilder w = new StringBuilder("<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"1\" CELLPADDING=\"2\"><TR>");
            w.append("<TD BORDER=\"0\" ALIGN=\"LEFT\"><B>swap</B> ").append(si.total_swap_pages() - si.get_nr_swap_pages()).append('/')
              .append(si.total_swap_pages()).append(si.synchronousIo ? " (sync)" : "").append("</TD>");
            for (long off = 1; off < si.max; off++) {
                int map = si.swapMap(off);
                long sh = si.shadowOf(off);
                if (map == 0 && sh == 0) continue;
                String node = "slot " + Dot.hex(off);
                Highlight.Mark m = red.node(node);
                long cached = si.cachedPfn(off);
                if (cached >= 0) m = m.max(pfnMarks.getOrDefault(cached, Highlight.Mark.NONE));
                StringBuilder c = new StringBuilder(Dot.hex(off) + "<BR/>" + SwapInfo.swap_count(map)
                        + ((map & SwapInfo.SWAP_HAS_CACHE) != 0 ? " C" : ""));
                if (cached >= 0) c.append("<BR/>pfn ").append(Dot.hex(cached));
                else if (sh != 0) c.append("<BR/>shadow");
                w.append("<TD BGCOLOR=\"").append(sh != 0 && cached < 0 ? SHADOW : SLOT).append('"').append(cellBorder(m, false))
                  .append(">").append(font(m, c.toString())).append("</TD>");
            }
            w.append("</TR></TABLE>");
            sections.add(w.toString());
        }

        // page cache
        Filemap fm = rc.filemap();
        if (!fm.files().isEmpty()) {
            StringBuilder f = new StringBuilder("<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"1\" CELLPADDING=\"2\">");
            for (int ino : fm.files()) {
                String node = "inode " + ino;
                Highlight.Mark fmk = red.node(node);
                f.append("<TR><TD ALIGN=\"LEFT\"").append(cellBorder(fmk, false)).append(">").append(font(fmk, "<B>ino " + ino + "</B>"))
                  .append("</TD>");
                TreeMap<Long, String> cells = new TreeMap<>();
                for (Map.Entry<Long, Long> e : fm.folios(ino).entrySet()) cells.put(e.getKey(), "pfn");
                for (Long idx : fm.shadows(ino).keySet()) cells.put(idx, "shadow");
                for (Map.Entry<Long, String> e : cells.entrySet()) {
                    long idx = e.getKey();
                    boolean folio = e.getValue().equals("pfn");
                    long pfn = folio ? fm.folios(ino).get(idx) : -1;
                    Highlight.Mark m = folio ? pfnMarks.getOrDefault(pfn, Highlight.Mark.NONE) : Highlight.Mark.NONE;
                    String c = "[" + idx + "]<BR/>" + (folio ? Dot.hex(pfn) : "shadow");
                    boolean act = folio && (mem.flags[mem.idx(pfn)] & PageFlags.PG_active) != 0;
                    f.append("<TD BGCOLOR=\"").append(folio ? (act ? FILE_ACTIVE : FILE) : SHADOW).append('"')
                      .append(cellBorder(m, folio && moved.containsKey(pfn))).append(">").append(font(m, c)).append("</TD>");
                }
                f.append("</TR>");
            }
            f.append("</TABLE>");
            sections.add(f.toString());
        }

        // zones, age, kswapd
        sections.add(stateTable(s, red));

        // the moves the step made
        if (!rc.trace().moves().isEmpty() || !rc.trace().refaults().isEmpty()) {
            StringBuilder mv = new StringBuilder("<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"1\">");
            mv.append("<TR><TD ALIGN=\"LEFT\"><B>moved by the step</B></TD></TR>");
            int n = 0;
            for (ReclaimTrace.Move m : rc.trace().moves()) {
                if (n++ >= 24) {
                    mv.append("<TR><TD ALIGN=\"LEFT\">... ").append(rc.trace().moves().size() - 24).append(" more</TD></TR>");
                    break;
                }
                Highlight.Mark mk = pfnMarks.getOrDefault(m.pfn(), Highlight.Mark.NONE);
                mv.append("<TR><TD ALIGN=\"LEFT\">").append(font(mk, Dot.hex(m.pfn()) + ": " + (m.from() < 0 ? "-" : Lruvec.NAMES[m.from()])
                        + " &#8594; " + (m.to() < 0 ? "evicted" : Lruvec.NAMES[m.to()]) + " (" + Dot.html(m.why()) + ")")).append("</TD></TR>");
            }
            for (ReclaimTrace.Refault r : rc.trace().refaults()) {
                Highlight.Mark mk = pfnMarks.getOrDefault(r.pfn(), Highlight.Mark.NONE);
                mv.append("<TR><TD ALIGN=\"LEFT\">").append(font(mk, "refault " + Dot.hex(r.pfn()) + ": distance " + r.eventDistance()
                        + " (nonresident age: " + r.distance() + "), workingset " + r.workingsetSize()
                        + (r.activated() ? ", activated" : ", inactive"))).append("</TD></TR>");
            }
            mv.append("</TABLE>");
            sections.add(mv.toString());
        }
        // one node: the sections stacked, lists on top
        sb.append("  ").append(p).append("reclaim [label=<<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"6\">");
        for (String sec : sections) sb.append("<TR><TD ALIGN=\"LEFT\">").append(sec).append("</TD></TR>");
        sb.append("</TABLE>>];\n");
        sb.append("}\n");
        return sb.toString();
    }

    /** The folios the step moved, with why (the last move of each). */
    static Map<Long, String> moved(ReclaimTrace trace) {
        Map<Long, String> m = new LinkedHashMap<>();
        for (ReclaimTrace.Move mv : trace.moves()) m.put(mv.pfn(), mv.why());
        for (ReclaimTrace.Refault r : trace.refaults()) m.put(r.pfn(), "refault");
        return m;
    }

    /** Who each page belongs to: the first (pid, address) mapping it, with its young PTEs. */
    static Map<Long, String> owners(ReclaimState s) {
        Map<Long, String> o = new TreeMap<>();
        Map<Long, Integer> young = new TreeMap<>();
        for (MmStruct mm : s.rmap().tasks().values()) {
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                long pte = e.getValue();
                if (!Pte.normal(pte)) continue;
                o.putIfAbsent(Pte.pfn(pte), "pid " + mm.pid + " @" + Dot.hex(e.getKey()));
                if (Pte.young(pte)) young.merge(Pte.pfn(pte), 1, Integer::sum);
            }
        }
        for (Map.Entry<Long, Integer> e : young.entrySet()) o.compute(e.getKey(), (k, v) -> v + " " + "y".repeat(e.getValue()));
        return o;
    }

    static String flags(int f) {
        List<String> l = new ArrayList<>();
        if ((f & PageFlags.PG_referenced) != 0) l.add("R");
        if ((f & PageFlags.PG_active) != 0) l.add("A");
        if ((f & PageFlags.PG_workingset) != 0) l.add("W");
        if ((f & PageFlags.PG_dirty) != 0) l.add("D");
        if ((f & PageFlags.PG_writeback) != 0) l.add("WB");
        if ((f & PageFlags.PG_swapcache) != 0) l.add("S");
        if ((f & PageFlags.PG_reclaim) != 0) l.add("r");
        return String.join(" ", l);
    }

    private static String folioCell(MemMap mem, int page, int lru, Map<Long, String> owners, Map<Long, Highlight.Mark> marks,
                                    Map<Long, String> moved) {
        long pfn = mem.pfn(page);
        int f = mem.flags[page];
        boolean file = Lruvec.is_file_lru(lru);
        boolean active = Lruvec.is_active_lru(lru);
        String colour = file ? (active ? FILE_ACTIVE : FILE) : (active ? ANON_ACTIVE : ANON);
        Highlight.Mark m = marks.getOrDefault(pfn, Highlight.Mark.NONE);
        String who = file ? "ino " + Filemap.inoOf(mem.mappingOf(page)) + " [" + mem.indexOf(page) + "]"
                : owners.getOrDefault(pfn, (f & PageFlags.PG_swapcache) != 0 ? "slot " + Dot.hex(mem.privateData()[page]) : "unmapped");
        String fl = flags(f);
        String c = "<B>" + Dot.hex(pfn) + "</B>" + (fl.isEmpty() ? "" : "<BR/>" + fl) + "<BR/>" + Dot.html(who);
        return "<TD BGCOLOR=\"" + colour + "\"" + cellBorder(m, moved.containsKey(pfn)) + ">" + font(m, c) + "</TD>";
    }

    private static String cellBorder(Highlight.Mark m, boolean touched) {
        if (m == Highlight.Mark.PRIMARY) return " COLOR=\"" + Dot.RED + "\" BORDER=\"3\"";
        if (m == Highlight.Mark.OTHER) return " COLOR=\"" + Dot.ORANGE + "\" BORDER=\"3\"";
        if (touched) return " COLOR=\"" + TOUCHED + "\" BORDER=\"3\"";
        return "";
    }

    private static String font(Highlight.Mark m, String html) {
        if (m == Highlight.Mark.PRIMARY) return "<FONT COLOR=\"" + Dot.RED + "\">" + html + "</FONT>";
        if (m == Highlight.Mark.OTHER) return "<FONT COLOR=\"" + Dot.ORANGE + "\">" + html + "</FONT>";
        return html;
    }

    private static String stateTable(ReclaimState s, Highlight red) {
        Node node = s.machine().node();
        Reclaim rc = s.reclaim();
        StringBuilder t = new StringBuilder("<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"2\">");
        t.append("<TR><TD><B>zone</B></TD><TD>free</TD><TD>min</TD><TD>low</TD><TD>high</TD><TD>boost</TD><TD>reclaimable</TD></TR>");
        for (int zi : node.zonelist) {
            Zone z = node.zones[zi];
            Highlight.Mark m = red.node(z.name());
            t.append("<TR><TD").append(cellBorder(m, false)).append(">").append(font(m, z.name())).append("</TD><TD>").append(z.nrFreePages)
              .append("</TD><TD>").append(z.minWmarkPages()).append("</TD><TD>").append(z.lowWmarkPages()).append("</TD><TD>")
              .append(z.highWmarkPages()).append("</TD><TD>").append(z.watermarkBoost).append("</TD><TD>")
              .append(rc.zoneReclaimablePages(z)).append("</TD></TR>");
        }
        Highlight.Mark am = red.node("nonresident_age");
        t.append("<TR><TD COLSPAN=\"7\" ALIGN=\"LEFT\"").append(cellBorder(am, false)).append(">")
          .append(font(am, "nonresident_age " + rc.lruvec().nonresidentAge + " (LRU events " + rc.lruEventClock() + ")"))
          .append("</TD></TR>");
        Highlight.Mark km = red.node("kswapd");
        t.append("<TR><TD COLSPAN=\"7\" ALIGN=\"LEFT\"").append(cellBorder(km, false)).append(">")
          .append(font(km, "kswapd " + (node.kswapdWoken ? "running" : "asleep") + ", kswapd_failures " + node.kswapdFailures
                  + (node.kswapdFailures >= PageAlloc.MAX_RECLAIM_RETRIES ? " (hopeless)" : "")))
          .append("</TD></TR>");
        if (!rc.underWriteback().isEmpty()) {
            StringBuilder wb = new StringBuilder();
            for (long pfn : rc.underWriteback().keySet()) wb.append(wb.length() > 0 ? ", " : "").append(Dot.hex(pfn));
            t.append("<TR><TD COLSPAN=\"7\" ALIGN=\"LEFT\">under writeback: ").append(wb).append("</TD></TR>");
        }
        return t.append("</TABLE>").toString();
    }

    private static String panelLabel(ReclaimState s, int stepIndex, Step step, Outcome outcome, Highlight red) {
        MachineConfig cfg = s.machine().config();
        StringBuilder sb = new StringBuilder("<TABLE BORDER=\"0\" CELLPADDING=\"2\" CELLSPACING=\"0\">");
        String title = stepIndex < 0
                ? "boot: configuration " + cfg.name() + ", " + cfg.swap() + (cfg.knownBugs().isEmpty() ? "" : ", known bugs " + cfg.knownBugs())
                : DiagramView.title(stepIndex, step, outcome);
        String colour = red.isEmpty() ? "black" : Dot.RED;
        sb.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"14\" COLOR=\"").append(colour).append("\"><B>")
          .append(Dot.wrap(title, 140)).append("</B></FONT></TD></TR>");
        for (Violation v : red.ordered()) {
            String c = red.primary(v) ? Dot.RED : Dot.ORANGE;
            sb.append("<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\"><FONT COLOR=\"").append(c).append("\"><B>")
              .append(Dot.html(v.invariantId())).append(" violated:</B> ").append(Dot.wrap(v.message(), 120)).append("</FONT></TD></TR>");
        }
        if (!red.isEmpty() && stepIndex >= 0) {
            sb.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\" COLOR=\"#404040\">state after step ").append(stepIndex)
              .append("; red: what the violation names; blue: moved by the step</FONT></TD></TR>");
        }
        return sb.append("</TABLE>").toString();
    }

    @Override
    public String legend(String id) {
        StringBuilder sb = new StringBuilder();
        sb.append(id).append("legend [shape=plaintext, margin=0, label=<");
        sb.append("<TABLE BORDER=\"1\" COLOR=\"#808080\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"3\">");
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\"><B>legend</B></FONT></TD></TR>");
        row(sb, ANON, "anonymous folio, inactive (pid @address, y: a young PTE)");
        row(sb, ANON_ACTIVE, "anonymous folio, active");
        row(sb, FILE, "page cache folio, inactive (ino [index])");
        row(sb, FILE_ACTIVE, "page cache folio, active");
        row(sb, SLOT, "swap slot: offset, swap count, C = SWAP_HAS_CACHE, the cached pfn");
        row(sb, SHADOW, "a shadow entry: an evicted page's eviction stamp");
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">flags: R referenced, A active, W workingset, D dirty, "
                + "WB writeback, S swapcache, r reclaim</FONT></TD></TR>");
        sb.append("<TR><TD BORDER=\"3\" COLOR=\"").append(TOUCHED).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\"><B>moved by the "
                + "step</B></FONT></TD></TR>");
        sb.append("<TR><TD BORDER=\"3\" COLOR=\"").append(Dot.RED).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"")
          .append(Dot.RED).append("\"><B>named by the violation</B></FONT></TD></TR>");
        sb.append("</TABLE>>];\n");
        return sb.toString();
    }

    private static void row(StringBuilder sb, String colour, String text) {
        sb.append("<TR><TD BGCOLOR=\"").append(colour).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">").append(Dot.html(text))
          .append("</FONT></TD></TR>");
    }
}
