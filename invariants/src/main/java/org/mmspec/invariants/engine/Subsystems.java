package org.mmspec.invariants.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.mmspec.invariants.buddy.BuddySubsystem;
import org.mmspec.invariants.compaction.CompactionSubsystem;
import org.mmspec.invariants.reclaim.ReclaimSubsystem;
import org.mmspec.invariants.rmap.RmapSubsystem;
import org.mmspec.invariants.oracle.OracleSubsystem;

/** Every subsystem the explorers can check, by name, in catalog order. */
public final class Subsystems {
    private Subsystems() {}

    private static final Map<String, Supplier<Subsystem<?>>> ALL = new LinkedHashMap<>();

    static {
        ALL.put("buddy", BuddySubsystem::new);
        ALL.put("rmap", RmapSubsystem::new);
        ALL.put(CompactionSubsystem.NAME, CompactionSubsystem::new);
        ALL.put(ReclaimSubsystem.NAME, ReclaimSubsystem::new);
        ALL.put(OracleSubsystem.NAME, OracleSubsystem::reference);
    }

    public static List<String> names() {
        return List.copyOf(ALL.keySet());
    }

    /** A fresh instance of the named subsystem, or null. */
    public static Subsystem<?> create(String name) {
        Supplier<Subsystem<?>> s = ALL.get(name);
        return s == null ? null : s.get();
    }

    /**
     * The named subsystem made as a counterexample's {@code engine} map describes it: the oracle
     * reads which implementation it drives from there ({@link OracleSubsystem#fromParameters});
     * other subsystems take no parameters. Null for an unknown name; IllegalArgumentException
     * naming the field when the parameters are bad. A subsystem that is {@link AutoCloseable}
     * must be closed by the caller.
     */
    public static Subsystem<?> create(String name, Map<String, Object> parameters) {
        if (OracleSubsystem.NAME.equals(name)) return OracleSubsystem.fromParameters(parameters);
        return create(name);
    }
}
