package org.mmspec.counterexamples.render;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.compaction.CompactionState;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Step;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.MigrateType;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.compaction.CompactControl;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * Compaction drawn as its scanners see a zone: each populated zone is a strip, one row per
 * pageblock (first pfn, migratetype, {@code [skip]}), one cell per page: free (blue, the block's
 * order at its head), held isolated on cc-&gt;freepages (yellow), an anonymous page on the LRU
 * (green, movable), a folio isolated for migration (orange), a kernel allocation (lavender,
 * unmovable), another allocated page (grey). The migration scanner's position is the cell with a
 * thick teal border and {@code migrate_pfn >} at the end of its row; the free scanner's a thick
 * purple border and {@code < free_pfn}. Each folio the step moved is an arrow from its old pfn to
 * its new one. Under the strip: the run in progress (order, mode, round, what cc-&gt;freepages
 * holds), the rounds the step ran, and the zone's deferral and cached positions.
 *
 * <p>What the violation names (pfns, the zone) is red; the page the step allocated or freed has a
 * thick blue outline.
 */
public final class CompactionView implements DiagramView<CompactionState> {
    public static final String FREE = "#cfe8ff";
    public static final String HELD = "#ffe680";
    public static final String ANON = "#b3de69";
    public static final String MIGRATING = "#fdb462";
    public static final String KERNEL = "#bebada";
    public static final String ALLOCATED = "#d0d0d0";
    public static final String OUTSIDE = "#f0f0f0";
    public static final String HOLE = "#3c3c3c";
    public static final String MIGRATE_SCANNER = "#1b9e77";
    public static final String FREE_SCANNER = "#7570b3";
    public static final String MOVED = "#0047c2";
    public static final String TOUCHED = "#0047c2";
    /** Arrows drawn per panel at most; the rest are counted in the label. */
    static final int MAX_ARROWS = 48;

    @Override
    public String subsystem() {
        return "compaction";
    }

    @Override
    public Class<CompactionState> stateType() {
        return CompactionState.class;
    }

    /** What a page is, for its colour and letter. */
    enum Kind { OUTSIDE, HOLE, FREE, FREE_TAIL, HELD, HELD_TAIL, ANON, MIGRATING, KERNEL, ALLOCATED, ALLOCATED_TAIL }

    static Kind[] kinds(CompactionState s) {
        MemMap mem = s.machine.mem();
        Kind[] k = new Kind[mem.nrPages()];
        java.util.Arrays.fill(k, Kind.OUTSIDE);
        Set<Long> kernel = new HashSet<>();
        for (long[] a : s.allocations.values()) for (long p = a[0]; p < a[0] + (1L << a[1]); p++) kernel.add(p);
        for (Zone z : s.machine.node().zones) {
            if (z.spannedPages == 0) continue;
            for (int i = mem.idx(z.zoneStartPfn), end = mem.idx(z.zoneEndPfn()); i < end; i++) {
                int f = mem.flags[i];
                long pfn = mem.pfn(i);
                if ((f & PageFlags.MODEL_NOT_PRESENT) != 0 || (f & PageFlags.PG_reserved) != 0) {
                    k[i] = Kind.HOLE;
                } else if (k[i] == Kind.OUTSIDE) {
                    int n = 1 << mem.order[i];
                    Kind head;
                    Kind tail;
                    if ((f & PageFlags.PGTY_buddy) != 0) {
                        head = Kind.FREE;
                        tail = Kind.FREE_TAIL;
                    } else if ((f & PageFlags.MODEL_COMPACT_FREE) != 0) {
                        head = Kind.HELD;
                        tail = Kind.HELD_TAIL;
                    } else if ((f & PageFlags.MODEL_ALLOC_HEAD) != 0) {
                        if (kernel.contains(pfn)) {
                            head = Kind.KERNEL;
                            tail = Kind.KERNEL;
                        } else if (s.machine.rmap().migrations().containsKey(pfn)) {
                            head = Kind.MIGRATING;
                            tail = Kind.MIGRATING;
                        } else if (s.machine.rmap().contents().containsKey(pfn)) {
                            head = Kind.ANON;
                            tail = Kind.ANON;
                        } else {
                            head = Kind.ALLOCATED;
                            tail = Kind.ALLOCATED_TAIL;
                        }
                    } else {
                        continue; // a tail page: set by its head
                    }
                    k[i] = head;
                    for (int t = 1; t < n && i + t < end; t++) k[i + t] = tail;
                }
            }
        }
        return k;
    }

