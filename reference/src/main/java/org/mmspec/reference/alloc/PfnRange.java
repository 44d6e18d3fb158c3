package org.mmspec.reference.alloc;

/** A half-open pfn range [start, end), printed in hex as the kernel prints pfns. */
public record PfnRange(long start, long end) {
    public long size() {
        return end - start;
    }

    public boolean contains(long pfn) {
        return pfn >= start && pfn < end;
    }

    public boolean overlaps(PfnRange o) {
        return start < o.end && o.start < end;
    }

    @Override
    public String toString() {
        return "[0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end) + ")";
    }

    /** Parses {@code 0x100-0x200} or {@code 256-512} (end exclusive). */
    public static PfnRange parse(String s) {
        String[] p = s.trim().split("-");
        if (p.length != 2) throw new IllegalArgumentException("pfn range '" + s + "' is not START-END");
        return new PfnRange(parsePfn(p[0]), parsePfn(p[1]));
    }

    public static long parsePfn(String s) {
        String t = s.trim();
        try {
            if (t.startsWith("0x") || t.startsWith("0X")) return Long.parseLong(t.substring(2), 16);
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not a pfn (decimal or 0x-hex)");
        }
    }
}
