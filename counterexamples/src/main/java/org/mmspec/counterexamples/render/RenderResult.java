package org.mmspec.counterexamples.render;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a render wrote into {@link #dir}: one diagram per panel (the booted state, then the state
 * after each step), the filmstrip of all panels, the engine that drew the images (null when none
 * did), one line per problem (an image not drawn, a replay that went differently), and the
 * replay's outcome when it did not reproduce the recorded violation.
 *
 * @param steps      the booted state (stepIndex -1) then each step, in order
 * @param filmstrip  every panel in one graph, left to right (stepIndex -2)
 * @param replayNote null when the replay reproduced the recorded violation; else what it found
 */
public record RenderResult(Path dir, List<Diagram> steps, Diagram filmstrip, String engine, List<String> problems,
                           String replayNote) {
    public RenderResult {
        steps = List.copyOf(steps);
        problems = List.copyOf(problems);
    }

    /**
     * One diagram: its DOT (always written) and the images drawn from it (null when not asked
     * for or not drawn).
     *
     * @param stepIndex -1 for the booted state, -2 for the filmstrip, else the step
     * @param title     the panel's title, as the step prints: {@code 3. alloc(gfp=GFP_KERNEL, order=2) -> pfn 0x104}
     * @param violating whether this panel shows the violated state (drawn in red)
     */
    public record Diagram(int stepIndex, String title, boolean violating, Path dot, Path svg, Path png) {
        public List<Path> files() {
            List<Path> out = new ArrayList<>();
            out.add(dot);
            if (svg != null) out.add(svg);
            if (png != null) out.add(png);
            return out;
        }

        Diagram withImages(Path newSvg, Path newPng) {
            return new Diagram(stepIndex, title, violating, dot, newSvg, newPng);
        }
    }

    /** Every file written: the steps' files in order, then the filmstrip's. */
    public List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (Diagram d : steps) out.addAll(d.files());
        out.addAll(filmstrip.files());
        return out;
    }
}
