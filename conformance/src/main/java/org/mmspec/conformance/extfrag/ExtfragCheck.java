package org.mmspec.conformance.extfrag;

import org.mmspec.conformance.Comparison;
import org.mmspec.conformance.MalformedInputException;
import org.mmspec.reference.alloc.Vmstat;

/**
 * Compares debugfs extfrag/unusable_index and extfrag/extfrag_index with what the reference's
 * {@link Vmstat} computes from the same zones' /proc/buddyinfo: one row per zone, file and order,
 * as the kernel prints the index ("%d.%03d", three decimals).
 */
public final class ExtfragCheck {
    private ExtfragCheck() {}

    public static final String UNUSABLE = "unusable_index";
    public static final String EXTFRAG = "extfrag_index";

    public static Comparison compare(ZoneLines buddyinfo, String buddyFile, ZoneLines unusable, String unusableFile,
                                     ZoneLines extfrag, String extfragFile) {
        Comparison c = new Comparison();
        for (ZoneLines.Line b : buddyinfo.lines()) {
            long[] nrFree = ZoneLines.nrFree(b, buddyFile);
            compareLine(c, b, nrFree, unusable.find(b.node(), b.zone()), unusableFile, UNUSABLE);
            compareLine(c, b, nrFree, extfrag.find(b.node(), b.zone()), extfragFile, EXTFRAG);
        }
        for (ZoneLines z : new ZoneLines[] {unusable, extfrag}) {
            for (ZoneLines.Line l : z.lines()) {
                if (buddyinfo.find(l.node(), l.zone()) == null) {
                    c.add(l.key(), z == unusable ? UNUSABLE : EXTFRAG, "printed", "zone not in buddyinfo");
                }
            }
        }
        return c;
    }

    private static void compareLine(Comparison c, ZoneLines.Line b, long[] nrFree, ZoneLines.Line k, String file,
                                    String what) {
        if (k == null) {
            c.add(b.key(), what, "zone not printed", "zone in buddyinfo");
            return;
        }
        if (k.values().size() != nrFree.length) {
            throw new MalformedInputException(file, k.lineNo(), k.values().size() + " values, but buddyinfo has "
                    + nrFree.length + " orders for " + b.key());
        }
        for (int order = 0; order < nrFree.length; order++) {
            String printed = k.values().get(order);
            ZoneLines.index(printed, file, k.lineNo(), order); // rejects what is not %d.%03d
            int ref = what.equals(UNUSABLE) ? Vmstat.unusable_free_index(nrFree, order)
                    : Vmstat.fragmentation_index(nrFree, order);
            c.add(b.key(), what + "[" + order + "]", printed, Vmstat.formatIndex(ref));
        }
    }
}
