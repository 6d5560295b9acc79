#!/usr/bin/env bash
# Installs what is missing, builds into build/, and runs the default test suite with ctest.
# Exits non-zero on any failure. Idempotent; works from any directory.
#   scripts/test.sh [extra ctest arguments]   e.g. scripts/test.sh -R Pkcs12
#   scripts/test.sh --sanitize [extra ctest arguments]
#       builds everything with AddressSanitizer and UndefinedBehaviorSanitizer (gcc,
#       -fsanitize=address,undefined -fno-sanitize-recover=all) into build-sanitize/ and runs
#       the unit tests (ctest -L unit) there; any sanitizer report fails the test that made it,
#       so the run exits non-zero. The integration and interop tests (restic, Bacula daemons,
#       Java keytool, OpenSSL/GnuTLS/NSS peers) are left out: they exercise other programs, and
#       our code on their paths is the same the unit tests cover.
# Benchmarks (label "bench") are not part of the default run: ctest -L bench runs them.
set -euo pipefail
sanitize=""
if [ "${1:-}" = "--sanitize" ]; then
  sanitize=yes
  shift
  export CERTBACKUP_BUILD_DIR="${CERTBACKUP_BUILD_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build-sanitize}"
fi
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

certbackup_install_deps
jobs="$(nproc 2>/dev/null || echo 2)"
if [ -z "$sanitize" ]; then
  # CI builds our code with -Werror (CMakeLists.txt, CERTBACKUP_WERROR).
  certbackup_build -DCERTBACKUP_WERROR=ON
  cd "$CERTBACKUP_BUILD"
  ctest --output-on-failure -j "$jobs" -LE bench --timeout 600 "$@"
  exit
fi

flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
# GCC 12 with ASan reports -Wmaybe-uninitialized inside libstdc++'s own <regex>
# (regex_automaton.h, a std::function member of _State) for any test that builds a std::regex;
# the instrumentation defeats its flow analysis. Our code is checked for it by the default build.
cxx_quiet="-Wno-maybe-uninitialized"
certbackup_build -DCERTBACKUP_WERROR=ON -DCERTBACKUP_SANITIZED=ON \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags $cxx_quiet" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined"
# A report aborts the process, so the test that caused it fails. Leak reports included.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$CERTBACKUP_BUILD"
ctest --output-on-failure -j "$jobs" -L unit --timeout 1800 "$@"
