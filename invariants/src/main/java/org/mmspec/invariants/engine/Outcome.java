package org.mmspec.invariants.engine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a step did: completed ({@code OK}), failed as the operation may ({@code FAILED}, an
 * allocation returning NULL), was refused as bad input with the state left alone
 * ({@code REJECTED}), or did not apply in this state ({@code SKIPPED}: a replayed step whose
 * handle no longer exists). {@code facts} holds plain values such as the pfn handed out.
 */
public record Outcome(Kind kind, String text, Map<String, Object> facts) {
    public enum Kind { OK, FAILED, REJECTED, SKIPPED }

    public static Outcome ok(String text, Object... kv) {
        return new Outcome(Kind.OK, text, facts(kv));
    }

    public static Outcome failed(String text, Object... kv) {
        return new Outcome(Kind.FAILED, text, facts(kv));
    }

    public static Outcome rejected(String text) {
        return new Outcome(Kind.REJECTED, text, Map.of());
    }

    public static Outcome skipped(String text) {
        return new Outcome(Kind.SKIPPED, text, Map.of());
    }

    private static Map<String, Object> facts(Object... kv) {
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return Collections.unmodifiableMap(m);
    }

    @Override
    public String toString() {
        return kind == Kind.OK ? text : kind.name().toLowerCase() + (text.isEmpty() ? "" : ": " + text);
    }
}
