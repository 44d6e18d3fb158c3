package org.mmspec.invariants.oracle;

/**
 * The implementation under test did not answer a request as the protocol requires: the program
 * crashed, hung past the timeout, answered garbage, or refused a configuration. The message says
 * which request and what happened (exit status, stderr tail, the offending line); the oracle
 * reports it as a violation of {@code ORACLE-PROTOCOL} at the step that sent the request.
 */
public final class ImplementationFailure extends RuntimeException {
    /** Where it failed: the program could not be started, it refused the configuration, or it answered wrongly. */
    public enum Kind { START, CONFIGURE, ANSWER }

    private final Kind kind;

    public ImplementationFailure(String message) {
        this(Kind.ANSWER, message);
    }

    public ImplementationFailure(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
