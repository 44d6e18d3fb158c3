package org.mmspec.reference.alloc;

/**
 * An operation the reference refuses (a double free, a wrong order, a pfn outside the zone, a
 * gfp mask the kernel would BUG on). The message says what is wrong in the kernel's words and
 * names the pfn or field; the state is exactly as it was before the call.
 */
public class RejectedOperationException extends RuntimeException {
    public RejectedOperationException(String message) {
        super(message);
    }
}
