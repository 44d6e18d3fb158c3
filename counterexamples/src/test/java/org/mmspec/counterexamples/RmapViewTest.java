package org.mmspec.counterexamples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.mmspec.counterexamples.render.DiagramView;
import org.mmspec.counterexamples.render.DiagramViews;
import org.mmspec.counterexamples.render.Dot;
import org.mmspec.counterexamples.render.Highlight;
import org.mmspec.counterexamples.render.RmapView;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.rmap.RmapState;

/**
 * The rmap diagram of the known bug's counterexample: one panel per step, the graph pages ->
 * anon_vma -> anon_vma_chain -> VMA -> mm, and in the last panel exactly what the violation names
 * drawn in red.
 */
class RmapViewTest {
    @Test
    void registeredUnderItsSubsystem() {
        assertTrue(DiagramViews.get("rmap") instanceof RmapView);
        assertTrue(DiagramViews.subsystems().contains("buddy"));
    }

    @Test
    void theViolationIsDrawnInRedAndOnlyItsNodes() throws Exception {
        Counterexample ce = CounterexampleJson.read(Files.readString(RmapCorpusTest.FILE, StandardCharsets.UTF_8));
        Replay.Result r = Replay.replay(ce, true);
        assertEquals(Replay.Status.REPRODUCED, r.status());
        @SuppressWarnings("unchecked")
        List<RmapState> snaps = (List<RmapState>) r.execution().snapshots;
        RmapView view = new RmapView();
        int last = ce.violationStep();
        String before = view.panel(snaps.get(last), last - 1, ce.steps().get(last - 1), ce.outcomes().get(last - 1), Highlight.NONE);
        String panel = view.panel(snaps.get(last + 1), last, ce.steps().get(last), ce.outcomes().get(last),
                Highlight.of(ce.allViolations(), ce.violation().invariantId()));
        String p = DiagramView.prefix(last);
        assertTrue(panel.startsWith("subgraph cluster_s" + last + " {"));
        Pattern node = Pattern.compile("^  ([A-Za-z0-9_]+) \\[");
        Pattern edge = Pattern.compile("^  ([A-Za-z0-9_]+) -> ([A-Za-z0-9_]+) ");
        int nodes = 0;
        for (String line : panel.split("\n")) {
            Matcher e = edge.matcher(line);
            Matcher n = node.matcher(line);
            if (e.find()) {
                assertTrue(e.group(1).startsWith(p) && e.group(2).startsWith(p), "edge leaves the panel: " + line);
            } else if (n.find() && !n.group(1).equals("node") && !n.group(1).equals("edge")) {
                assertTrue(n.group(1).startsWith(p), "node id without the panel prefix: " + line);
                nodes++;
            }
        }
        assertTrue(nodes >= 10, "pages, anon_vmas, chains, VMAs and mms: " + nodes + " nodes");
        // every node the violation names is red; the other anon_vmas are not
        for (String name : ce.violation().nodes()) {
            String id = p + idOf(name);
            assertTrue(Pattern.compile("(?m)^  " + Pattern.quote(id) + " \\[[^\\n]*color=\"" + Pattern.quote(Dot.RED) + "\"")
                    .matcher(panel).find(), name + " (" + id + ") is not drawn in red:\n" + panel);
        }
        assertFalse(Pattern.compile("(?m)^  " + Pattern.quote(p + "av1") + " \\[[^\\n]*" + Pattern.quote(Dot.RED)).matcher(panel)
                .find(), "the root anon_vma is not named by the violation");
        assertTrue(panel.contains("RMAP-REUSE violated"));
        assertTrue(panel.contains("-> " + p + "av"), "pages point to their anon_vma");
        assertTrue(panel.contains("[label=\"rb_root\"]"), "anon_vmas point to their chains");
        assertTrue(panel.contains("[label=\"vm_mm\""), "VMAs point to their mm");
        assertFalse(before.contains(Dot.RED), "only the violating panel has red");
        assertTrue(view.legend("legend_").startsWith("legend_legend"));
    }

    static String idOf(String name) {
        String n = name.substring(name.indexOf('#') + 1);
        if (name.startsWith("anon_vma#")) return "av" + n;
        if (name.startsWith("vma#")) return "vma" + n;
        if (name.startsWith("mm#")) return "mm" + n;
        if (name.startsWith("avc#")) return "avc" + n;
        throw new IllegalArgumentException(name);
    }
}
