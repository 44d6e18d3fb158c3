package org.mmspec.counterexamples.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmspec.invariants.engine.Counterexample;

class RendererTest {
    /** An engine that always fails, as a broken Graphviz would. */
    static final class Broken implements ImageEngine {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public String name() {
            return "broken";
        }

        @Override
        public String unavailableReason() {
            return null;
        }

        @Override
        public String svg(String dot) throws Exception {
            calls.incrementAndGet();
            throw new IllegalStateException("simulated engine failure");
        }

        @Override
        public byte[] png(String dot, String svg, double scale) throws Exception {
            throw new IllegalStateException("simulated engine failure");
        }
    }

    /** An engine that never answers. */
    static final class Hung implements ImageEngine {
        @Override
        public String name() {
            return "hung";
        }

        @Override
        public String unavailableReason() {
            return null;
        }

        @Override
        public String svg(String dot) throws Exception {
            Thread.sleep(60_000);
            return "";
        }

        @Override
        public byte[] png(String dot, String svg, double scale) {
            return new byte[0];
        }
    }

    /** An engine that draws every graph as the same small SVG and PNG. */
    static final class Fake implements ImageEngine {
        final List<String> graphs = new ArrayList<>();

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public String unavailableReason() {
            return null;
        }

        @Override
        public String svg(String dot) {
            graphs.add(dot);
            return "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10pt\" height=\"10pt\" viewBox=\"0 0 10 10\">"
                    + "<g id=\"graph0\"><text>fake</text></g></svg>\n";
        }

        @Override
        public byte[] png(String dot, String svg, double scale) {
            return new byte[] {(byte) 0x89, 'P', 'N', 'G'};
        }
    }

    @Test
    void dotIsAlwaysWrittenAndAFailingEngineIsOneLine(@TempDir Path dir) throws Exception {
        Counterexample ce = Fixtures.isolateMerge();
        Broken broken = new Broken();
        RenderResult r = new Renderer(EngineChain.of(List.of(broken))).render(ce, dir, EnumSet.of(ImageFormat.SVG, ImageFormat.PNG));
        for (String f : List.of("step-boot.dot", "step-00.dot", "filmstrip.dot")) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        assertTrue(Files.readString(dir.resolve("filmstrip.dot")).contains("subgraph cluster_s0"));
        try (var files = Files.list(dir)) {
            assertEquals(3, files.count(), "only the DOT files");
        }
        assertNull(r.engine());
        assertEquals(1, r.problems().size(), r.problems().toString());
        assertTrue(r.problems().get(0).contains("broken: simulated engine failure"), r.problems().get(0));
        assertEquals(3, broken.calls.get(), "each graph was offered to the engine");
        assertEquals(3, r.files().size());
        assertTrue(r.steps().get(1).violating());
        assertNull(r.replayNote(), "the replay reproduced the violation");
    }

    @Test
    void aHungEngineTimesOutAndTheNextOneDraws(@TempDir Path dir) throws Exception {
        Counterexample ce = Fixtures.isolateMerge();
        Fake fake = new Fake();
        EngineChain chain = EngineChain.of(List.of(new Hung(), fake)).timeout(Duration.ofMillis(300));
        long t0 = System.nanoTime();
        RenderResult r = new Renderer(chain).render(ce, dir, EnumSet.of(ImageFormat.SVG, ImageFormat.PNG));
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "the time limit holds");
        assertEquals("fake", r.engine());
        assertTrue(Files.readString(dir.resolve("step-00.svg")).contains("fake"));
        assertTrue(Files.exists(dir.resolve("filmstrip.png")));
        assertEquals(List.of(), r.problems(), "the hung engine is dropped, the next one drew everything");
        assertEquals(3, fake.graphs.size());
        assertTrue(fake.graphs.get(0).startsWith("// mmspec counterexample: BUDDY-PBTYPE on configuration tiny"));
        chain.close();
    }

    @Test
    void stepFilesAreNumberedAndTheFilmstripHasEveryPanel(@TempDir Path dir) throws Exception {
        Counterexample ce = Fixtures.boostSmallZone();
        RenderResult r = new Renderer(EngineChain.named("none")).render(ce, dir, Set.of());
        int n = ce.steps().size();
        assertEquals(n + 1, r.steps().size());
        assertEquals(dir.resolve("step-boot.dot"), r.steps().get(0).dot());
        for (int i = 0; i < n; i++) {
            assertEquals(dir.resolve(String.format("step-%02d.dot", i)), r.steps().get(i + 1).dot());
            assertEquals(i == n - 1, r.steps().get(i + 1).violating());
        }
        String film = Files.readString(dir.resolve("filmstrip.dot"), StandardCharsets.UTF_8);
        assertTrue(film.contains("subgraph cluster_boot"));
        for (int i = 0; i < n; i++) assertTrue(film.contains("subgraph cluster_s" + i + " {"), "panel " + i);
        assertTrue(film.contains("BOOST-BOUNDS"), "the filmstrip's headline names the invariant");
        assertEquals(List.of(), r.problems(), "DOT only: nothing to report");
    }

    @Test
    void theEmbeddedV8EngineDrawsSvg(@TempDir Path dir) throws Exception {
        Counterexample ce = Fixtures.isolateMerge();
        try (EngineChain chain = EngineChain.named("v8")) {
            RenderResult r = new Renderer(chain).render(ce, dir, EnumSet.of(ImageFormat.SVG));
            Assumptions.assumeTrue(r.engine() != null, "V8 does not run here: " + r.problems());
            assertEquals("v8", r.engine());
            String svg = Files.readString(dir.resolve("step-00.svg"));
            assertTrue(svg.contains("<svg"), "an SVG");
            assertTrue(svg.contains(">0x0 o4<"), "with the block's label");
            assertTrue(svg.contains("stroke=\"" + Dot.RED + "\""), "and red in the violated state");
        }
    }

    @Test
    void formatsAndEngineNamesAreChecked() {
        assertEquals(Set.of(), Renderer.formats("dot"));
        assertEquals(EnumSet.of(ImageFormat.SVG, ImageFormat.PNG), Renderer.formats("svg,png"));
        assertThrows(IllegalArgumentException.class, () -> Renderer.formats("gif"));
        assertThrows(IllegalArgumentException.class, () -> EngineChain.named("dot,graphviz"));
        assertTrue(EngineChain.named("none").whyNone().contains("no Graphviz engine"));
    }

    @Test
    void theJ2v8LibraryLosesOnlyItsExecutableStackFlag() {
        byte[] elf = new byte[64 + 2 * 56];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(elf).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        elf[0] = 0x7f;
        elf[1] = 'E';
        elf[2] = 'L';
        elf[3] = 'F';
        elf[4] = 2;
        elf[5] = 1;
        b.putLong(0x20, 64);
        b.putShort(0x36, (short) 56);
        b.putShort(0x38, (short) 2);
        b.putInt(64, 1);              // PT_LOAD
        b.putInt(64 + 4, 5);          // R|X: stays
        b.putInt(64 + 56, 0x6474e551); // PT_GNU_STACK
        b.putInt(64 + 56 + 4, 7);     // RWX
        assertTrue(J2v8Native.clearExecStack(elf));
        assertEquals(5, b.getInt(64 + 4));
        assertEquals(6, b.getInt(64 + 56 + 4));
        assertTrue(!J2v8Native.clearExecStack(new byte[10]));
    }
}
