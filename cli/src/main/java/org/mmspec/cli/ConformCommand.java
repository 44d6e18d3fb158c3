package org.mmspec.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.mmspec.conformance.Comparison;
import org.mmspec.conformance.Files2;
import org.mmspec.conformance.MalformedInputException;
import org.mmspec.conformance.extfrag.ExtfragCheck;
import org.mmspec.conformance.extfrag.LiveExtfrag;
import org.mmspec.conformance.extfrag.ZoneLines;
import org.mmspec.conformance.zoneinfo.LiveZoneinfo;
import org.mmspec.conformance.zoneinfo.WatermarkCheck;
import org.mmspec.conformance.zoneinfo.Zoneinfo;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mmspec conform}: the reference's numbers against the live kernel's (or saved copies). */
@Command(name = "conform", mixinStandardHelpOptions = true,
        description = "Compare the reference with what the running kernel (or a saved copy of its files) prints.",
        subcommands = {ConformCommand.ZoneinfoCommand.class, ConformCommand.ExtfragCommand.class, ConformKsmCommand.class})
public final class ConformCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Runs a comparison, turning bad input into exit 2 with the file and line. */
    static int report(Callable<Comparison> body, boolean onlyDisagreements) {
        PrintStream out = System.out;
        Comparison c;
        try {
            c = body.call();
        } catch (MalformedInputException | IllegalStateException e) {
            System.err.println("mmspec: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage());
        } catch (Exception e) {
            System.err.println("mmspec: " + e);
            return 2;
        }
        c.print(out, onlyDisagreements);
        return c.allAgree() ? 0 : 1;
    }

    @Command(name = "zoneinfo", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Compare every zone's min, low, high and promo watermarks and its protection array "
                    + "(lowmem_reserve) in /proc/zoneinfo with the reference's, computed from the printed zone geometry "
                    + "(start_pfn, spanned, present, managed) and /proc/sys/vm (min_free_kbytes, "
                    + "watermark_scale_factor, lowmem_reserve_ratio).",
                "Exit 0 when every value agrees, 1 otherwise, 2 on bad input."})
    static final class ZoneinfoCommand implements Callable<Integer> {
        @Option(names = "--zoneinfo", paramLabel = "FILE", description = "A saved /proc/zoneinfo (default: the live one).")
        Path zoneinfo;

        @Option(names = "--min-free-kbytes", paramLabel = "N", description = "vm.min_free_kbytes of the saved file's machine.")
        Long minFreeKbytes;

        @Option(names = "--watermark-scale-factor", paramLabel = "N",
                description = "vm.watermark_scale_factor of the saved file's machine (default 10).")
        Integer watermarkScaleFactor;

        @Option(names = "--lowmem-reserve-ratio", paramLabel = "\"A B C D E\"",
                description = "vm.lowmem_reserve_ratio of the saved file's machine (default \"256 256 32 0 0\").")
        String lowmemReserveRatio;

        @Option(names = "--disagreements-only", description = "Print only the rows that disagree.")
        boolean onlyDisagreements;

        @Option(names = "--boot-limit", paramLabel = "PAGES", defaultValue = "" + WatermarkCheck.DEFAULT_BOOT_LIMIT,
                description = "Boot a Machine for a single node of at most this many pages of span, else use the "
                        + "pure formulas; default ${DEFAULT-VALUE}.")
        long bootLimit;

        @Override
        public Integer call() {
            return report(() -> {
                Zoneinfo zi;
                WatermarkCheck.Sysctls sys;
                if (zoneinfo == null) {
                    if (minFreeKbytes != null || watermarkScaleFactor != null || lowmemReserveRatio != null) {
                        throw new IllegalArgumentException("--min-free-kbytes, --watermark-scale-factor and "
                                + "--lowmem-reserve-ratio go with --zoneinfo FILE; the live check reads /proc/sys/vm");
                    }
                    LiveZoneinfo.Snapshot s = LiveZoneinfo.read(Path.of("/proc"), 20);
                    zi = s.zoneinfo();
                    sys = s.sysctls();
                    System.out.println("Live: " + LiveZoneinfo.ZONEINFO + " and /proc/sys/vm, " + s.reads() + " reads"
                            + (s.consistent() ? " (the last two agree)" : " (NOT consistent: the zones kept changing)"));
                } else {
                    if (minFreeKbytes == null) {
                        throw new IllegalArgumentException("--zoneinfo FILE needs --min-free-kbytes N (the file does not say it)");
                    }
                    zi = Zoneinfo.parse(Files2.read(zoneinfo), zoneinfo.toString());
                    sys = new WatermarkCheck.Sysctls(minFreeKbytes, watermarkScaleFactor == null ? 10 : watermarkScaleFactor,
                            WatermarkCheck.Sysctls.parseRatio(lowmemReserveRatio == null ? "256 256 32 0 0" : lowmemReserveRatio));
                    System.out.println("Saved: " + zoneinfo);
                }
                return WatermarkCheck.compare(zi, sys, bootLimit);
            }, onlyDisagreements);
        }
    }

    @Command(name = "extfrag", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Compare debugfs extfrag/unusable_index and extfrag/extfrag_index with the reference's "
                    + "unusable_free_index and __fragmentation_index (mm/vmstat.c) over /proc/buddyinfo, to three "
                    + "decimals as the kernel prints them. Live, it mounts debugfs if needed (root) and unmounts what it "
                    + "mounted, and retries until buddyinfo is unchanged across the reads.",
                "Exit 0 when every value agrees, 1 otherwise, 2 on bad input."})
    static final class ExtfragCommand implements Callable<Integer> {
        @Option(names = "--buddyinfo", paramLabel = "FILE", description = "A saved /proc/buddyinfo.")
        Path buddyinfo;

        @Option(names = "--unusable-index", paramLabel = "FILE", description = "A saved debugfs extfrag/unusable_index.")
        Path unusable;

        @Option(names = "--extfrag-index", paramLabel = "FILE", description = "A saved debugfs extfrag/extfrag_index.")
        Path extfrag;

        @Option(names = "--rounds", paramLabel = "N", defaultValue = "50",
                description = "Live: at most this many read rounds for a consistent snapshot; default ${DEFAULT-VALUE}.")
        int rounds;

        @Option(names = "--disagreements-only", description = "Print only the rows that disagree.")
        boolean onlyDisagreements;

        @Override
        public Integer call() {
            return report(() -> {
                boolean saved = buddyinfo != null || unusable != null || extfrag != null;
                String b, u, e, bf, uf, ef;
                LiveExtfrag.Snapshot s = null;
                if (saved) {
                    if (buddyinfo == null || unusable == null || extfrag == null) {
                        throw new IllegalArgumentException("saved files need all three: --buddyinfo, --unusable-index, --extfrag-index");
                    }
                    b = Files2.read(buddyinfo);
                    u = Files2.read(unusable);
                    e = Files2.read(extfrag);
                    bf = buddyinfo.toString();
                    uf = unusable.toString();
                    ef = extfrag.toString();
                    System.out.println("Saved: " + bf + ", " + uf + ", " + ef);
                } else {
                    if (rounds < 1) throw new IllegalArgumentException("--rounds must be at least 1, got " + rounds);
                    s = LiveExtfrag.read(rounds);
                    b = s.buddyinfo();
                    u = s.unusable();
                    e = s.extfrag();
                    bf = LiveExtfrag.BUDDYINFO.toString();
                    uf = LiveExtfrag.DEBUGFS + "/extfrag/" + ExtfragCheck.UNUSABLE;
                    ef = LiveExtfrag.DEBUGFS + "/extfrag/" + ExtfragCheck.EXTFRAG;
                    System.out.println("Live: " + bf + ", " + uf + ", " + ef + "; " + s.rounds() + " read round(s)"
                            + (s.mountedDebugfs() ? "; mounted debugfs and unmounted it again" : ""));
                }
                Comparison c = ExtfragCheck.compare(ZoneLines.parse(b, bf), bf, ZoneLines.parse(u, uf), uf,
                        ZoneLines.parse(e, ef), ef);
                if (s != null && !s.consistent()) {
                    c.note("NOT a consistent snapshot: buddyinfo changed in every round for " + s.unstableZones()
                            + "; their rows compare lines read at different moments.");
                    c.add("snapshot", "consistent", "no", "yes");
                }
                return c;
            }, onlyDisagreements);
        }
    }
}
