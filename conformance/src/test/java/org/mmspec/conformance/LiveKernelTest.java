package org.mmspec.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.mmspec.conformance.extfrag.ExtfragCheck;
import org.mmspec.conformance.extfrag.LiveExtfrag;
import org.mmspec.conformance.extfrag.ZoneLines;
import org.mmspec.conformance.zoneinfo.LiveZoneinfo;
import org.mmspec.conformance.zoneinfo.WatermarkCheck;

/**
 * The running kernel against the reference, as `mmspec conform` does it. Skipped (with the reason)
 * where /proc/zoneinfo, root or debugfs are missing; leaves debugfs mounted exactly as it found it.
 */
class LiveKernelTest {
    @Test
    void liveWatermarksAgree() {
        assumeTrue(Files.isReadable(LiveZoneinfo.ZONEINFO), "no /proc/zoneinfo: not Linux, or /proc not mounted");
        assumeTrue(Files.isReadable(Path.of("/proc/sys/vm/min_free_kbytes")), "no /proc/sys/vm");
        Comparison c = null;
        // managed pages may change between the read and a recompute (hotplug, lazy struct page init): retry
        for (int i = 0; i < 3; i++) {
            LiveZoneinfo.Snapshot s = LiveZoneinfo.read(Path.of("/proc"), 20);
            c = WatermarkCheck.compare(s.zoneinfo(), s.sysctls());
            if (c.allAgree()) break;
        }
        Comparison last = c;
        assertTrue(last.allAgree(), () -> last.rows().stream().filter(r -> !r.agrees()).toList().toString());
    }

    @Test
    void liveFragmentationIndicesAgree() {
        assumeTrue(Files2.isRoot(), "reading (and mounting) debugfs needs root");
        assumeTrue(Files.isReadable(LiveExtfrag.BUDDYINFO), "no /proc/buddyinfo");
        assumeTrue(Files.isDirectory(LiveExtfrag.DEBUGFS), "no " + LiveExtfrag.DEBUGFS + " to mount debugfs on");
        boolean mountedBefore = Mounts.isMounted("debugfs", LiveExtfrag.DEBUGFS);
        LiveExtfrag.Snapshot s;
        try {
            s = LiveExtfrag.read(50);
        } catch (IllegalStateException e) {
            assumeTrue(false, "debugfs extfrag unavailable: " + e.getMessage());
            return;
        }
        assertEquals(mountedBefore, Mounts.isMounted("debugfs", LiveExtfrag.DEBUGFS), "debugfs left mounted differently");
        assertEquals(!mountedBefore, s.mountedDebugfs());
        assertTrue(s.consistent(), "no consistent snapshot in " + s.rounds() + " rounds for " + s.unstableZones());
        Comparison c = ExtfragCheck.compare(ZoneLines.parse(s.buddyinfo(), "buddyinfo"), "buddyinfo",
                ZoneLines.parse(s.unusable(), "unusable_index"), "unusable_index", ZoneLines.parse(s.extfrag(), "extfrag_index"),
                "extfrag_index");
        assertTrue(c.allAgree(), () -> c.rows().stream().filter(r -> !r.agrees()).toList().toString());
    }
}
