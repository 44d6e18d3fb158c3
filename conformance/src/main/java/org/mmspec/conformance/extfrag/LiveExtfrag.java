package org.mmspec.conformance.extfrag;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.mmspec.conformance.Files2;
import org.mmspec.conformance.Mounts;

/**
 * A consistent snapshot of /proc/buddyinfo and debugfs extfrag/{unusable_index,extfrag_index}.
 * Each file prints a zone's line under that zone's lock, but the three files are read at three
 * moments. One round reads buddyinfo, the two index files, and buddyinfo again; a zone whose two
 * buddyinfo lines are equal kept its free lists across the round, so its three lines belong
 * together. Rounds repeat until every zone has had such a round (bounded). Mounts debugfs at
 * /sys/kernel/debug when it is not mounted (root only) and unmounts it again, also on failure.
 */
public final class LiveExtfrag {
    private LiveExtfrag() {}

    public static final Path BUDDYINFO = Path.of("/proc/buddyinfo");
    public static final Path DEBUGFS = Path.of("/sys/kernel/debug");

    /** The three files as text (zones taken from their stable rounds), and how the snapshot went. */
    public record Snapshot(String buddyinfo, String unusable, String extfrag, int rounds, List<String> unstableZones,
                           boolean mountedDebugfs) {
        public boolean consistent() {
            return unstableZones.isEmpty();
        }
    }

    public static Snapshot read(int maxRounds) {
        try (Mounts.Mounted m = Mounts.ensure("debugfs", DEBUGFS)) {
            Path dir = DEBUGFS.resolve("extfrag");
            if (!Files.isDirectory(dir)) {
                throw new IllegalStateException(dir + " does not exist: the kernel lacks CONFIG_DEBUG_FS or CONFIG_COMPACTION");
            }
            return read(BUDDYINFO, dir.resolve(ExtfragCheck.UNUSABLE), dir.resolve(ExtfragCheck.EXTFRAG), maxRounds,
                    m.mountedHere());
        }
    }

    static Snapshot read(Path buddy, Path unusable, Path extfrag, int maxRounds, boolean mounted) {
        Map<String, String[]> stable = new LinkedHashMap<>(); // key -> {buddy line, unusable line, extfrag line}
        List<String> zones = null;
        int round = 0;
        while (round < maxRounds) {
            round++;
            String b1 = Files2.read(buddy);
            String u = Files2.read(unusable);
            String e = Files2.read(extfrag);
            String b2 = Files2.read(buddy);
            Map<String, String> l1 = byZone(b1), l2 = byZone(b2), lu = byZone(u), le = byZone(e);
            if (zones == null) zones = new ArrayList<>(l1.keySet());
            for (String z : l1.keySet()) {
                if (stable.containsKey(z)) continue;
                if (l1.get(z).equals(l2.get(z))) {
                    stable.put(z, new String[] {l1.get(z), lu.getOrDefault(z, ""), le.getOrDefault(z, "")});
                }
            }
            if (stable.keySet().containsAll(l1.keySet()) && stable.keySet().containsAll(zones)) break;
        }
        List<String> unstable = new ArrayList<>();
        StringBuilder sb = new StringBuilder(), su = new StringBuilder(), se = new StringBuilder();
        for (String z : zones) {
            String[] v = stable.get(z);
            if (v == null) {
                unstable.add(z);
                // keep the latest round's lines so the table still shows them
                v = new String[] {byZone(Files2.read(buddy)).getOrDefault(z, ""), byZone(Files2.read(unusable)).getOrDefault(z, ""),
                    byZone(Files2.read(extfrag)).getOrDefault(z, "")};
            }
            append(sb, v[0]);
            append(su, v[1]);
            append(se, v[2]);
        }
        return new Snapshot(sb.toString(), su.toString(), se.toString(), round, unstable, mounted);
    }

    private static void append(StringBuilder sb, String line) {
        if (!line.isEmpty()) sb.append(line).append('\n');
    }

    /** Lines keyed by their "Node N, zone NAME" prefix (whitespace normalised). */
    static Map<String, String> byZone(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String l : text.split("\n")) {
            String t = l.trim();
            if (t.isEmpty()) continue;
            String[] f = t.split("\\s+");
            String key = f.length >= 4 ? f[0] + " " + f[1] + " " + f[2] + " " + f[3] : t;
            out.put(key, l);
        }
        return out;
    }
}
