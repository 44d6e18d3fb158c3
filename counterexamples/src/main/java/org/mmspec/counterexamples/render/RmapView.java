package org.mmspec.counterexamples.render;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Step;
import org.mmspec.invariants.rmap.RmapState;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.rmap.AnonVma;
import org.mmspec.reference.rmap.AnonVmaChain;
import org.mmspec.reference.rmap.Migration;
import org.mmspec.reference.rmap.MmStruct;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.reference.rmap.VmAreaStruct;

/**
 * The reverse map drawn as the graph rmap_walk() follows: each anonymous page points to its
 * anon_vma ({@code page->mapping}), each anon_vma to the anon_vma_chains of its interval tree,
 * each chain to its VMA, each VMA to its mm; a dashed edge from an anon_vma to its parent, and a
 * dotted one from each VMA to the pages its page table maps (the PTE's address and bits on it).
 * An anon_vma shows its refcount, num_children and num_active_vmas, a root has a double border;
 * a page shows its mapcount, index and content, with a thick border while PageAnonExclusive; a
 * page isolated for migration is dashed and points to its destination.
 *
 * <p>What the step touched (the page faulted, COWed or migrated, the child of a fork) has a thick
 * blue outline; what the violation names ({@code anon_vma#3}, {@code avc#7}, {@code vma#2},
 * {@code mm#1}, pfns) is red.
 */
public final class RmapView implements DiagramView<RmapState> {
    public static final String PAGE = "#cfe3f7";
    public static final String ANON_VMA = "#fde2b0";
    public static final String AVC = "#e8e8e8";
    public static final String VMA = "#d6efc7";
    public static final String MM = "#e6d9f2";
    public static final String TOUCHED = "#0047c2";

    @Override
    public String subsystem() {
        return "rmap";
    }

    @Override
    public Class<RmapState> stateType() {
        return RmapState.class;
    }

