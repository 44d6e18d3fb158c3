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
import org.mmspec.invariants.ksm.KsmState;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.ksm.Ksm;
import org.mmspec.reference.ksm.KsmMmSlot;
import org.mmspec.reference.ksm.KsmRmapItem;
import org.mmspec.reference.ksm.KsmStableNode;
import org.mmspec.reference.ksm.RbNode;
import org.mmspec.reference.rmap.MmStruct;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;

/**
 * KSM drawn as ksmd sees it: the stable tree (its nodes, their left and right children, a chain
 * with its dups hanging off it, each node's KSM page: kpfn, content, rmap_hlist_len), the
 * unstable tree of this scan (rmap_items, left and right), and ksmd's list of mm slots with each
 * rmap_item (address, flags, checksum) pointing to the stable node it hangs off; the scan cursor,
 * the sysfs counters, and each process's PTEs of KSM pages and KSM zero pages. A red-black
 * node's colour is its border (black or red); a stale node (its page no longer holds its key) is
 * dashed.
 *
 * <p>What the step touched (the page migrated or written) has a thick blue outline; what the
 * violation names ({@code stable_node#3}, {@code rmap_item#7}, {@code mm_slot(pid 2)},
 * {@code mm#1}, counter names, pfns) is red.
 */
public final class KsmView implements DiagramView<KsmState> {
    public static final String NODE = "#fde2b0";
    public static final String CHAIN = "#f6c87a";
    public static final String ITEM = "#e8e8e8";
    public static final String UNSTABLE = "#d6efc7";
    public static final String PAGE = "#cfe3f7";
    public static final String SLOT = "#e6d9f2";
    public static final String TOUCHED = "#0047c2";

    @Override
    public String subsystem() {
        return "ksm";
    }

    @Override
    public Class<KsmState> stateType() {
        return KsmState.class;
    }

