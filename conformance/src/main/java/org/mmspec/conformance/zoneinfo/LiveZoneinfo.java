package org.mmspec.conformance.zoneinfo;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.mmspec.conformance.Files2;
import org.mmspec.conformance.zoneinfo.Zoneinfo.ZoneEntry;

/**
 * Reads /proc/zoneinfo and /proc/sys/vm as one consistent snapshot. The kernel prints each zone
 * under its zone->lock but the file as a whole is not atomic, and managed pages change at run time
 * (memory hotplug, balloons, deferred struct page init that completes lazily), after which
 * setup_per_zone_wmarks() recomputes the watermarks. So read sysctls and zoneinfo twice in a row
 * until both reads agree on every compared field, a bounded number of times.
 */
public final class LiveZoneinfo {
    private LiveZoneinfo() {}

    public static final Path ZONEINFO = Path.of("/proc/zoneinfo");
    public static final Path VM = Path.of("/proc/sys/vm");

    public record Snapshot(Zoneinfo zoneinfo, WatermarkCheck.Sysctls sysctls, int reads, boolean consistent) {}

    public static Snapshot read(Path procRoot, int maxTries) {
        Path zoneinfo = procRoot.resolve("zoneinfo");
        Path vm = procRoot.resolve("sys/vm");
        Zoneinfo prevZ = null;
        WatermarkCheck.Sysctls prevS = null;
        for (int i = 1; i <= maxTries; i++) {
            WatermarkCheck.Sysctls s = sysctls(vm);
            Zoneinfo z = Zoneinfo.parse(Files2.read(zoneinfo), zoneinfo.toString());
            if (prevZ != null && s.equals(prevS) && sameComparedFields(prevZ, z)) return new Snapshot(z, s, i, true);
            prevZ = z;
            prevS = s;
        }
        return new Snapshot(prevZ, prevS, maxTries, false);
    }

    public static WatermarkCheck.Sysctls sysctls(Path vm) {
        long minFree = Files2.readLong(vm.resolve("min_free_kbytes"));
        long wsf = Files2.readLong(vm.resolve("watermark_scale_factor"));
        List<Integer> ratio = WatermarkCheck.Sysctls.parseRatio(Files2.read(vm.resolve("lowmem_reserve_ratio")));
        return new WatermarkCheck.Sysctls(minFree, (int) wsf, ratio);
    }

    static boolean sameComparedFields(Zoneinfo a, Zoneinfo b) {
        if (a.zones().size() != b.zones().size()) return false;
        for (int i = 0; i < a.zones().size(); i++) {
            ZoneEntry x = a.zones().get(i), y = b.zones().get(i);
            if (x.node() != y.node() || x.type() != y.type() || x.managed() != y.managed() || x.present() != y.present()
                    || x.spanned() != y.spanned() || x.startPfn() != y.startPfn()
                    || !Arrays.equals(x.watermarks(), y.watermarks()) || !Arrays.equals(x.protection(), y.protection())) {
                return false;
            }
        }
        return Objects.equals(a.nodes(), b.nodes());
    }
}
