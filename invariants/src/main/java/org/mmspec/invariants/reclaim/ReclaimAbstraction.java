package org.mmspec.invariants.reclaim;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.mmspec.reference.reclaim.Filemap;
import org.mmspec.reference.reclaim.Reclaim;
import org.mmspec.spec.reclaim.ReclaimSpec;

/**
 * The abstraction function from the reference's page cache to the spec's files: each page of
 * each file reads its page cache folio's content when cached, else its disk block (0 for a hole).
 * Processes' memory is abstracted by the reverse map's abstraction, which reads a swap entry as its
 * swap cache folio, else its slot.
 */
public final class ReclaimAbstraction {
    private ReclaimAbstraction() {}

    /** The files 1..files (and any other the page cache knows) as the spec sees them. */
    public static ReclaimSpec abstractFiles(Reclaim rc, int files) {
        Filemap fm = rc.filemap();
        TreeSet<Integer> inos = new TreeSet<>(fm.files());
        for (int f = 1; f <= files; f++) inos.add(f);
        Map<Integer, Map<Long, Long>> contents = new TreeMap<>();
        for (int ino : inos) {
            TreeSet<Long> idx = new TreeSet<>(fm.folios(ino).keySet());
            idx.addAll(fm.disk(ino).keySet());
            Map<Long, Long> m = new TreeMap<>();
            for (long i : idx) m.put(i, fm.peek(ino, i));
            contents.put(ino, m);
        }
        return ReclaimSpec.of(contents);
    }
}
