package org.mmspec.counterexamples.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.mmspec.invariants.Violation;
import org.mmspec.invariants.buddy.BuddyConfigs;
import org.mmspec.invariants.buddy.BuddyState;
import org.mmspec.invariants.buddy.BuddySubsystem;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Step;

class BuddyViewTest {
    private final BuddyView view = new BuddyView();

    /** The texts of the table cells drawn with a border of {@code colour}. */
    static Set<String> cells(String dot, String colour) {
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("<TD[^>]*COLOR=\"" + Pattern.quote(colour) + "\"[^>]*>(.*?)</TD>").matcher(dot);
        while (m.find()) out.add(m.group(1).replaceAll("<[^>]*>", " ").replaceAll("\\s+", " ").trim());
        return out;
    }

    private static BuddyState boot(org.mmspec.reference.alloc.MachineConfig config) {
        return new BuddySubsystem().init(config);
    }

    @Test
    void bootedTinyZoneIsOneOrderFourBlockOverFourMovablePageblocks() {
        String dot = view.panel(boot(BuddyConfigs.tiny()), -1, null, null, Highlight.NONE);
        assertTrue(dot.startsWith("subgraph cluster_boot {"), dot);
        assertTrue(dot.contains(">0x0 o4<"), "the free block 0x0 of order 4");
        assertTrue(dot.contains(">0x0..0xc Movable \u00d74<"), "four equal pageblocks drawn as one run");
        assertTrue(dot.contains("boot: configuration tiny (MAX_PAGE_ORDER 4, pageblock_order 2)"));
        assertTrue(dot.contains(">1: 0x0<"), "free_list[4][Movable] holds 0x0");
        assertTrue(cells(dot, Dot.RED).isEmpty(), "nothing is red without a violation");
        for (String id : List.of("boot_zone_Normal")) assertTrue(dot.contains(id), "node ids carry the panel prefix");
    }

    @Test
    void allocationShowsItsBlockTouchedAndTheSplitRemainder() {
        BuddyState s = boot(BuddyConfigs.tiny());
        Step step = new Step(0, "alloc", Args.of("gfp", "GFP_KERNEL", "order", 1));
        Outcome out = new BuddySubsystem().operation("alloc").apply(s, step.args(), 0);
        assertEquals(Outcome.Kind.OK, out.kind());
        String dot = view.panel(s, 0, step, out, Highlight.NONE);
        assertTrue(dot.contains("0. alloc(gfp=GFP_KERNEL, order=1) -&gt; pfn 0x"), "titled with the step as the CLI prints it");
        long pfn = (Long) out.facts().get("pfn");
        Set<String> touched = cells(dot, BuddyView.TOUCHED);
        assertEquals(Set.of("0x" + Long.toHexString(pfn) + " o1 h0"), touched, "exactly the allocated block is outlined");
        assertTrue(dot.contains(BuddyView.ALLOCATED), "allocated blocks are grey");
    }

    @Test
    void isolateMergeViolationMarksRedExactlyTheBlockAndTheIsolatedPageblock() {
        Counterexample ce = Fixtures.isolateMerge();
        assertEquals("BUDDY-PBTYPE", ce.violation().invariantId());
        List<BuddyState> states = Fixtures.snapshots(ce);
        int last = ce.violationStep();
        Highlight marks = Highlight.of(ce.allViolations(), ce.violation().invariantId());
        String dot = view.panel(states.get(last + 1), last, ce.steps().get(last), ce.outcomes().get(last), marks);

        // the evidence: the free block heading at its first pfn, and the isolated pageblock it spans
        List<String> expected = new ArrayList<>();
        for (long p : ce.violation().pfns()) expected.add(Dot.hex(p));
        assertEquals(List.of("0x0", "0x8"), expected);
        Set<String> red = cells(dot, Dot.RED);
        assertEquals(Set.of("0x0 o4", "0x8 Movable [ISOLATE]", "1: 0x0"), red,
                "red: the block 0x0, the pageblock 0x8, and the free list the block is on; nothing else");
        assertTrue(dot.contains("BUDDY-PBTYPE: free block 0x0 of order 4 (Movable) spans the Isolate pageblock at 0x8"));
        assertTrue(dot.contains("zone Normal"), "the zone the evidence names");
        assertTrue(Pattern.compile("TABLE BORDER=\"3\" COLOR=\"" + Dot.RED + "\"").matcher(dot).find(), "the named zone is framed red");
        for (String other : cells(dot, Dot.ORANGE)) assertFalse(red.contains(other), "orange never repeats red");
    }

