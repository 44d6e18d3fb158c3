package org.mmspec.invariants.engine;

/**
 * One operation of a run: a stable id (allocation handles refer to the id of the step that made
 * them), the operation's name and its arguments.
 */
public record Step(int id, String op, Args args) {
    @Override
    public String toString() {
        return op + "(" + args + ")";
    }
}