    @Override
    public String panel(RmapState s, int stepIndex, Step step, Outcome outcome, Highlight red) {
        if (red == null) red = Highlight.NONE;
        String id = DiagramView.panelId(stepIndex);
        String p = DiagramView.prefix(stepIndex);
        Rmap r = s.rmap();
        Set<String> redNodes = new java.util.HashSet<>();
        for (org.mmspec.invariants.Violation v : red.violations()) redNodes.addAll(v.nodes());
        Set<Long> redPfns = red.pfns().keySet();
        Set<String> touched = touched(outcome);

        StringBuilder sb = new StringBuilder();
        sb.append("subgraph cluster_").append(id).append(" {\n");
        sb.append("  label=<").append(panelLabel(s, stepIndex, step, outcome, red)).append(">;\n");
        sb.append("  labeljust=l; labelloc=t; fontname=").append(Dot.quote(Dot.FONT)).append("; fontsize=13;\n");
        sb.append(red.isEmpty() ? "  color=\"#808080\"; penwidth=1;\n" : "  color=\"" + Dot.RED + "\"; penwidth=3;\n");
        sb.append("  node [fontname=").append(Dot.quote(Dot.FONT)).append(", fontsize=10];\n");
        sb.append("  edge [fontname=").append(Dot.quote(Dot.FONT)).append(", fontsize=8];\n");

        // pages: every anonymous page, and every pfn a PTE or migration names
        TreeSet<Long> pages = new TreeSet<>(r.contents().keySet());
        for (MmStruct mm : r.tasks().values()) {
            for (long pte : mm.pageTable().values()) if (!Pte.special(pte) && !Pte.swap(pte)) pages.add(Pte.pfn(pte));
        }
        for (Migration m : r.migrations().values()) pages.add(m.src());
        boolean zeroPage = false;
        for (long pfn : pages) {
            sb.append("  ").append(pageNode(p, r, pfn, redPfns.contains(pfn), touched.contains("pfn:" + pfn))).append('\n');
        }
        for (Migration m : r.migrations().values()) {
            sb.append("  ").append(p).append("dst").append(m.dst()).append(" [shape=box, style=\"dashed\", label=\"pfn ")
              .append(Dot.hex(m.dst())).append("\\nmigration destination\"")
              .append(border(redPfns.contains(m.dst()), touched.contains("pfn:" + m.dst()))).append("];\n");
            sb.append("  ").append(p).append("pfn").append(m.src()).append(" -> ").append(p).append("dst").append(m.dst())
              .append(" [style=dashed, label=\"migrating to\"];\n");
        }

        // anon_vmas, their trees and parents
        for (AnonVma a : r.anonVmas().values()) {
            sb.append("  ").append(p).append("av").append(a.id).append(" [shape=ellipse, style=filled, fillcolor=\"")
              .append(ANON_VMA).append('"').append(a.root() == a ? ", peripheries=2" : "")
              .append(", label=\"").append(a.name()).append("\\nrefcount ").append(a.refcount()).append("\\nnum_children ")
              .append(a.numChildren()).append(", num_active_vmas ").append(a.numActiveVmas()).append('"')
              .append(border(redNodes.contains(a.name()), false)).append("];\n");
            if (a.parent() != null && a.parent() != a) {
                sb.append("  ").append(p).append("av").append(a.id).append(" -> ").append(p).append("av").append(a.parent().id)
                  .append(" [style=dashed, color=\"#806040\", label=\"parent\"").append(missing(r, a.parent())).append("];\n");
            }
        }
        // chains: one node each, with an edge from its anon_vma (rb_root) and to its VMA
        Set<Integer> drawnAvc = new TreeSet<>();
        for (MmStruct mm : r.tasks().values()) {
            for (VmAreaStruct v : mm.vmas().values()) {
                for (AnonVmaChain c : v.chain()) drawAvc(sb, p, r, c, redNodes, drawnAvc);
            }
        }
        for (AnonVma a : r.anonVmas().values()) for (AnonVmaChain c : a.rbRoot()) drawAvc(sb, p, r, c, redNodes, drawnAvc);

        // VMAs and mms
        for (MmStruct mm : r.tasks().values()) {
            String mmId = p + "mm" + mm.pid;
            sb.append("  ").append(mmId).append(" [shape=box, style=\"rounded,filled\", fillcolor=\"").append(MM)
              .append("\", label=\"").append(mm.name()).append(" (pid ").append(mm.pid).append(mm.ppid == 0 ? ", init" : ", parent "
                      + mm.ppid).append(")\\nMM_ANONPAGES ").append(mm.rssAnon()).append('"')
              .append(border(redNodes.contains(mm.name()), touched.contains("mm:" + mm.pid))).append("];\n");
            for (VmAreaStruct v : mm.vmas().values()) {
                String vid = p + "vma" + v.id();
                sb.append("  ").append(vid).append(" [shape=box, style=filled, fillcolor=\"").append(VMA).append("\", label=\"")
                  .append(v.name()).append(" [").append(Dot.hex(v.start())).append(", ").append(Dot.hex(v.end()))
                  .append(")\\npgoff ").append(Dot.hex(v.pgoff())).append(", anon_vma ")
                  .append(v.anonVma() == null ? "NULL" : v.anonVma().name()).append('"')
                  .append(border(redNodes.contains(v.name()), touched.contains("vma:" + v.id()))).append("];\n");
                sb.append("  ").append(vid).append(" -> ").append(mmId).append(" [label=\"vm_mm\", color=\"#606060\"];\n");
                for (Map.Entry<Long, Long> e : mm.pageTable().subMap(v.start(), true, v.end(), false).entrySet()) {
                    long pte = e.getValue();
                    if (Pte.swap(pte)) {
                        long off = Pte.swpOffset(pte);
                        sb.append("  ").append(p).append("swap").append(off).append(" [shape=box, style=\"dashed\", label=\"swap slot ")
                          .append(Dot.hex(off)).append("\"];\n");
                        sb.append("  ").append(vid).append(" -> ").append(p).append("swap").append(off)
                          .append(" [style=dotted, color=\"#909090\", label=\"").append(Dot.hex(e.getKey()))
                          .append(Pte.swpExclusive(pte) ? " swap excl" : " swap").append("\"];\n");
                    } else if (Pte.special(pte)) {
                        zeroPage = true;
                        sb.append("  ").append(vid).append(" -> ").append(p).append("zero [style=dotted, color=\"#909090\", label=\"")
                          .append(Dot.hex(e.getKey())).append("\"];\n");
                    } else {
                        sb.append("  ").append(vid).append(" -> ").append(p).append("pfn").append(Pte.pfn(pte))
                          .append(" [style=dotted, color=\"").append(Pte.write(pte) ? "#2060c0" : "#909090").append("\", label=\"")
                          .append(Dot.hex(e.getKey())).append(' ').append(pteBits(pte)).append("\"];\n");
                    }
                }
            }
        }
        if (zeroPage) {
            sb.append("  ").append(p).append("zero [shape=box, style=\"filled\", fillcolor=\"#ffffff\", label=\"zero page\"];\n");
        }
        sb.append("}\n");
        return sb.toString();
    }

