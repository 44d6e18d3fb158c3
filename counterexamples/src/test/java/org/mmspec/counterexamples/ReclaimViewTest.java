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
import org.mmspec.counterexamples.render.ReclaimView;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.reclaim.ReclaimState;
import org.mmspec.reference.alloc.KnownBug;

/**
 * The reclaim diagram of the known bug's counterexample (corpus/nonresident-age-anon.json): one
 * panel per step with the LRU lists as queues, the page cache and swap slots; the refaulted page,
 * the list it came back to and the nonresident age drawn in red in the violating panel only; the
 * pages the step moved outlined in blue.
 */
class ReclaimViewTest {
    static final Path FILE = Path.of("corpus", KnownBug.NONRESIDENT_AGE_ANON.bugName() + ".json");

    @Test
    void registeredUnderItsSubsystem() {
        assertTrue(DiagramViews.get("reclaim") instanceof ReclaimView);
    }

    @Test
    void theViolationIsDrawnInRedAndTheMovesInBlue() throws Exception {
        Counterexample ce = CounterexampleJson.read(Files.readString(FILE, StandardCharsets.UTF_8));
        assertEquals("reclaim", ce.subsystem());
        assertEquals("WS-REFAULT", ce.violation().invariantId());
        Replay.Result r = Replay.replay(ce, true);
        assertEquals(Replay.Status.REPRODUCED, r.status(), r.message());
        @SuppressWarnings("unchecked")
        List<ReclaimState> snaps = (List<ReclaimState>) r.execution().snapshots;
        ReclaimView view = new ReclaimView();
        int last = ce.violationStep();
        String before = view.panel(snaps.get(last), last - 1, ce.steps().get(last - 1), ce.outcomes().get(last - 1), Highlight.NONE);
        String panel = view.panel(snaps.get(last + 1), last, ce.steps().get(last), ce.outcomes().get(last),
                Highlight.of(ce.allViolations(), ce.violation().invariantId()));
        String p = DiagramView.prefix(last);
        assertTrue(panel.startsWith("subgraph cluster_s" + last + " {"));
        Matcher n = Pattern.compile("(?m)^  ([A-Za-z0-9_]+) \\[").matcher(panel);
        int nodes = 0;
        while (n.find()) {
            if (n.group(1).equals("node") || n.group(1).equals("edge")) continue;
            assertTrue(n.group(1).startsWith(p), "node id without the panel prefix: " + n.group(1));
            nodes++;
        }
        assertTrue(nodes >= 1);
        for (String list : List.of("inactive_anon", "active_anon", "inactive_file", "active_file")) {
            assertTrue(panel.contains("<B>" + list + "</B>"), list + " is drawn");
        }
        assertTrue(panel.contains("WS-REFAULT violated"));
        // the refaulted page is red wherever it is drawn: on its list and in the page cache
        long pfn = ce.violation().pfns().get(0);
        Matcher cell = Pattern.compile("COLOR=\"" + Pattern.quote(Dot.RED) + "\" BORDER=\"3\"><FONT COLOR=\"" + Pattern.quote(Dot.RED)
                + "\"><B>" + Pattern.quote(Dot.hex(pfn)) + "</B>").matcher(panel);
        assertTrue(cell.find(), "the refaulted pfn " + Dot.hex(pfn) + " is not red on its list:\n" + panel);
        assertTrue(panel.contains("<FONT COLOR=\"" + Dot.RED + "\">nonresident_age"), "the nonresident age is red");
        assertTrue(panel.contains("refault " + Dot.hex(pfn) + ": distance 12"), "the step's refault is listed");
        assertFalse(before.contains(Dot.RED), "only the violating panel has red");
        // the step before evicted pages: drawn as moves, outlined in blue where still shown
        assertTrue(before.contains("&#8594; evicted (direct reclaim: evicted)"), "the evictions of step " + (last - 1) + " are listed");
        assertTrue(view.legend("legend_").startsWith("legend_legend"));
    }
}
