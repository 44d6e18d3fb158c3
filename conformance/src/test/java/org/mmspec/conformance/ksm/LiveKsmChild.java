package org.mmspec.conformance.ksm;

/** A process for {@link LiveKsmTest}: runs a long scenario live until it is killed. */
public final class LiveKsmChild {
    static final long PAGES = 333;

    private LiveKsmChild() {}

    public static void main(String[] args) {
        KsmConformance.Scenario s = new KsmConformance.Scenario("child", "300:9 33:-1", 1000, 4, false, false, "killed midway");
        KsmConformance.compare(java.util.List.of(s), 100, 600_000, null);
    }
}
