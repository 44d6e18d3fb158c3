package org.mmspec.counterexamples.report;

import java.nio.file.Path;

import org.mmspec.counterexamples.render.RenderResult;
import org.mmspec.invariants.engine.Counterexample;

/**
 * A counterexample as the report shows it: the counterexample itself, where its JSON file is
 * (linked from its page; null when it was not written), and its rendered diagrams (inlined in
 * its page; null when it was not rendered, and the page then says so).
 */
public record ReportedCounterexample(Counterexample counterexample, Path json, RenderResult diagrams) {
    public ReportedCounterexample {
        if (counterexample == null) throw new IllegalArgumentException("a reported counterexample needs its counterexample");
    }
}