    private static String colour(Kind k) {
        return switch (k) {
            case OUTSIDE -> OUTSIDE;
            case HOLE -> HOLE;
            case FREE, FREE_TAIL -> FREE;
            case HELD, HELD_TAIL -> HELD;
            case ANON -> ANON;
            case MIGRATING -> MIGRATING;
            case KERNEL -> KERNEL;
            case ALLOCATED, ALLOCATED_TAIL -> ALLOCATED;
        };
    }

    @Override
    public String panel(CompactionState s, int stepIndex, Step step, Outcome outcome, Highlight red) {
        if (red == null) red = Highlight.NONE;
        String id = DiagramView.panelId(stepIndex);
        String p = DiagramView.prefix(stepIndex);
        MemMap mem = s.machine.mem();
        Map<Long, Highlight.Mark> redPfns = red.pfns();
        Kind[] kinds = kinds(s);
        CompactControl cc = s.compaction().current();
        int pbo = s.machine.config().pageblockOrder();
        long pbn = 1L << pbo;
        Set<Long> touched = new HashSet<>();
        if (outcome != null && outcome.kind() == Outcome.Kind.OK) {
            Object f = outcome.facts().get("pfn");
            if (f instanceof Long pfn && pfn >= 0) touched.add(pfn);
        }
        // the moves of this step, and where the scanners are in each zone
        List<long[]> moved = new ArrayList<>();
        Map<String, long[]> scanners = new HashMap<>();
        for (CompactionState.RoundRecord r : s.rounds) {
            moved.addAll(r.moved());
            scanners.put(r.round().zone(), new long[] {r.round().migrateAfter(), r.round().freeAfter()});
        }
        if (cc != null) scanners.put(cc.zone.name(), new long[] {cc.migrate_pfn, cc.free_pfn});
        Set<Long> movedTo = new HashSet<>();
        for (long[] m : moved) movedTo.add(m[1]);

        StringBuilder sb = new StringBuilder();
        sb.append("subgraph cluster_").append(id).append(" {\n");
        sb.append("  label=<").append(panelLabel(s, stepIndex, step, outcome, red)).append(">;\n");
        sb.append("  labeljust=l; labelloc=t; fontname=").append(Dot.quote(Dot.FONT)).append("; fontsize=13;\n");
        sb.append(red.isEmpty() ? "  color=\"#808080\"; penwidth=1;\n" : "  color=\"" + Dot.RED + "\"; penwidth=3;\n");
        Map<Long, String> nodeOf = new HashMap<>();
        for (Zone z : s.machine.node().zones) {
            if (!z.populated()) continue;
            String zid = p + "zone" + z.idx;
            long[] sc = scanners.get(z.name());
            Highlight.Mark zmark = red.node(z.name());
            StringBuilder t = new StringBuilder();
            t.append("<TABLE BORDER=\"").append(zmark == Highlight.Mark.NONE ? 1 : 3).append("\" COLOR=\"")
              .append(markColour(zmark, "#808080")).append("\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"2\">");
            t.append("<TR><TD COLSPAN=\"").append(pbn + 2).append("\" ALIGN=\"LEFT\"><B>").append(Dot.html(z.name())).append("</B> [")
              .append(Dot.hex(z.zoneStartPfn)).append(", ").append(Dot.hex(z.zoneEndPfn())).append(") free ").append(z.nrFreePages)
              .append("</TD></TR>");
            for (int b = 0; b < z.nrPageblocks(); b++) {
                long start = z.pageblockPfn(b);
                t.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">").append(Dot.hex(start)).append(' ')
                  .append(Dot.html(MigrateType.name(z.pageblockMigratetype(Math.max(start, z.zoneStartPfn)))))
                  .append(z.pageblockSkip(Math.max(start, z.zoneStartPfn)) ? " [skip]" : "").append("</FONT></TD>");
                for (long pfn = start; pfn < start + pbn; pfn++) {
                    int i = mem.idx(pfn);
                    Kind k = z.spansPfn(pfn) ? kinds[i] : Kind.OUTSIDE;
                    Highlight.Mark m = redPfns.getOrDefault(pfn, Highlight.Mark.NONE);
                    String border = null;
                    int width = 1;
                    if (m != Highlight.Mark.NONE) {
                        border = markColour(m, null);
                        width = 3;
                    } else if (sc != null && pfn == sc[0]) {
                        border = MIGRATE_SCANNER;
                        width = 3;
                    } else if (sc != null && pfn == sc[1]) {
                        border = FREE_SCANNER;
                        width = 3;
                    } else if (touched.contains(pfn) || movedTo.contains(pfn)) {
                        border = TOUCHED;
                        width = 2;
                    }
                    t.append("<TD PORT=\"p").append(Long.toHexString(pfn)).append("\" BGCOLOR=\"").append(colour(k)).append('"');
                    if (border != null) t.append(" BORDER=\"").append(width).append("\" COLOR=\"").append(border).append('"');
                    t.append("><FONT POINT-SIZE=\"8\"").append(k == Kind.HOLE ? " COLOR=\"white\"" : "").append('>')
                      .append(cellText(mem, i, pfn, k)).append("</FONT></TD>");
                    nodeOf.put(pfn, zid);
                }
                StringBuilder marks = new StringBuilder();
                if (sc != null && sc[0] >= start && sc[0] < start + pbn) marks.append("migrate_pfn ").append(Dot.hex(sc[0])).append(" &gt;");
                if (sc != null && sc[1] >= start && sc[1] < start + pbn) {
                    marks.append(marks.length() > 0 ? " " : "").append("&lt; free_pfn ").append(Dot.hex(sc[1]));
                }
                t.append("<TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">").append(marks.length() == 0 ? " " : marks)
                  .append("</FONT></TD></TR>");
            }
            if (sc != null && (sc[1] >= z.zoneEndPfn() || sc[1] < z.pageblockPfn(0))) {
                t.append("<TR><TD COLSPAN=\"").append(pbn + 2).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">free_pfn ")
                  .append(Dot.hex(sc[1])).append(" is outside the strip</FONT></TD></TR>");
            }
            t.append("<TR><TD COLSPAN=\"").append(pbn + 2).append("\" ALIGN=\"LEFT\" BALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">")
              .append(Dot.html(zoneState(z))).append("</FONT></TD></TR>");
            t.append("</TABLE>");
            sb.append("  ").append(zid).append(" [shape=plaintext, margin=0, label=<").append(t).append(">];\n");
        }
        // the run, the rounds
        sb.append("  ").append(p).append("run [shape=plaintext, margin=0, label=<").append(runTable(s, cc)).append(">];\n");
        int drawn = 0;
        for (long[] m : moved) {
            if (drawn++ >= MAX_ARROWS) break;
            String from = nodeOf.get(m[0]);
            String to = nodeOf.get(m[1]);
            if (from == null || to == null) continue;
            sb.append("  ").append(from).append(":p").append(Long.toHexString(m[0])).append(" -> ").append(to).append(":p")
              .append(Long.toHexString(m[1])).append(" [color=\"").append(MOVED).append("\", penwidth=1.2, arrowsize=0.6, constraint=false];\n");
        }
        sb.append("}\n");
        return sb.toString();
    }

