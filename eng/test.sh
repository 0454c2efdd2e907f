#!/usr/bin/env bash
# The test suite: installs what is missing, builds everything, runs every MSTest test, and ends with the line
# "N passed, N failed[, N skipped]" counted from the test results (TRX). Exits non-zero when a test failed.
# Arguments go to dotnet test: eng/test.sh --filter "FullyQualifiedName~Policies".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash eng/setup.sh || exit $?
# The Slurm tests need a cluster: a single-node one on this machine, installed and started when missing. Where that is impossible
# the tests say why and do not run (they are counted as skipped).
slurm=$(bash eng/setup.sh --slurm | tail -n 1)
case "$slurm" in
  "slurm: ready "*) export WINNOWTEST_SLURM_CONF="${slurm#slurm: ready }"; unset WINNOWTEST_SLURM_UNAVAILABLE ;;
  *) export WINNOWTEST_SLURM_UNAVAILABLE="${slurm#slurm: unavailable: }"; unset WINNOWTEST_SLURM_CONF; echo "$slurm" >&2 ;;
esac
results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

dotnet test Framework.sln -c Release -nologo \
  --logger "trx;LogFilePrefix=winnow" --logger "console;verbosity=normal" \
  --results-directory "$results" "$@"
status=$?

shopt -s nullglob
trx=("$results"/*.trx)
if [ ${#trx[@]} -eq 0 ]; then
  echo "no test results were written (did the build fail? see above)"
  echo "0 passed, 1 failed"
  exit 1
fi
count() { cat "${trx[@]}" | grep -o "<UnitTestResult [^>]*outcome=\"$1\"" | wc -l; }
passed=$(count Passed)
failed=$(( $(count Failed) + $(count Error) + $(count Timeout) + $(count Aborted) ))
skipped=$(( $(count NotExecuted) + $(count Inconclusive) ))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test exited with $status although no test result failed; counting that as a failure"
  failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
