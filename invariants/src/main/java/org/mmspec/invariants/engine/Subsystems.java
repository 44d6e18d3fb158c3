package org.mmspec.invariants.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.mmspec.invariants.buddy.BuddySubsystem;
import org.mmspec.invariants.rmap.RmapSubsystem;

/** Every subsystem the explorers can check, by name, in catalog order. */
public final class Subsystems {
    private Subsystems() {}

    private static final Map<String, Supplier<Subsystem<?>>> ALL = new LinkedHashMap<>();

    static {
        ALL.put("buddy", BuddySubsystem::new);
        ALL.put("rmap", RmapSubsystem::new);
    }

    public static List<String> names() {
        return List.copyOf(ALL.keySet());
    }

    /** A fresh instance of the named subsystem, or null. */
    public static Subsystem<?> create(String name) {
        Supplier<Subsystem<?>> s = ALL.get(name);
        return s == null ? null : s.get();
    }
}
