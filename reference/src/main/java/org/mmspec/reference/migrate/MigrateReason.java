package org.mmspec.reference.migrate;

/**
 * {@code enum migrate_reason} (include/linux/migrate_mode.h, v6.18), the reasons the model's
 * callers migrate for. migrate_folio_done() and the vm events depend on it only for
 * MR_MEMORY_FAILURE and MR_DEMOTION, which the model does not have.
 */
public enum MigrateReason {
    MR_COMPACTION,
    MR_MEMORY_FAILURE,
    MR_MEMORY_HOTPLUG,
    MR_SYSCALL,
    MR_MEMPOLICY_MBIND,
    MR_NUMA_MISPLACED,
    MR_CONTIG_RANGE,
    MR_LONGTERM_PIN,
    MR_DEMOTION,
    MR_DAMON
}
