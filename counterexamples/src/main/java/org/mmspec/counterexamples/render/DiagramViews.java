package org.mmspec.counterexamples.render;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The diagram view of each subsystem, by subsystem name. The buddy allocator's is built in; later
 * subsystems (rmap, KSM, compaction) register theirs here, next to it.
 */
public final class DiagramViews {
    private DiagramViews() {}

    private static final Map<String, DiagramView<?>> VIEWS = new LinkedHashMap<>();

    static {
        register(new BuddyView());
        register(new RmapView());
        register(new CompactionView());
        register(new ReclaimView());
        register(new OracleView());
    }

    /** Adds or replaces the view of {@code view.subsystem()}. */
    public static synchronized void register(DiagramView<?> view) {
        VIEWS.put(view.subsystem(), view);
    }

    /** The view of the named subsystem, or null when it has none. */
    public static synchronized DiagramView<?> get(String subsystem) {
        return VIEWS.get(subsystem);
    }

    public static synchronized List<String> subsystems() {
        return List.copyOf(VIEWS.keySet());
    }
}
