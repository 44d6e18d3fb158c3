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

    /** Writes the count and the messages kept (each as its length and chars), as ints; see MemMap.saveState. */
    public void saveState(java.util.function.IntConsumer out) {
        Zone.putLong(out, count);
        out.accept(first.size());
        for (String m : first) {
            out.accept(m.length());
            for (int i = 0; i < m.length(); i++) out.accept(m.charAt(i));
        }
    }

    /** Reads what {@link #saveState} wrote. */
    public void restoreState(java.util.function.IntSupplier in) {
        count = Zone.getLong(in);
        first.clear();
        int n = in.getAsInt();
        for (int k = 0; k < n; k++) {
            char[] c = new char[in.getAsInt()];
            for (int i = 0; i < c.length; i++) c[i] = (char) in.getAsInt();
            first.add(new String(c));
        }
    }
}
