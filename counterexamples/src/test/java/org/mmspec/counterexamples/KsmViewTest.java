package org.mmspec.counterexamples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.mmspec.counterexamples.render.DiagramView;
import org.mmspec.counterexamples.render.DiagramViews;
import org.mmspec.counterexamples.render.Dot;
import org.mmspec.counterexamples.render.Highlight;
import org.mmspec.counterexamples.render.KsmView;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.ksm.KsmState;
import org.mmspec.reference.alloc.KnownBug;

/**
 * The KSM diagram and corpus: counterexamples/corpus/ksm-stable-flag.json, the 6-step run of
 * 1105a2fc022f, replays as it is and not without the bug; its last panel draws the stable node,
 * the mm slot and its rmap_items, with what the violation names in red and nothing else.
 */
class KsmViewTest {
    static final Path FILE = Path.of("corpus", KnownBug.KSM_STABLE_FLAG.bugName() + ".json");

    @Test
    void registeredUnderItsSubsystem() {
        assertTrue(DiagramViews.get("ksm") instanceof KsmView);
    }

    @Test
    void theCorpusEntryIsTheShortestRunAndReplays() throws Exception {
        Counterexample ce = CounterexampleJson.read(Files.readString(FILE, StandardCharsets.UTF_8));
        assertEquals("ksm", ce.subsystem());
        assertEquals(List.of(KnownBug.KSM_STABLE_FLAG.bugName()), ce.config().knownBugs());
        assertEquals("KSM-RMAP-WALK", ce.violation().invariantId());
        assertEquals(6, ce.steps().size(), "mmap, two writes, madvise, two scans: nothing shorter merges");
        assertEquals(Replay.Status.REPRODUCED, Replay.replay(ce).status());
    }

    @Test
    void theViolationIsDrawnInRedAndOnlyItsNodes() throws Exception {
        Counterexample ce = CounterexampleJson.read(Files.readString(FILE, StandardCharsets.UTF_8));
        Replay.Result r = Replay.replay(ce, true);
        assertEquals(Replay.Status.REPRODUCED, r.status());
        @SuppressWarnings("unchecked")
        List<KsmState> snaps = (List<KsmState>) r.execution().snapshots;
        KsmView view = new KsmView();
        int last = ce.violationStep();
        String before = view.panel(snaps.get(last), last - 1, ce.steps().get(last - 1), ce.outcomes().get(last - 1), Highlight.NONE);
        String panel = view.panel(snaps.get(last + 1), last, ce.steps().get(last), ce.outcomes().get(last),
                Highlight.of(ce.allViolations(), ce.violation().invariantId()));
        String p = DiagramView.prefix(last);
        assertTrue(panel.startsWith("subgraph cluster_s" + last + " {"));
        Pattern node = Pattern.compile("^\\s+([A-Za-z0-9_]+) \\[");
        Pattern edge = Pattern.compile("^\\s+([A-Za-z0-9_]+) -> ([A-Za-z0-9_]+) ");
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
        assertTrue(nodes >= 4, "counters, a stable node, a slot, two rmap_items: " + nodes);
        // the stable node the violation names is red, with its KSM page's kpfn
        assertTrue(Pattern.compile("(?m)^\\s+" + Pattern.quote(p + "sn1") + " \\[[^\\n]*color=\"" + Pattern.quote(Dot.RED) + "\"")
                .matcher(panel).find(), "stable_node#1 is not red:\n" + panel);
        // the rmap_items are not named by the violation
        assertFalse(Pattern.compile("(?m)^\\s+" + Pattern.quote(p + "ri1") + " \\[[^\\n]*" + Pattern.quote(Dot.RED)).matcher(panel).find());
        assertTrue(panel.contains("KSM-RMAP-WALK violated"));
        assertTrue(panel.contains("STABLE"), "rmap_items show their flags");
        assertTrue(panel.contains("[style=dotted, color=\"#a06000\", label=\"head\"]"), "rmap_items point to their stable node");
        assertFalse(before.contains(Dot.RED), "only the violating panel has red");
        assertTrue(view.legend("legend_").startsWith("legend_legend"));
    }
}