    @Override
    public String panel(KsmState s, int stepIndex, Step step, Outcome outcome, Highlight marks) {
        Highlight red = marks == null ? Highlight.NONE : marks;
        String id = DiagramView.panelId(stepIndex);
        String p = DiagramView.prefix(stepIndex);
        Ksm k = s.ksm();
        Rmap r = s.rmap();
        Set<String> redNodes = new java.util.HashSet<>();
        for (Violation v : red.violations()) redNodes.addAll(v.nodes());
        Set<Long> redPfns = red.pfns().keySet();
        Set<Long> touched = touched(outcome);

        StringBuilder sb = new StringBuilder();
        sb.append("subgraph cluster_").append(id).append(" {\n");
        sb.append("  label=<").append(panelLabel(s, stepIndex, step, outcome, red)).append(">;\n");
        sb.append("  labeljust=l; labelloc=t; fontname=").append(Dot.quote(Dot.FONT)).append("; fontsize=13;\n");
        sb.append(red.isEmpty() ? "  color=\"#808080\"; penwidth=1;\n" : "  color=\"" + Dot.RED + "\"; penwidth=3;\n");
        sb.append("  node [fontname=").append(Dot.quote(Dot.FONT)).append(", fontsize=10];\n");
        sb.append("  edge [fontname=").append(Dot.quote(Dot.FONT)).append(", fontsize=8];\n");

        // counters and the cursor
        StringBuilder c = new StringBuilder();
        for (Map.Entry<String, Long> e : k.counters().entrySet()) {
            boolean hot = redNodes.contains(e.getKey());
            c.append(hot ? "<FONT COLOR=\"" + Dot.RED + "\"><B>" : "").append(Dot.html(e.getKey() + " " + e.getValue()))
             .append(hot ? "</B></FONT>" : "").append("<BR ALIGN=\"LEFT\"/>");
        }
        KsmMmSlot cur = k.scanSlot();
        c.append(Dot.html("run " + k.run() + ", max_page_sharing " + k.maxPageSharing() + ", use_zero_pages "
                + (k.useZeroPages() ? 1 : 0) + ", smart_scan " + (k.smartScan() ? 1 : 0) + ", pages_to_scan " + k.pagesToScan()))
         .append("<BR ALIGN=\"LEFT\"/>");
        c.append(Dot.html("cursor: " + (cur == null ? "ksm_mm_head (between full scans)" : cur.name() + " at page "
                + Dot.hex(k.scanAddress() >>> Ksm.PAGE_SHIFT)) + "; jiffies " + k.jiffies() + " ms")).append("<BR ALIGN=\"LEFT\"/>");
        sb.append("  ").append(p).append("counters [shape=box, style=\"rounded\", margin=\"0.1,0.05\", label=<<B>/sys/kernel/mm/ksm</B>"
                + "<BR ALIGN=\"LEFT\"/>").append(c).append(">").append(border(redNodes.contains("ksm_zero_pages")
                        || redNodes.contains("pages_shared"), false)).append("];\n");

        // the stable tree
        sb.append("  subgraph cluster_").append(id).append("_stable {\n    label=\"stable tree\"; fontsize=11; color=\"#c0a060\";\n");
        for (KsmStableNode n : k.stableNodes().values()) {
            if (n.isDup()) continue;
            sb.append("    ").append(nodeDot(p, r, n, redNodes.contains(n.name()) || (!n.isChain() && redPfns.contains(n.kpfn())),
                    touched.contains(n.kpfn()))).append('\n');
        }
        for (KsmStableNode n : k.stableNodes().values()) {
            if (!n.isChain()) continue;
            for (KsmStableNode d : n.dups()) {
                sb.append("    ").append(nodeDot(p, r, d, redNodes.contains(d.name()) || redPfns.contains(d.kpfn()),
                        touched.contains(d.kpfn()))).append('\n');
                sb.append("    ").append(p).append("sn").append(n.id).append(" -> ").append(p).append("sn").append(d.id)
                  .append(" [style=dashed, color=\"#a07020\", label=\"dup\"];\n");
            }
        }
        sb.append("  }\n");
        treeEdges(sb, p, k.stableTree().node(), "sn");

        // the unstable tree
        List<RbNode> unstable = Ksm.inOrder(k.unstableTree());
        if (!unstable.isEmpty()) {
            sb.append("  subgraph cluster_").append(id).append("_unstable {\n    label=\"unstable tree (this scan)\"; fontsize=11; "
                    + "color=\"#60a060\";\n");
            for (RbNode n : unstable) sb.append("    ").append(p).append("ut").append(((KsmRmapItem) n).id).append(" [shape=box, style=\"filled")
                    .append("\", fillcolor=\"").append(UNSTABLE).append("\", color=\"").append(n.rbBlack() ? "black" : "#c00000")
                    .append("\", label=\"").append(((KsmRmapItem) n).name()).append("\"];\n");
            sb.append("  }\n");
            treeEdges(sb, p, k.unstableTree().node(), "ut");
        }

        // mm slots and their rmap_items
        for (KsmMmSlot slot : k.slots()) {
            String sid = p + "slot" + slot.mm().pid();
            boolean exited = r.task(slot.mm().pid()) != slot.mm().mmStruct();
            sb.append("  ").append(sid).append(" [shape=box, style=\"rounded,filled\", fillcolor=\"").append(SLOT).append("\", label=\"")
              .append(slot.name()).append(exited ? "\\n(exited)" : "").append(slot == cur ? "\\n<- cursor" : "").append("\\nrmap_items ")
              .append(slot.mm().ksmRmapItems()).append(", merging ").append(slot.mm().ksmMergingPages()).append(", zero ")
              .append(slot.mm().ksmZeroPages()).append('"').append(border(redNodes.contains(slot.name())
                      || redNodes.contains(slot.mm().mmStruct().name()), false)).append("];\n");
            String prev = sid;
            for (KsmRmapItem i : slot.items()) {
                String iid = p + "ri" + i.id;
                StringBuilder l = new StringBuilder(i.name()).append("\\npage ").append(Dot.hex(i.page()));
                if (i.stable()) l.append(" STABLE");
                if (i.unstable()) l.append(" UNSTABLE seqnr ").append(i.seqnr());
                l.append("\\nchecksum ").append(String.format("%08x", i.oldchecksum()));
                if (k.smartScan()) l.append(", age ").append(i.age()).append(", skips ").append(i.remainingSkips());
                if (i.bypass()) l.append("\\n(KSM fork bypass)");
                sb.append("  ").append(iid).append(" [shape=box, style=\"filled\", fillcolor=\"").append(ITEM).append("\", label=\"")
                  .append(l).append('"').append(border(redNodes.contains(i.name()), false)).append("];\n");
                sb.append("  ").append(prev).append(" -> ").append(iid).append(" [color=\"#606060\", arrowsize=0.6, label=\"")
                  .append(prev.equals(sid) ? "rmap_list" : "").append("\"];\n");
                if (i.stable() && i.head() != null && k.stableNodes().containsKey(i.head().id)) {
                    sb.append("  ").append(iid).append(" -> ").append(p).append("sn").append(i.head().id)
                      .append(" [style=dotted, color=\"#a06000\", label=\"head\"];\n");
                }
                if (i.unstable() && unstable.contains(i)) {
                    sb.append("  ").append(iid).append(" -> ").append(p).append("ut").append(i.id)
                      .append(" [style=dotted, color=\"#40a040\", arrowhead=none];\n");
                }
                prev = iid;
            }
        }

        // the processes' KSM mappings (KSM pages, KSM zero pages)
        for (MmStruct mm : r.tasks().values()) {
            List<String> lines = new ArrayList<>();
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                long pte = e.getValue();
                if (Pte.isKsmZeroPte(pte)) lines.add(Dot.hex(e.getKey()) + " -> KSM zero page");
                else if ((Pte.normal(pte) || Pte.migration(pte)) && r.folioTestKsm(Pte.pfn(pte))) {
                    lines.add(Dot.hex(e.getKey()) + " -> pfn " + Dot.hex(Pte.pfn(pte)) + (Pte.write(pte) ? " rw" : " ro"));
                }
            }
            if (lines.isEmpty()) continue;
            sb.append("  ").append(p).append("mm").append(mm.pid).append(" [shape=note, style=filled, fillcolor=\"#ffffff\", label=\"")
              .append(mm.name()).append(" KSM mappings\\n").append(String.join("\\n", lines)).append('"')
              .append(border(redNodes.contains(mm.name()), false)).append("];\n");
        }
        sb.append("}\n");
        return sb.toString();
    }

    private static void treeEdges(StringBuilder sb, String p, RbNode n, String kind) {
        if (n == null) return;
        for (RbNode c : new RbNode[] {n.rbLeft(), n.rbRight()}) {
            if (c == null) continue;
            sb.append("  ").append(p).append(kind).append(idOf(n)).append(" -> ").append(p).append(kind).append(idOf(c))
              .append(" [label=\"").append(c == n.rbLeft() ? "L" : "R").append("\", color=\"#404040\"];\n");
            treeEdges(sb, p, c, kind);
        }
    }

    private static int idOf(RbNode n) {
        return n instanceof KsmStableNode s ? s.id : ((KsmRmapItem) n).id;
    }

    private static String nodeDot(String p, Rmap r, KsmStableNode n, boolean red, boolean touched) {
        StringBuilder sb = new StringBuilder();
        sb.append(p).append("sn").append(n.id).append(" [shape=box, style=\"filled");
        boolean stale = !n.isChain() && !(r.mem().covers(n.kpfn()) && r.folioTestKsm(n.kpfn()) && r.stableNodeId(n.kpfn()) == n.id);
        if (stale) sb.append(",dashed");
        sb.append("\", fillcolor=\"").append(n.isChain() ? CHAIN : NODE).append("\", color=\"")
          .append(n.isDup() ? "#a07020" : n.rbBlack() ? "black" : "#c00000").append("\", label=\"");
        if (n.isChain()) {
            sb.append("chain ").append(n.name()).append("\\ncontent ").append(n.content()).append(", ").append(n.dups().size())
              .append(" dup(s)");
        } else {
            sb.append(n.isDup() ? "dup " : "").append(n.name()).append("\\nkpfn ").append(Dot.hex(n.kpfn())).append(", content ")
              .append(n.content()).append("\\nrmap_hlist_len ").append(n.rmapHlistLen());
            if (stale) sb.append("\\n(stale: its page lost its key)");
            else sb.append(", mapcount ").append(r.mapcount(n.kpfn()));
        }
        sb.append('"').append(border(red, touched)).append("];");
        return sb.toString();
    }

    private static String border(boolean red, boolean touched) {
        if (red) return ", color=\"" + Dot.RED + "\", penwidth=3, fontcolor=\"" + Dot.RED + "\"";
        if (touched) return ", color=\"" + TOUCHED + "\", penwidth=3";
        return "";
    }

    /** The pfns the step touched, from its outcome's facts. */
    static Set<Long> touched(Outcome outcome) {
        Set<Long> t = new LinkedHashSet<>();
        if (outcome == null || outcome.kind() != Outcome.Kind.OK) return t;
        Map<String, Object> f = outcome.facts();
        if (f.get("pfn") instanceof Long pfn && pfn >= 0) t.add(pfn);
        if (f.get("dst") instanceof Long dst && dst >= 0) t.add(dst);
        return t;
    }

    private static String panelLabel(KsmState s, int stepIndex, Step step, Outcome outcome, Highlight red) {
        MachineConfig cfg = s.machine().config();
        StringBuilder sb = new StringBuilder("<TABLE BORDER=\"0\" CELLPADDING=\"2\" CELLSPACING=\"0\">");
        String title = stepIndex < 0
                ? "boot: configuration " + cfg.name() + ", ksmd with no mm" + (cfg.knownBugs().isEmpty() ? "" : ", known bugs "
                        + cfg.knownBugs())
                : DiagramView.title(stepIndex, step, outcome);
        String colour = red.isEmpty() ? "black" : Dot.RED;
        sb.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"14\" COLOR=\"").append(colour).append("\"><B>")
          .append(Dot.html(title)).append("</B></FONT></TD></TR>");
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
        return new Legend(id)
                .colour(NODE, "stable node: its KSM page (kpfn, content), rmap_hlist_len; border black/red: rb colour; dashed: stale")
                .colour(CHAIN, "stable_node chain (rmap_hlist_len STABLE_NODE_CHAIN) with its dups (dashed edges)")
                .colour(UNSTABLE, "unstable tree node (an rmap_item of this scan)")
                .colour(ITEM, "rmap_item: page, STABLE/UNSTABLE flag and seqnr, checksum of the last scan")
                .colour(SLOT, "mm slot on ksmd's list, in scan order, with its rmap_list")
                .note("edges: L/R tree children; rmap_item -head-&gt; stable node; rmap_list in address order")
                .outline(TOUCHED, "<B>touched by the step</B>")
                .end();
    }

    /** The names a panel draws (stable nodes, rmap_items, slots), for tests. */
    static List<String> drawnNames(KsmState s) {
        List<String> out = new ArrayList<>();
        Ksm k = s.ksm();
        for (KsmStableNode n : k.stableNodes().values()) out.add(n.name());
        for (KsmMmSlot slot : k.slots()) {
            out.add(slot.name());
            for (KsmRmapItem i : slot.items()) out.add(i.name());
        }
        return new ArrayList<>(new TreeSet<>(out));
    }
}