    @Test
    void panelsBeforeTheViolationHaveNoRed() {
        Counterexample ce = Fixtures.isolateMerge();
        String dot = view.panel(Fixtures.snapshots(ce).get(0), -1, null, null, Highlight.NONE);
        assertTrue(cells(dot, Dot.RED).isEmpty());
        assertTrue(cells(dot, Dot.ORANGE).isEmpty());
    }

    @Test
    void countersAndFreeAreasNamedByAViolationAreRedInTheirZoneOnly() {
        BuddyState s = boot(BuddyConfigs.small());
        Violation boost = Violation.of("BOOST-BOUNDS", "DMA watermark_boost is 8 on a zone of 27 managed pages, "
                + "smaller than four pageblocks (32)").withNodes("DMA");
        Violation nrFree = Violation.of("BUDDY-NR-FREE", "Normal free_area[3].nr_free is 2 but its lists hold 1 blocks")
                .withNodes("Normal", "free_area[3]");
        String dot = view.panel(s, -1, null, null, Highlight.of(List.of(boost, nrFree), "BOOST-BOUNDS"));
        String dma = dot.substring(dot.indexOf("boot_zone_DMA ["), dot.indexOf("boot_zone_Normal ["));
        String normal = dot.substring(dot.indexOf("boot_zone_Normal ["));
        assertEquals(Set.of("managed", "27", "watermark_boost", "0"), cells(dma, Dot.RED));
        assertTrue(cells(normal, Dot.RED).isEmpty(), "Normal's counters are not the ones named");
        Set<String> orange = cells(normal, Dot.ORANGE);
        assertTrue(orange.contains("3"), "free_area[3] of Normal, in orange: another invariant's evidence");
        assertTrue(cells(dma, Dot.ORANGE).isEmpty(), "DMA's free_area[3] is not named");
    }

    @Test
    void aThousandPageZoneStaysSmallAfterFragmentation() {
        BuddyState s = boot(BuddyConfigs.bench1k());
        BuddySubsystem sub = new BuddySubsystem();
        for (int i = 0; i < 40; i++) {
            sub.operation("alloc").apply(s, Args.of("gfp", i % 2 == 0 ? "GFP_KERNEL" : "GFP_HIGHUSER_MOVABLE", "order", i % 5 == 0 ? 2 : 0), i);
        }
        String dot = view.panel(s, 39, new Step(39, "alloc", Args.of("gfp", "GFP_KERNEL", "order", 0)), null, Highlight.NONE);
        int rows = dot.split("<TR>", -1).length - 1;
        assertTrue(rows < 80, "1024 pages drawn in " + rows + " table rows");
        assertTrue(dot.contains("\u00d7o0"), "runs of order-0 allocations collapse");
    }

    @Test
    void titlesPrintStepsAsTheCliDoes() {
        Step st = new Step(3, "alloc", Args.of("gfp", "GFP_KERNEL", "order", 2));
        assertEquals("3. alloc(gfp=GFP_KERNEL, order=2) -> pfn 0x104",
                DiagramView.title(3, st, Outcome.ok("pfn 0x104", "pfn", 0x104L, "order", 2L)));
        assertEquals("boot", DiagramView.title(-1, null, null));
        assertEquals("s3_", DiagramView.prefix(3));
    }

    @Test
    void theBuddyViewIsRegistered() {
        assertEquals(BuddyView.class, DiagramViews.get("buddy").getClass());
        assertEquals(null, DiagramViews.get("no-such-subsystem"));
    }
}
