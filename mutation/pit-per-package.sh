#!/usr/bin/env bash
# PIT once per reference package, each in its own report directory, each bounded by a timeout,
# then one table over all of them (README.md, "Mutation testing").
#
#   mutation/pit-per-package.sh [package...]     default: every package of the reference
#   LIMIT=seconds per package (default 5400); MVN_FLAGS (default -B -o -Dstyle.color=never)
#   TESTS=globs: the tests that drive PIT, comma-separated (default: the pom's pit.targetTests, the
#   whole suite); TESTS='org.mmspec.reference.*Test' runs the reference's unit tests alone, a lower
#   bound on the whole suite's score at a fraction of its cost
#
# A package is a subpackage of org.mmspec.reference (alloc, rmap, ...) or "root" for the classes
# of org.mmspec.reference itself (Machine). Reports: mutation/target/pit-<package>/, logs:
# mutation/target/pit-<package>.log, the table: mutation/target/scores.md. Always through the
# reactor with -am, so the classes mutated are this tree's, never ~/.m2's.
set -u
cd "$(dirname "$0")/.."
limit=${LIMIT:-5400}
flags=${MVN_FLAGS:--B -o -Dstyle.color=never}
tests=()
[ -n "${TESTS:-}" ] && tests=("-Dpit.targetTests=$TESTS")
if [ $# -eq 0 ]; then
  set -- root $(cd reference/src/main/java/org/mmspec/reference && ls -d */ | tr -d /)
fi
mkdir -p mutation/target
for p in "$@"; do
  if [ "$p" = root ]; then target='org.mmspec.reference.Machine*'; else target="org.mmspec.reference.$p.*"; fi
  start=$(date +%s)
  # shellcheck disable=SC2086
  timeout "$limit" mvn $flags -Pmutation -pl mutation -am verify "-Dpit.targetClasses=$target" \
      "-Dpit.reports=$PWD/mutation/target/pit-$p" "${tests[@]}" > "mutation/target/pit-$p.log" 2>&1
  rc=$?
  echo "$p: exit $rc after $(( $(date +%s) - start )) s$([ $rc = 124 ] && echo ' (timed out: no report)')"
done
xmls=$(ls mutation/target/pit-*/mutations.xml 2>/dev/null | while read -r f; do [ -s "$f" ] && echo "$f"; done)
[ -n "$xmls" ] || { echo "no reports"; exit 1; }
# shellcheck disable=SC2086
java -cp mutation/target/classes org.mmspec.mutation.PitScores -o mutation/target/scores.md $xmls