    private static void drawAvc(StringBuilder sb, String p, Rmap r, AnonVmaChain c, Set<String> redNodes, Set<Integer> drawn) {
        if (!drawn.add(c.id)) return;
        String cid = p + "avc" + c.id;
        sb.append("  ").append(cid).append(" [shape=box, style=\"filled\", fillcolor=\"").append(AVC).append("\", margin=\"0.05,0.02\", ")
          .append("label=\"").append(c.name()).append(c.inTree() ? "" : "\\n(not in tree)").append('"')
          .append(border(redNodes.contains(c.name()), false)).append("];\n");
        AnonVma a = c.anonVma();
        if (a != null) {
            if (r.anonVmas().get(a.id) != a) {
                sb.append("  ").append(p).append("av").append(a.id).append(" [shape=ellipse, style=dashed, label=\"").append(a.name())
                  .append("\\n(freed)\", color=\"").append(Dot.RED).append("\"];\n");
            }
            sb.append("  ").append(p).append("av").append(a.id).append(" -> ").append(cid)
              .append(c.inTree() ? " [label=\"rb_root\"]" : " [style=dashed, label=\"not in rb_root\"]").append(";\n");
        }
        if (c.vma() != null) {
            sb.append("  ").append(cid).append(" -> ").append(p).append("vma").append(c.vma().id()).append(" [label=\"vma\"];\n");
        }
    }

    private static String pageNode(String p, Rmap r, long pfn, boolean red, boolean touched) {
        StringBuilder sb = new StringBuilder();
        sb.append(p).append("pfn").append(pfn).append(" [shape=box, style=\"filled");
        boolean isolated = r.migrations().containsKey(pfn);
        if (isolated) sb.append(",dashed");
        sb.append("\", fillcolor=\"").append(PAGE).append('"');
        boolean covers = r.mem().covers(pfn);
        boolean exclusive = covers && r.contents().containsKey(pfn) && r.pageAnonExclusive(pfn);
        if (exclusive) sb.append(", penwidth=2");
        sb.append(", label=\"pfn ").append(Dot.hex(pfn));
        if (covers && r.contents().containsKey(pfn)) {
            sb.append("\\nmapcount ").append(r.mapcount(pfn)).append(", index ").append(Dot.hex(r.index(pfn)))
              .append("\\ncontent ").append(r.contents().get(pfn));
            if (exclusive) sb.append("\\nPageAnonExclusive");
            if (isolated) sb.append("\\nisolated for migration");
        } else {
            sb.append("\\n(not an anonymous page)");
        }
        sb.append('"').append(border(red, touched)).append("];");
        int av = covers ? r.mappingId(pfn) : 0;
        if (av != 0) {
            sb.append('\n').append("  ").append(p).append("pfn").append(pfn).append(" -> ").append(p).append("av").append(av)
              .append(" [label=\"mapping\", color=\"#a06000\"]");
            AnonVma a = r.anonVmas().get(av);
            if (a == null) {
                sb.append(";\n  ").append(p).append("av").append(av).append(" [shape=ellipse, style=dashed, label=\"anon_vma#")
                  .append(av).append("\\n(freed)\", color=\"").append(Dot.RED).append("\"]");
            }
            sb.append(';');
        }
        return sb.toString();
    }

    private static String missing(Rmap r, AnonVma a) {
        return r.anonVmas().get(a.id) == a ? "" : ", color=\"" + Dot.RED + "\"";
    }

