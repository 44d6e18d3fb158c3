package org.mmspec.counterexamples.render;

import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Step;

/**
 * How one subsystem draws its state: one panel per step of a counterexample. A panel is a DOT
 * {@code subgraph cluster_<id> { ... }} whose node ids all start with {@link #prefix(int)}, so
 * any number of panels can share one graph (the filmstrip). Subsystems register their view in
 * {@link DiagramViews}; the {@link Renderer} knows nothing of any subsystem.
 *
 * <p>Panels of one graph are laid out left to right in their order, so a panel should be a
 * cluster of unconnected nodes or of nodes connected only among themselves.
 *
 * @param <S> the subsystem's state, as {@code Execution.snapshots} holds it
 */
public interface DiagramView<S> {
    /** The subsystem's name, as {@code Subsystem.name()} and the counterexample file give it. */
    String subsystem();

    /** The state class, to check snapshots before drawing them. */
    Class<S> stateType();

    /**
     * The DOT of one panel: the state after boot ({@code stepIndex} -1, {@code step} and
     * {@code outcome} null) or after step {@code stepIndex}. The panel is titled with the step and
     * its outcome (see {@link #title}), shows what the step touched, and draws what {@code marks}
     * names: the counterexample's own invariant's evidence in red ({@link Dot#RED}), other
     * violated invariants' in orange ({@link Dot#ORANGE}), with their messages under the title.
     * {@code marks} is {@link Highlight#NONE} for every panel but the violated state's.
     */
    String panel(S state, int stepIndex, Step step, Outcome outcome, Highlight marks);

    /** A DOT node or cluster explaining the panel's colours, with ids starting with {@code id}; "" for none. */
    default String legend(String id) {
        return "";
    }

    /** The id of a panel: {@code boot}, {@code s0}, {@code s1}, ... */
    static String panelId(int stepIndex) {
        return stepIndex < 0 ? "boot" : "s" + stepIndex;
    }

    /** The prefix every node id of the panel of {@code stepIndex} starts with: {@code boot_}, {@code s3_}. */
    static String prefix(int stepIndex) {
        return panelId(stepIndex) + "_";
    }

    /**
     * The title of a panel, as {@code mmspec check} prints the step: {@code 3. alloc(gfp=GFP_KERNEL,
     * order=2) -> pfn 0x104}; the booted state is {@code boot}.
     */
    static String title(int stepIndex, Step step, Outcome outcome) {
        if (stepIndex < 0 || step == null) return "boot";
        StringBuilder sb = new StringBuilder();
        sb.append(stepIndex).append(". ").append(step.op()).append('(').append(step.args()).append(')');
        if (outcome != null) {
            String o = outcome.toString();
            int nl = o.indexOf('\n');
            sb.append(" -> ").append(nl < 0 ? o : o.substring(0, nl));
        }
        return sb.toString();
    }
}
