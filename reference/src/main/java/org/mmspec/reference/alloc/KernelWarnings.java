package org.mmspec.reference.alloc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Every VM_BUG_ON / VM_WARN_ON / WARN_ON_ONCE the reference reaches, with the message the kernel
 * would print. The kernel built with CONFIG_DEBUG_VM stops or taints at these; the model records
 * them so an invariant can report the first one with its pfn.
 */
public final class KernelWarnings {
    private static final int KEEP = 16;
    private long count;
    private final List<String> first = new ArrayList<>();

    public void warn(String where, String message) {
        count++;
        if (first.size() < KEEP) first.add(where + ": " + message);
    }

    public long count() {
        return count;
    }

    public List<String> messages() {
        return Collections.unmodifiableList(first);
    }

    public void copyFrom(KernelWarnings o) {
        count = o.count;
        first.clear();
        first.addAll(o.first);
    }

    public void clear() {
        count = 0;
        first.clear();
    }
}
