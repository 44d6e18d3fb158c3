package org.mmspec.invariants.engine;

import java.util.List;
import java.util.Map;

import org.mmspec.invariants.Violation;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * A minimal failing run, as the explorers produce it: which subsystem and configuration, the
 * seed that found it, the shrunk steps with their outcomes, the violated invariant and its
 * evidence, and how the engine got there. The counterexamples module writes it as JSON, replays
 * it and draws it.
 *
 * @param violationStep index of the step after which the invariant failed (-1: the booted state)
 * @param engine        figures of the search: tries, steps, original and shrunk length, replays
 */
public record Counterexample(String subsystem, MachineConfig config, long seed, int tryIndex, long trySeed,
                             List<Step> steps, List<Outcome> outcomes, int violationStep, Violation violation,
                             List<Violation> allViolations, String statement, String citation,
                             Map<String, Object> engine) {
}