    private static String cellText(MemMap mem, int i, long pfn, Kind k) {
        String low = Long.toHexString(pfn & 0xff);
        return switch (k) {
            case FREE, HELD, ALLOCATED -> low + "<BR/>o" + mem.order[i];
            case ANON -> low + "<BR/>a";
            case MIGRATING -> low + "<BR/>m";
            case KERNEL -> low + "<BR/>k";
            default -> low + "<BR/> ";
        };
    }

    private static String markColour(Highlight.Mark m, String none) {
        return switch (m) {
            case PRIMARY -> Dot.RED;
            case OTHER -> Dot.ORANGE;
            case NONE -> none;
        };
    }

    private static String zoneState(Zone z) {
        StringBuilder sb = new StringBuilder();
        sb.append("nr_free");
        for (int o = 0; o < z.nrOrders(); o++) sb.append(o == 0 ? " " : ",").append(z.nrFree[o]);
        sb.append("; compact_cached_migrate_pfn ").append(Dot.hex(z.compactCachedMigratePfn[0])).append('/')
          .append(Dot.hex(z.compactCachedMigratePfn[1])).append(", compact_cached_free_pfn ").append(Dot.hex(z.compactCachedFreePfn))
          .append("; defer_shift ").append(z.compactDeferShift).append(", considered ").append(z.compactConsidered)
          .append(", order_failed ").append(z.compactOrderFailed).append(z.compactBlockskipFlush ? "; blockskip_flush" : "");
        return sb.toString();
    }

