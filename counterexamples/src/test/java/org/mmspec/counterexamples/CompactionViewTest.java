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
import org.mmspec.counterexamples.render.CompactionView;
import org.mmspec.counterexamples.render.DiagramView;
import org.mmspec.counterexamples.render.DiagramViews;
import org.mmspec.counterexamples.render.Dot;
import org.mmspec.counterexamples.render.Highlight;
import org.mmspec.invariants.compaction.CompactionState;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.reference.alloc.KnownBug;

/**
 * The compaction diagram of the known bug's counterexample: the zone strip with both scanners in
 * one pageblock, the folio the run moved as an arrow old pfn -> new pfn, and in the last panel
 * exactly what the violation names drawn in red.
 */
class CompactionViewTest {
    static final Path FILE = Path.of("corpus", KnownBug.SCANNERS_MET.bugName() + ".json");

    @Test
    void registeredUnderItsSubsystem() {
        assertTrue(DiagramViews.get("compaction") instanceof CompactionView);
    }

    @Test
    void theStripShowsTheScannersTheMoveAndTheViolationInRed() throws Exception {
        Counterexample ce = CounterexampleJson.read(Files.readString(FILE, StandardCharsets.UTF_8));
        Replay.Result r = Replay.replay(ce, true);
        assertEquals(Replay.Status.REPRODUCED, r.status(), r.message());
        @SuppressWarnings("unchecked")
        List<CompactionState> snaps = (List<CompactionState>) r.execution().snapshots;
        CompactionView view = new CompactionView();
        int last = ce.violationStep();
        String before = view.panel(snaps.get(last), last - 1, ce.steps().get(last - 1), ce.outcomes().get(last - 1),
                Highlight.NONE);
        String panel = view.panel(snaps.get(last + 1), last, ce.steps().get(last), ce.outcomes().get(last),
                Highlight.of(ce.allViolations(), ce.violation().invariantId()));
        String p = DiagramView.prefix(last);
        assertTrue(panel.startsWith("subgraph cluster_s" + last + " {"));
        Pattern node = Pattern.compile("^  ([A-Za-z0-9_]+)(:p[0-9a-f]+)? (\\[|->)");
        for (String line : panel.split("\n")) {
            Matcher n = node.matcher(line);
            if (n.find()) assertTrue(n.group(1).startsWith(p), "node id without the panel prefix: " + line);
        }
        // the zone strip: one cell (a port) per page of the 16-page zone
        for (long pfn = 0; pfn < 16; pfn++) assertTrue(panel.contains("PORT=\"p" + Long.toHexString(pfn) + "\""), "no cell for " + pfn);
        // both scanners in the pageblock of 0x8, the free scanner stopped in its middle
        assertTrue(panel.contains("migrate_pfn 0x8 &gt;"), panel);
        assertTrue(panel.contains("&lt; free_pfn 0xa"), panel);
        // the move of this step: 0x3 -> 0x9, as an arrow between the cells
        assertTrue(panel.contains(p + "zone2:p3 -> " + p + "zone2:p9"), "the move 0x3 -> 0x9 is not drawn:\n" + panel);
        // every pfn the violation names is outlined in red
        for (long pfn : ce.violation().pfns()) {
            assertTrue(Pattern.compile("PORT=\"p" + Long.toHexString(pfn) + "\"[^>]*COLOR=\"" + Pattern.quote(Dot.RED) + "\"")
                    .matcher(panel).find(), "pfn " + Long.toHexString(pfn) + " is not red");
        }
        assertTrue(panel.contains("COMPACT-PROGRESS violated"));
        assertTrue(panel.contains("no progress"));
        assertFalse(before.contains(Dot.RED), "only the violating panel has red");
        assertTrue(view.legend("legend_").startsWith("legend_legend"));
    }

    @Test
    void theBootPanelDrawsAZoneThatStartsAtPfn1() {
        CompactionState s = new CompactionState(org.mmspec.invariants.compaction.CompactionConfigs.dma1());
        String panel = new CompactionView().panel(s, -1, null, null, Highlight.NONE);
        assertTrue(panel.contains("<B>DMA</B> [0x1, 0x60)"), panel);
        assertTrue(panel.contains("PORT=\"p0\" BGCOLOR=\"" + CompactionView.OUTSIDE + "\""), "pfn 0 lies outside the zone");
        assertTrue(panel.contains("no compaction run in progress"));
    }
}
