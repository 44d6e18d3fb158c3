package org.mmspec.invariants.ksm;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.mmspec.invariants.rmap.RmapAbstraction;
import org.mmspec.reference.ksm.Ksm;
import org.mmspec.reference.rmap.MmStruct;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.reference.rmap.VmAreaStruct;
import org.mmspec.spec.ksm.KsmSpec;
import org.mmspec.spec.rmap.RmapSpec;
import org.mmspec.spec.rmap.RmapSpec.Mapping;

/**
 * The abstraction from the reference to what {@link KsmSpec} reads: each mapping's value (the
 * reverse map's abstraction), its frame, which frames are KSM pages, which mappings are of the
 * zero page KSM placed (a dirty zero-page PTE, is_ksm_zero_pte()), which mapped pages are
 * VM_MERGEABLE, and the sysfs counters.
 */
public final class KsmAbstraction {
    private KsmAbstraction() {}

    public static KsmSpec.Observation observe(KsmState s) {
        Rmap r = s.rmap();
        Ksm ksm = s.ksm();
        RmapSpec abs = RmapAbstraction.abstractState(r);
        Map<Mapping, Long> values = new TreeMap<>();
        for (int pid : abs.pids()) {
            for (Map.Entry<Long, Long> e : abs.memory(pid).entrySet()) values.put(new Mapping(pid, e.getKey()), e.getValue());
        }
        Map<Mapping, Long> frames = RmapAbstraction.pageTables(r);
        Set<Long> ksmFrames = new TreeSet<>();
        for (long f : frames.values()) if (r.folioTestKsm(f)) ksmFrames.add(f);
        Set<Mapping> ksmZero = new TreeSet<>();
        Map<Integer, Set<Long>> mergeable = new TreeMap<>();
        for (MmStruct mm : r.tasks().values()) {
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                if (Pte.isKsmZeroPte(e.getValue())) ksmZero.add(new Mapping(mm.pid, e.getKey()));
            }
            Set<Long> m = new TreeSet<>();
            for (VmAreaStruct v : mm.vmas().values()) {
                if ((v.flags() & VmAreaStruct.VM_MERGEABLE) == 0) continue;
                for (long p = v.start(); p < v.end(); p++) m.add(p);
            }
            if (!m.isEmpty()) mergeable.put(mm.pid, m);
        }
        Map<String, Long> counters = ksm.counters();
        return new KsmSpec.Observation(values, frames, ksmFrames, ksmZero, mergeable, counters, ksm.scanSlot() != null);
    }
}
