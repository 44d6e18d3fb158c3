package org.mmspec.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.mmspec.conformance.trace.TraceChecker;
import org.mmspec.conformance.trace.TraceRepeater;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Events per second of the trace oracle ({@code mmspec trace check}): parsing the ftrace text and
 * checking every event against the TRACE-* invariants, from an in-memory trace of exactly
 * {@link #EVENTS} events made by {@link TraceRepeater} from the six real traces committed under
 * conformance/src/test/resources/traces (page cache, anonymous memory, page-table fallbacks,
 * compaction, THP, KSM), in that mix. Run from the repository root (or set -Dmmspec.traces=DIR).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class TraceCheckBench {
    public static final int EVENTS = 1_000_000;
    static final String[] BASES = {"anon.txt.gz", "pgtable-extfrag.txt.gz", "compaction.txt.gz", "pagecache.txt.gz",
        "thp.txt.gz", "ksm.txt.gz"};

    private byte[] trace;

    @Setup
    public void setup() throws IOException {
        Path dir = Path.of(System.getProperty("mmspec.traces", "conformance/src/test/resources/traces"));
        List<byte[]> bases = new ArrayList<>();
        for (String b : BASES) {
            try (InputStream in = TraceChecker.open(Files.newInputStream(dir.resolve(b)))) {
                bases.add(in.readAllBytes());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(EVENTS * 160);
        TraceRepeater r = new TraceRepeater(bases);
        r.write(out, 0, EVENTS);
        trace = out.toByteArray();
        TraceChecker.Report rep = new TraceChecker().check(new ByteArrayInputStream(trace), "bench");
        if (rep.events != EVENTS || rep.violationCount != 0 || rep.malformedCount != 0) {
            throw new IllegalStateException("bench trace: " + rep.events + " events, " + rep.violationCount
                    + " violations, " + rep.malformedCount + " malformed");
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long check() {
        TraceChecker.Report rep = new TraceChecker().check(new ByteArrayInputStream(trace), "bench");
        if (rep.violationCount != 0) throw new IllegalStateException("violation in the bench trace");
        return rep.events;
    }
}
