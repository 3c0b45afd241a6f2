#!/bin/sh
# Runs the watchdog scenario of mpi_backend_test and checks how the job ends.
# usage: arrive_timeout_test.sh NP MPIEXEC [ARGS...]   (the mpiexec command line)
#
# Rank NP-1 never calls ArriveWithin and sleeps 30 s. Expected: rank 0 gives
# up after its 1 s timeout, prints "arrive-timeout: OK missing=[NP-1]" and
# calls Abort(6); mpiexec (OpenMPI) exits with that code, long before the
# sleeping rank would have woken up.
np=$1
shift
start=$(date +%s)
out=$("$@" 2>&1)
rc=$?
elapsed=$(($(date +%s) - start))
printf '%s\n' "$out"
echo "arrive_timeout_test: exit status $rc after ${elapsed} s"
fail() {
  echo "arrive_timeout_test: FAIL: $*"
  exit 1
}
[ "$rc" -eq 6 ] || fail "exit status $rc, expected 6 (the watchdog's Abort code)"
printf '%s\n' "$out" | grep -q "arrive-timeout: OK missing=\[$((np - 1))\]" ||
  fail "rank 0 did not report rank $((np - 1)) as the only missing rank"
[ "$elapsed" -lt 20 ] || fail "took ${elapsed} s: the job was not aborted promptly"
echo "arrive_timeout_test: PASS"
