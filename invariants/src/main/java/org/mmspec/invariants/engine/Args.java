package org.mmspec.invariants.engine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An operation's arguments: plain values (numbers and names) in a fixed order, never live
 * objects, so a step replays from its record alone.
 */
public final class Args {
    public static final Args NONE = new Args(new LinkedHashMap<>());

    private final LinkedHashMap<String, Object> values;

    private Args(LinkedHashMap<String, Object> values) {
        this.values = values;
    }

    public static Args of(Object... kv) {
        if (kv.length % 2 != 0) throw new IllegalArgumentException("Args.of takes name/value pairs");
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], normalise(kv[i + 1]));
        return new Args(m);
    }

    public static Args fromMap(Map<String, ?> m) {
        LinkedHashMap<String, Object> c = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : m.entrySet()) c.put(e.getKey(), normalise(e.getValue()));
        return new Args(c);
    }

    private static Object normalise(Object v) {
        if (v instanceof Integer i) return (long) i;
        if (v instanceof Short s) return (long) s;
        if (v instanceof Byte b) return (long) b;
        if (v instanceof Long || v instanceof String || v instanceof Boolean) return v;
        throw new IllegalArgumentException("argument value " + v + " is not a number, name or boolean");
    }

    public Args with(String name, Object value) {
        LinkedHashMap<String, Object> m = new LinkedHashMap<>(values);
        m.put(name, normalise(value));
        return new Args(m);
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public long getLong(String name) {
        Object v = values.get(name);
        if (v instanceof Long l) return l;
        if (v == null) throw new BadArgument("missing argument '" + name + "'");
        throw new BadArgument("argument '" + name + "' is " + v + ", not a number");
    }

    public int getInt(String name) {
        long v = getLong(name);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new BadArgument("argument '" + name + "' = " + v + " is out of range");
        }
        return (int) v;
    }

    public String getString(String name) {
        Object v = values.get(name);
        if (v instanceof String s) return s;
        if (v == null) throw new BadArgument("missing argument '" + name + "'");
        return String.valueOf(v);
    }

    public boolean getBool(String name) {
        Object v = values.get(name);
        if (v instanceof Boolean b) return b;
        throw new BadArgument("argument '" + name + "' is " + v + ", not true/false");
    }

    public Map<String, Object> asMap() {
        return Collections.unmodifiableMap(values);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Args a && a.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    /** {@code gfp=GFP_KERNEL, order=2}; pfns print in hex. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            if (sb.length() > 0) sb.append(", ");
            sb.append(e.getKey()).append('=');
            Object v = e.getValue();
            if (v instanceof Long l && e.getKey().contains("pfn")) sb.append("0x").append(Long.toHexString(l));
            else sb.append(v);
        }
        return sb.toString();
    }
}
