package org.mmspec.invariants.engine;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;
import org.mmspec.invariants.buddy.BuddyConfigs;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * A toy subsystem for the bounded explorer's own tests, small enough to count by hand: K
 * processes, each holding a counter 0..M; {@code inc(p)} adds one (two for process 0 when
 * {@code skewed}, making it unlike the others), {@code reset(p)} sets it to 0, and {@code boom(p)}
 * throws when the counter of p is M - 1 (a crash, when {@code crashing}). The processes are
 * interchangeable unless skewed: the symmetry is "sort the counters".
 */
final class Counters implements ModelState<Counters> {
    final int[] c;

    Counters(int k) {
        c = new int[k];
    }

    @Override
    public Counters copy() {
        Counters o = new Counters(c.length);
        System.arraycopy(c, 0, o.c, 0, c.length);
        return o;
    }

    @Override
    public long fingerprint() {
        return hash(c);
    }

    static long hash(int[] c) {
        long h = 17;
        for (int v : c) h = Rng.mix(h * 31 + v);
        return h;
    }

    @Override
    public String toString() {
        return Arrays.toString(c);
    }

    static final class Sub implements Subsystem<Counters>, Symmetric<Counters> {
        final int k;
        final int m;
        boolean skewed;
        boolean crashing;
        /** Whether the invariant "not every counter is full" is checked (else nothing is ever violated). */
        boolean allFullIsBad;

        Sub(int k, int m) {
            this.k = k;
            this.m = m;
        }

        @Override
        public String name() {
            return "counters";
        }

        @Override
        public String description() {
            return "K counters 0..M";
        }

        @Override
        public Map<String, MachineConfig> configs() {
            Map<String, MachineConfig> c = new LinkedHashMap<>();
            c.put("tiny8", BuddyConfigs.tiny8());
            return c;
        }

        @Override
        public Counters init(MachineConfig config) {
            return new Counters(k);
        }

        @Override
        public List<Operation<Counters>> operations() {
            return List.of(new Inc(), new Reset(), new Boom());
        }

        @Override
        public List<Invariant<Counters>> invariants() {
            return List.of(Invariant.of("TOY-NOT-ALL-FULL", "counters", "Not every counter is full.", "the toy",
                    (s, out) -> {
                        if (!allFullIsBad) return;
                        for (int v : s.c) if (v < m) return;
                        out.add(Violation.of("TOY-NOT-ALL-FULL", "every counter is " + m));
                    }));
        }

        @Override
        public String symmetry() {
            return "processes (their counters sorted)";
        }

        @Override
        public long canonicalFingerprint(Counters s) {
            int[] c = s.c.clone();
            Arrays.sort(c);
            return hash(c);
        }

        @Override
        public Counters permuted(Counters s, Rng rng) {
            Counters p = s.copy();
            for (int i = p.c.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = p.c[i];
                p.c[i] = p.c[j];
                p.c[j] = t;
            }
            return p;
        }

        final class Inc implements Operation<Counters> {
            @Override
            public String name() {
                return "inc";
            }

            @Override
            public boolean enabled(Counters s) {
                return true;
            }

            @Override
            public Args generate(Counters s, Rng rng) {
                return Args.of("p", rng.nextInt(k));
            }

            @Override
            public List<Args> enumerate(Counters s) {
                List<Args> out = new java.util.ArrayList<>();
                for (int p = 0; p < k; p++) if (s.c[p] < m) out.add(Args.of("p", p));
                return out;
            }

            @Override
            public Outcome apply(Counters s, Args a, int stepId) {
                int p = a.getInt("p");
                if (s.c[p] >= m) return Outcome.skipped("full");
                s.c[p] = Math.min(m, s.c[p] + (skewed && p == 0 ? 2 : 1));
                return Outcome.ok("c[" + p + "] = " + s.c[p]);
            }
        }

        final class Reset implements Operation<Counters> {
            @Override
            public String name() {
                return "reset";
            }

            @Override
            public boolean enabled(Counters s) {
                return true;
            }

            @Override
            public Args generate(Counters s, Rng rng) {
                return Args.of("p", rng.nextInt(k));
            }

            @Override
            public List<Args> enumerate(Counters s) {
                List<Args> out = new java.util.ArrayList<>();
                for (int p = 0; p < k; p++) if (s.c[p] > 0) out.add(Args.of("p", p));
                return out;
            }

            @Override
            public Outcome apply(Counters s, Args a, int stepId) {
                s.c[a.getInt("p")] = 0;
                return Outcome.ok("reset");
            }
        }

        final class Boom implements Operation<Counters> {
            @Override
            public String name() {
                return "boom";
            }

            @Override
            public boolean enabled(Counters s) {
                return crashing;
            }

            @Override
            public Args generate(Counters s, Rng rng) {
                return Args.of("p", rng.nextInt(k));
            }

            @Override
            public List<Args> enumerate(Counters s) {
                List<Args> out = new java.util.ArrayList<>();
                for (int p = 0; p < k; p++) out.add(Args.of("p", p));
                return out;
            }

            @Override
            public Outcome apply(Counters s, Args a, int stepId) {
                int p = a.getInt("p");
                if (s.c[p] == m - 1) throw new IllegalStateException("boom at c[" + p + "] = " + s.c[p]);
                return Outcome.rejected("no boom");
            }
        }
    }
}
