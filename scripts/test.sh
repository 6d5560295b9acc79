#!/usr/bin/env bash
# Installs what is missing, builds into build/, and runs the default test suite with ctest.
# Exits non-zero on any failure. Idempotent; works from any directory.
#   scripts/test.sh [extra ctest arguments]   e.g. scripts/test.sh -R Pkcs12
# Benchmarks (label "bench") are not part of the default run: ctest -L bench runs them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

certbackup_install_deps
# CI builds our code with -Werror (CMakeLists.txt, CERTBACKUP_WERROR).
certbackup_build -DCERTBACKUP_WERROR=ON
cd "$CERTBACKUP_BUILD"
ctest --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" -LE bench --timeout 600 "$@"
