package org.mmspec.invariants.oracle;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Rng;
import org.mmspec.invariants.engine.Situations;
import org.mmspec.invariants.engine.Subsystem;
import org.mmspec.invariants.oracle.PageAllocatorUnderTest.Claims;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * Any page allocator, checked against the spec through {@link PageAllocatorUnderTest}: the
 * reference itself, a Java class, or a separate program speaking {@code mmspec-oracle/1} over its
 * stdin and stdout. The explorers, the shrinker, replay and the diagrams work on it as on the
 * reference.
 *
 * <p>Which implementation a subsystem drives is given by its {@link #parameters()}, which
 * {@link #annotate} writes into a counterexample's {@code engine} map and
 * {@link #fromParameters} reads back, so {@code mmspec replay} rebuilds the same implementation
 * from the file: {@code oracle.implementation} is {@code reference}, {@code java} (with
 * {@code oracle.class}) or {@code exec} (with {@code oracle.command} and {@code oracle.timeoutMs}).
 *
 * <p>Instances are pooled, per thread: on each thread at most {@link #maxLive} states hold a
 * live instance (one by default, so one child process per thread that steps states; the bounded
 * explorer's workers each get their own). A state whose instance is taken for another becomes
 * detached and is rebuilt by replaying its requests when it is stepped again; an instance that
 * supports {@code reset} is reused rather than restarted. {@link #close()} closes every instance
 * of every thread (kills every process); call it when done.
 */
public final class OracleSubsystem implements Subsystem<OracleState>, Situations<OracleState>, AutoCloseable {
    public static final String NAME = "oracle";
    public static final String KEY_IMPLEMENTATION = "oracle.implementation";
    public static final String KEY_CLASS = "oracle.class";
    public static final String KEY_COMMAND = "oracle.command";
    public static final String KEY_TIMEOUT = "oracle.timeoutMs";
    public static final String KEY_NAME = "oracle.name";
    public static final String KEY_CLAIMS = "oracle.claims";
    public static final long DEFAULT_TIMEOUT_MS = 2000;

    /** The Java implementations shipped with mmspec, by the short name {@code --java} accepts. */
    public static final Map<String, String> JAVA_EXAMPLES = Map.of(
            "reference", ReferenceAllocator.class.getName(),
            "top-down-buddy", "org.mmspec.invariants.oracle.examples.TopDownBuddy",
            "buggy-buddy", "org.mmspec.invariants.oracle.examples.BuggyBuddy");

    private final String implementation;
    private final Supplier<PageAllocatorUnderTest> factory;
    private final Map<String, Object> parameters;
    private final List<Operation<OracleState>> ops = OracleOps.all();
    private final List<Invariant<OracleState>> invariants = OracleInvariants.all();

    private volatile Claims claims;
    /** Whether the implementation offers a digest, from the first instance; null until known. */
    private volatile Boolean digestOffered;
    private volatile int maxLive = 1;
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private final AtomicLong rebuilds = new AtomicLong();

    /** One thread's instances: the states holding one, least recently used first, and an idle reset one. */
    private static final class Pool {
        final ArrayDeque<OracleState> live = new ArrayDeque<>();
        PageAllocatorUnderTest spare;
    }

    private final List<Pool> pools = new ArrayList<>();
    private final ThreadLocal<Pool> pool = ThreadLocal.withInitial(() -> {
        Pool p = new Pool();
        synchronized (pools) {
            pools.add(p);
        }
        return p;
    });

    /**
     * A subsystem over instances made by {@code factory}. {@code implementation} names it in
     * reports; {@code parameters} are what {@link #fromParameters} needs to make it again.
     */
    public OracleSubsystem(String implementation, Supplier<PageAllocatorUnderTest> factory, Map<String, Object> parameters) {
        this.implementation = implementation;
        this.factory = factory;
        this.parameters = Map.copyOf(parameters);
    }

    /** The reference allocator through the SPI: every invariant holds. */
    public static OracleSubsystem reference() {
        return new OracleSubsystem("reference", ReferenceAllocator::new, Map.of(KEY_IMPLEMENTATION, "reference"));
    }

    /**
     * A Java implementation: a short name of {@link #JAVA_EXAMPLES} or a class name with a public
     * no-argument constructor. Throws IllegalArgumentException naming what is wrong.
     */
    public static OracleSubsystem java(String nameOrClass) {
        String cn = JAVA_EXAMPLES.getOrDefault(nameOrClass, nameOrClass);
        if (cn.equals(ReferenceAllocator.class.getName())) return reference();
        Class<?> c;
        try {
            c = Class.forName(cn);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("no class '" + cn + "' on the class path (the examples are "
                    + String.join(", ", new java.util.TreeSet<>(JAVA_EXAMPLES.keySet())) + ")");
        }
        if (!PageAllocatorUnderTest.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException("class " + cn + " does not implement " + PageAllocatorUnderTest.class.getName());
        }
        java.lang.reflect.Constructor<?> ctor;
        try {
            ctor = c.getConstructor();
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("class " + cn + " has no public no-argument constructor");
        }
        Supplier<PageAllocatorUnderTest> f = () -> {
            try {
                return (PageAllocatorUnderTest) ctor.newInstance();
            } catch (ReflectiveOperationException e) {
                Throwable t = e.getCause() != null ? e.getCause() : e;
                throw new ImplementationFailure("new " + cn + "() threw " + t);
            }
        };
        return new OracleSubsystem(cn, f, Map.of(KEY_IMPLEMENTATION, "java", KEY_CLASS, cn));
    }

    /** A separate program speaking mmspec-oracle/1, started with {@code command} (split as {@link ProcessAllocator#split} says). */
    public static OracleSubsystem exec(String command, long timeoutMs) {
        List<String> argv = ProcessAllocator.split(command);
        if (timeoutMs < 1) throw new IllegalArgumentException("the timeout must be at least 1 ms, got " + timeoutMs);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(KEY_IMPLEMENTATION, "exec");
        p.put(KEY_COMMAND, command);
        p.put(KEY_TIMEOUT, timeoutMs);
        return new OracleSubsystem(command, () -> new ProcessAllocator(argv, timeoutMs), p);
    }

    /**
     * The subsystem a counterexample's engine map describes (see the class comment); the reference
     * when it names none. Throws IllegalArgumentException naming a missing or bad field.
     */
    public static OracleSubsystem fromParameters(Map<String, Object> p) {
        Object impl = p == null ? null : p.get(KEY_IMPLEMENTATION);
        if (impl == null || "reference".equals(impl)) return reference();
        if ("java".equals(impl)) {
            Object cn = p.get(KEY_CLASS);
            if (!(cn instanceof String s)) throw new IllegalArgumentException("field 'engine." + KEY_CLASS + "' is missing or not a string");
            return java(s);
        }
        if ("exec".equals(impl)) {
            Object cmd = p.get(KEY_COMMAND);
            if (!(cmd instanceof String s) || s.isBlank()) {
                throw new IllegalArgumentException("field 'engine." + KEY_COMMAND + "' is missing or not a command");
            }
            Object t = p.getOrDefault(KEY_TIMEOUT, DEFAULT_TIMEOUT_MS);
            if (!(t instanceof Long ms)) throw new IllegalArgumentException("field 'engine." + KEY_TIMEOUT + "' is not an integer");
            return exec(s, ms);
        }
        throw new IllegalArgumentException("field 'engine." + KEY_IMPLEMENTATION + "' is \"" + impl
                + "\", not one of reference, java, exec");
    }

    /** What {@link #fromParameters} needs to make this subsystem again. */
    public Map<String, Object> parameters() {
        return parameters;
    }

    /** The counterexample with this subsystem's parameters (and the implementation's name and claims) in its engine map. */
    public Counterexample annotate(Counterexample ce) {
        Map<String, Object> engine = new LinkedHashMap<>(ce.engine());
        engine.putAll(new java.util.TreeMap<>(parameters));
        if (claims != null) {
            engine.put(KEY_NAME, claims.name());
            engine.put(KEY_CLAIMS, claims.describe());
        }
        return new Counterexample(ce.subsystem(), ce.config(), ce.seed(), ce.tryIndex(), ce.trySeed(), ce.steps(), ce.outcomes(),
                ce.violationStep(), ce.violation(), ce.allViolations(), ce.statement(), ce.citation(), engine);
    }

    /** How reports name the implementation: the short name, class or command. */
    public String implementation() {
        return implementation;
    }

    /** Whether the implementation offers a digest of its state (known once an instance has been configured). */
    public boolean digestOffered() {
        return Boolean.TRUE.equals(digestOffered);
    }

    /** The claims of the implementation, once an instance has answered; else null. */
    public Claims claims() {
        return claims;
    }

    /**
     * Starts one instance, reads its claims and tries the configuration, then closes it: the
     * claims, or an {@link ImplementationFailure} saying why the implementation cannot be checked
     * (it does not start, its handshake is wrong, it refuses the configuration).
     */
    public Claims probe(MachineConfig config) {
        OracleConfigs.Geometry g = OracleConfigs.geometry(config);
        try (PageAllocatorUnderTest i = newInstance()) {
            Claims c = i.claims();
            noteClaims(c);
            i.configure(g.pages(), g.maxOrder());
            return c;
        }
    }

    /** How many states may hold a live instance at once (at least 1). */
    public OracleSubsystem maxLive(int n) {
        if (n < 1) throw new IllegalArgumentException("maxLive must be at least 1");
        this.maxLive = n;
        return this;
    }

    /** Instances started, instances reused by reset, and detached states rebuilt by replay, so far. */
    public long[] instanceCounts() {
        return new long[] {started.get(), resets.get(), rebuilds.get()};
    }

    // ------------------------------------------------------------------ Subsystem

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "any page allocator through the oracle SPI (" + implementation + "): alignment, range, overlap, exact "
                + "frees, no spurious failure, and with a snapshot conservation and maximal merging";
    }

    @Override
    public Map<String, MachineConfig> configs() {
        return OracleConfigs.all();
    }

    @Override
    public OracleState init(MachineConfig config) {
        OracleConfigs.Geometry g = OracleConfigs.geometry(config);
        OracleState s = new OracleState(this, g.pages(), g.maxOrder());
        s.claims = claims;
        // boot: an instance configured with nothing allocated, and its first snapshot
        if (s.ask("configure(pages=" + g.pages() + ", max_order=" + g.maxOrder() + ")", impl -> Boolean.TRUE) != null) {
            s.claims = claims;
            s.takeSnapshot();
        }
        return s;
    }

    @Override
    public void beginTry(OracleState state, Rng rng) {
        // a third of the tries fill memory (frees are rare), so failures and full-memory frees are exercised;
        // the others churn at a drawn rate
        state.freeSkip = rng.chance(1 / 3.0) ? 0.85 : 0.45 * rng.nextDouble();
    }

    @Override
    public List<Operation<OracleState>> operations() {
        return ops;
    }

    @Override
    public List<Invariant<OracleState>> invariants() {
        return invariants;
    }

    @Override
    public Map<String, Long> situations(OracleState s) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int o = 0; o < s.allocsByOrder.length; o++) m.put("alloc order " + o, s.allocsByOrder[o]);
        m.put("failed allocs (no block large enough)", s.failures);
        m.put("bad frees refused", s.badFreesRefused);
        return m;
    }

    // ------------------------------------------------------------------ the pool

    private PageAllocatorUnderTest newInstance() {
        started.incrementAndGet();
        PageAllocatorUnderTest i = factory.get();
        if (i == null) throw new ImplementationFailure("the factory of " + implementation + " returned null");
        return i;
    }

    /**
     * A live instance for {@code s}, configured for its geometry: a reset spare, or a new one;
     * detaches the least recently used state when {@link #maxLive} states hold instances.
     */
    PageAllocatorUnderTest acquire(OracleState s) {
        Pool p = pool.get();
        synchronized (p) {
            return acquire(p, s);
        }
    }

    private PageAllocatorUnderTest acquire(Pool p, OracleState s) {
        p.live.remove(s);
        while (p.live.size() >= maxLive) {
            OracleState victim = p.live.pollFirst();
            recycle(p, victim.detach());
        }
        PageAllocatorUnderTest i;
        if (p.spare != null) {
            i = p.spare;
            p.spare = null;
            resets.incrementAndGet();
        } else {
            i = newInstance();
        }
        if (!s.history.isEmpty()) rebuilds.incrementAndGet();
        try {
            Claims c = i.claims();
            Claims first = noteClaims(c);
            if (!first.equals(c)) {
                throw new ImplementationFailure("the implementation claimed " + describe(first) + " first and " + describe(c)
                        + " now; claims must not change between instances");
            }
            i.configure(s.pages, s.maxOrder);
            if (digestOffered == null) digestOffered = i.digest() != null;
        } catch (RuntimeException e) {
            i.close();
            throw e;
        }
        p.live.addLast(s);
        return i;
    }

    /** Records the claims of the first instance that answered; returns them. */
    private synchronized Claims noteClaims(Claims c) {
        if (claims == null) claims = c;
        return claims;
    }

    private static String describe(Claims c) {
        return "\"" + c.name() + "\" (" + c.describe() + ")";
    }

    /** Takes back an instance: keeps it as the spare if it can reset, else closes it. */
    private static void recycle(Pool p, PageAllocatorUnderTest i) {
        if (i == null) return;
        if (p.spare == null) {
            try {
                if (i.reset()) {
                    p.spare = i;
                    return;
                }
            } catch (RuntimeException e) {
                // a failed reset: start afresh next time
            }
        }
        i.close();
    }

    /** A state whose instance failed: close the instance, never reuse it. */
    void release(OracleState s) {
        Pool p = pool.get();
        synchronized (p) {
            p.live.remove(s);
        }
        PageAllocatorUnderTest i = s.detach();
        if (i != null) i.close();
    }

    /** Closes every instance (kills every process this subsystem started). */
    @Override
    public void close() {
        List<Pool> all;
        synchronized (pools) {
            all = new ArrayList<>(pools);
        }
        for (Pool p : all) {
            synchronized (p) {
                while (!p.live.isEmpty()) {
                    PageAllocatorUnderTest i = p.live.pollFirst().detach();
                    if (i != null) i.close();
                }
                if (p.spare != null) {
                    p.spare.close();
                    p.spare = null;
                }
            }
        }
    }
}
