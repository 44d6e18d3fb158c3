package org.mmspec.conformance;

/**
 * A file the conformance checks read is not what the kernel prints: names the file and the line
 * (1-based; 0 when the problem is the file as a whole) and what is wrong. The command line prints
 * the message and exits 2, never a stack trace.
 */
public final class MalformedInputException extends RuntimeException {
    private final String file;
    private final long line;

    public MalformedInputException(String file, long line, String message) {
        super(file + (line > 0 ? ":" + line : "") + ": " + message);
        this.file = file;
        this.line = line;
    }

    public String file() {
        return file;
    }

    public long line() {
        return line;
    }
}