    private static String pteBits(long pte) {
        if (Pte.migration(pte)) return Pte.migrationWritable(pte) ? "migration (w)" : "migration";
        StringBuilder b = new StringBuilder(Pte.write(pte) ? "rw" : "ro");
        if (Pte.young(pte)) b.append(" young");
        if (Pte.dirty(pte)) b.append(" dirty");
        return b.toString();
    }

    private static String border(boolean red, boolean touched) {
        if (red) return ", color=\"" + Dot.RED + "\", penwidth=3, fontcolor=\"" + Dot.RED + "\"";
        if (touched) return ", color=\"" + TOUCHED + "\", penwidth=3";
        return "";
    }

    /** What the step touched, from its outcome's facts: {@code pfn:N}, {@code mm:P}, {@code vma:V}. */
    static Set<String> touched(Outcome outcome) {
        Set<String> t = new LinkedHashSet<>();
        if (outcome == null || outcome.kind() != Outcome.Kind.OK) return t;
        Map<String, Object> f = outcome.facts();
        if (f.get("pfn") instanceof Long pfn && pfn >= 0) t.add("pfn:" + pfn);
        if (f.get("dst") instanceof Long dst && dst >= 0) t.add("pfn:" + dst);
        if (f.get("child") instanceof Long c) t.add("mm:" + c);
        if (f.get("child") instanceof Integer c) t.add("mm:" + c);
        if (f.get("vma") instanceof Long v) t.add("vma:" + v);
        if (f.get("vma") instanceof Integer v) t.add("vma:" + v);
        return t;
    }

    private static String panelLabel(RmapState s, int stepIndex, Step step, Outcome outcome, Highlight red) {
        MachineConfig cfg = s.machine.config();
        StringBuilder sb = new StringBuilder("<TABLE BORDER=\"0\" CELLPADDING=\"2\" CELLSPACING=\"0\">");
        String title = stepIndex < 0
                ? "boot: configuration " + cfg.name() + ", init (pid 1) with an empty mm"
                        + (cfg.knownBugs().isEmpty() ? "" : ", known bugs " + cfg.knownBugs())
                : DiagramView.title(stepIndex, step, outcome);
        String colour = red.isEmpty() ? "black" : Dot.RED;
        sb.append("<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"14\" COLOR=\"").append(colour).append("\"><B>")
          .append(Dot.html(title)).append("</B></FONT></TD></TR>");
        for (Violation v : red.violations()) {
            sb.append("<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\"><FONT COLOR=\"").append(Dot.RED).append("\"><B>")
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
        row(sb, PAGE, "page (pfn, mapcount, index, content); thick: PageAnonExclusive; dashed: isolated");
        row(sb, ANON_VMA, "anon_vma (refcount, num_children, num_active_vmas); double: a root");
        row(sb, AVC, "anon_vma_chain");
        row(sb, VMA, "VMA [vm_start, vm_end), vm_pgoff, its anon_vma");
        row(sb, MM, "mm_struct of a process");
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">edges: page -mapping-&gt; anon_vma -rb_root-&gt; chain "
                + "-vma-&gt; VMA -vm_mm-&gt; mm; dashed: parent; dotted: a PTE (address, bits)</FONT></TD></TR>");
        sb.append("<TR><TD BORDER=\"3\" COLOR=\"").append(TOUCHED).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\"><B>touched by the "
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

    /** The ids of the anon_vmas, chains, VMAs and mms a panel draws, for tests: {@code anon_vma#3} style names. */
    static List<String> drawnNames(RmapState s) {
        List<String> out = new ArrayList<>();
        Rmap r = s.rmap();
        for (AnonVma a : r.anonVmas().values()) out.add(a.name());
        Map<Integer, String> avcs = new TreeMap<>();
        for (MmStruct mm : r.tasks().values()) {
            out.add(mm.name());
            for (VmAreaStruct v : mm.vmas().values()) {
                out.add(v.name());
                for (AnonVmaChain c : v.chain()) avcs.put(c.id, c.name());
            }
        }
        out.addAll(avcs.values());
        return out;
    }
}
