package org.mmspec.invariants.laws;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.alloc.Vmstat;

/** Laws of mm/vmstat.c's fragmentation indices (reference Vmstat), over random buddyinfo lines. */
class FragmentationIndexLawsTest {
    @Test
    void laws() {
        qt().withExamples(300).forAll(lists().of(longs().between(0, 1 << 20)).ofSize(11),
                integers().between(0, 10)).checkAssert((nrFree, order) -> {
                    long[] nf = new long[11];
                    for (int i = 0; i < 11; i++) nf[i] = nrFree.get(i);
                    int u = Vmstat.unusable_free_index(nf, order);
                    int f = Vmstat.fragmentation_index(nf, order);
                    int e = Vmstat.extfrag_for_order(nf, order);
                    Vmstat.ContigPageInfo info = Vmstat.fill_contig_page_info(nf, order);
                    if (u < 0 || u > 1000) throw new AssertionError("unusable " + u);
                    // extfrag_for_order is the same fraction in percent: floor(floor(1000 x) / 10) = floor(100 x)
                    if (info.freePages() > 0 && e != u / 10) throw new AssertionError("extfrag " + e + " unusable " + u);
                    if (info.freeBlocksSuitable() > 0 && f != -1000) throw new AssertionError("suitable but " + f);
                    if (info.freeBlocksSuitable() == 0 && info.freeBlocksTotal() > 0 && (f > 1000 || f < -1000)) {
                        throw new AssertionError("index " + f);
                    }
                });
    }
}
