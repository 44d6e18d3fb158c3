package org.mmspec.invariants.engine;

import java.util.List;
import java.util.Map;

import org.mmspec.invariants.Invariant;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * Everything the explorers need to check one part of memory management: its named
 * configurations, how to boot a state, its operation model and its invariants.
 */
public interface Subsystem<S extends ModelState<S>> {
    String name();

    String description();

    /** Named configurations, the first being the default for {@code mmspec check}. */
    Map<String, MachineConfig> configs();

    S init(MachineConfig config);

    List<Operation<S>> operations();

    List<Invariant<S>> invariants();

    /** Called at the start of each random try with that try's source, to vary the workload per try. */
    default void beginTry(S state, Rng rng) {
    }

    /**
     * The named configurations small enough for the bounded explorer to exhaust in seconds: what
     * {@code mmspec explore} explores by default, and what the build explores to completion with
     * each one's distinct-state count recorded in a test. None by default.
     */
    default List<String> exhaustiveConfigs() {
        return List.of();
    }

    default MachineConfig defaultConfig() {
        return configs().values().iterator().next();
    }

    default Operation<S> operation(String name) {
        for (Operation<S> op : operations()) if (op.name().equals(name)) return op;
        return null;
    }
}
