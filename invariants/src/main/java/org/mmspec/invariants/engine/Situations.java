package org.mmspec.invariants.engine;

import java.util.Map;

/** A subsystem that can say which situations a finished run covered (orders, fallbacks, merges refused). */
public interface Situations<S> {
    Map<String, Long> situations(S state);
}
