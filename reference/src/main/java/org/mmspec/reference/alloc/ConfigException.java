package org.mmspec.reference.alloc;

/** An invalid configuration: the message names the field and the allowed range. */
public final class ConfigException extends IllegalArgumentException {
    private final String field;

    public ConfigException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