    private static String runTable(CompactionState s, CompactControl cc) {
        StringBuilder sb = new StringBuilder("<TABLE BORDER=\"0\" CELLPADDING=\"1\" CELLSPACING=\"0\">");
        if (cc == null) {
            sb.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\">no compaction run in progress</FONT></TD></TR>");
        } else {
            StringBuilder held = new StringBuilder();
            for (int o = 0; o < cc.freepages.size(); o++) {
                for (long pfn : cc.freepages.get(o)) held.append(held.length() > 0 ? ", " : "").append(Dot.hex(pfn)).append(" o").append(o);
            }
            sb.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\"><B>run in progress</B>: ").append(Dot.html(cc.zone.name()))
              .append(", order ").append(cc.order).append(", ").append(Dot.html(cc.mode.kernelName())).append(", round ").append(cc.rounds)
              .append(cc.stalled ? ", <FONT COLOR=\"" + Dot.RED + "\">stalled</FONT>" : "").append("</FONT></TD></TR>");
            sb.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\">cc-&gt;freepages: ").append(held.length() == 0 ? "empty"
                    : Dot.html(held.toString())).append(" (nr_freepages ").append(cc.nr_freepages).append(")</FONT></TD></TR>");
        }
        int shown = 0;
        for (CompactionState.RoundRecord r : s.rounds) {
            if (shown++ >= 12) {
                sb.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">... ").append(s.rounds.size() - 12)
                  .append(" more rounds</FONT></TD></TR>");
                break;
            }
            var rd = r.round();
            sb.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">").append(Dot.html(rd.zone()))
              .append(rd.index() == 0 ? " start" : " round " + rd.index()).append(": migrate_pfn ").append(Dot.hex(rd.migrateBefore()))
              .append(" -&gt; ").append(Dot.hex(rd.migrateAfter())).append(", free_pfn ").append(Dot.hex(rd.freeBefore()))
              .append(" -&gt; ").append(Dot.hex(rd.freeAfter())).append(", isolated ").append(r.isolated().size())
              .append(", moved ").append(r.moved().size());
            if (rd.ended()) sb.append(", ended ").append(Dot.html(rd.result()));
            if (r.stalled()) sb.append(", <FONT COLOR=\"").append(Dot.RED).append("\">no progress</FONT>");
            sb.append("</FONT></TD></TR>");
        }
        return sb.append("</TABLE>").toString();
    }

    private static String panelLabel(CompactionState s, int stepIndex, Step step, Outcome outcome, Highlight red) {
        MachineConfig cfg = s.machine.config();
        StringBuilder sb = new StringBuilder("<TABLE BORDER=\"0\" CELLPADDING=\"2\" CELLSPACING=\"0\">");
        String title = stepIndex < 0
                ? "boot: configuration " + cfg.name() + (cfg.knownBugs().isEmpty() ? "" : ", known bugs " + cfg.knownBugs())
                : DiagramView.title(stepIndex, step, outcome);
        String colour = red.isEmpty() ? "black" : Dot.RED;
        sb.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"14\" COLOR=\"").append(colour).append("\"><B>")
          .append(Dot.html(title.length() > 160 ? title.substring(0, 157) + "..." : title)).append("</B></FONT></TD></TR>");
        for (Violation v : red.ordered()) {
            String c = red.primary(v) ? Dot.RED : Dot.ORANGE;
            sb.append("<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\"><FONT COLOR=\"").append(c).append("\"><B>")
              .append(Dot.html(v.invariantId())).append(" violated:</B> ").append(Dot.wrap(v.message(), 110))
              .append("</FONT></TD></TR>");
        }
        if (!red.isEmpty() && stepIndex >= 0) {
            sb.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\" COLOR=\"#404040\">state after step ")
              .append(stepIndex).append("; red: what the violation names</FONT></TD></TR>");
        }
        return sb.append("</TABLE>").toString();
    }

    @Override
    public String legend(String id) {
        StringBuilder sb = new StringBuilder();
        sb.append(id).append("legend [shape=plaintext, margin=0, label=<");
        sb.append("<TABLE BORDER=\"1\" COLOR=\"#808080\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"3\">");
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\"><B>legend</B></FONT></TD></TR>");
        row(sb, FREE, "free (on a buddy list; its order at the head)");
        row(sb, HELD, "free, held isolated on cc->freepages");
        row(sb, ANON, "a: anonymous page on the LRU (movable)");
        row(sb, MIGRATING, "m: folio isolated for migration");
        row(sb, KERNEL, "k: kernel allocation (unmovable)");
        row(sb, ALLOCATED, "other allocated page");
        sb.append("<TR><TD BORDER=\"3\" COLOR=\"").append(MIGRATE_SCANNER).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">"
                + "migrate_pfn: the migration scanner</FONT></TD></TR>");
        sb.append("<TR><TD BORDER=\"3\" COLOR=\"").append(FREE_SCANNER).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">"
                + "free_pfn: the free scanner</FONT></TD></TR>");
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"").append(MOVED)
          .append("\">arrow: a folio moved, old pfn -&gt; new pfn</FONT></TD></TR>");
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
