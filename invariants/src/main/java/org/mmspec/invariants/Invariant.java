package org.mmspec.invariants;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * A named property every reachable state must have: an ID ({@code BUDDY-MAX-MERGE}), a
 * one-sentence statement, where the kernel states or relies on it
 * ({@code mm/page_alloc.c:__free_one_page (v6.18)}), and a check that appends a
 * {@link Violation} for each place the property fails.
 */
public interface Invariant<S> {
    String id();

    String subsystem();

    String statement();

    String citation();

    void check(S state, List<Violation> out);

    static <S> Invariant<S> of(String id, String subsystem, String statement, String citation,
                               BiConsumer<S, List<Violation>> check) {
        return new Invariant<>() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public String subsystem() {
                return subsystem;
            }

            @Override
            public String statement() {
                return statement;
            }

            @Override
            public String citation() {
                return citation;
            }

            @Override
            public void check(S state, List<Violation> out) {
                check.accept(state, out);
            }

            @Override
            public String toString() {
                return id;
            }
        };
    }
}
