#!/bin/sh
# Runs an MPI job that must end in a given way, and checks how it ended.
# usage: expect_exit.sh RC PATTERN MAX_SECONDS MPIEXEC [ARGS...]
#   RC           the exit status mpiexec must return
#   PATTERN      a grep -E pattern its output (stdout and stderr) must contain
#   MAX_SECONDS  the job must end sooner than this (a hung job would not)
rc_want=$1
pattern=$2
max_s=$3
shift 3
start=$(date +%s)
out=$("$@" 2>&1)
rc=$?
elapsed=$(($(date +%s) - start))
printf '%s\n' "$out"
echo "expect_exit: exit status $rc after ${elapsed} s"
fail() {
  echo "expect_exit: FAIL: $*"
  exit 1
}
[ "$rc" -eq "$rc_want" ] || fail "exit status $rc, expected $rc_want"
printf '%s\n' "$out" | grep -Eq -- "$pattern" || fail "the output lacks /$pattern/"
[ "$elapsed" -lt "$max_s" ] || fail "took ${elapsed} s, expected under ${max_s} s: the job was not ended promptly"
echo "expect_exit: PASS"
