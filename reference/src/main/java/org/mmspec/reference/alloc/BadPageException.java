package org.mmspec.reference.alloc;

/**
 * A rejected operation, reported the way {@code bad_page()} reports it (mm/page_alloc.c, v6.18):
 * "BUG: Bad page state", the pfn in hex, a {@code dump_page()} of the page and the reason.
 * Whoever throws this has changed nothing yet.
 */
public final class BadPageException extends RejectedOperationException {
    private final long pfn;
    private final String reason;

    public BadPageException(long pfn, String reason, String dump) {
        super("BUG: Bad page state in process mmspec  pfn:" + String.format("%05x", pfn)
                + (dump == null ? "\npage dumped because: " + reason : "\n" + dump));
        this.pfn = pfn;
        this.reason = reason;
    }

    public long pfn() {
        return pfn;
    }

    public String reason() {
        return reason;
    }
}
