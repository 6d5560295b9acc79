#!/usr/bin/env bash
# Line and branch coverage of the default test suite, per module.
#
#   scripts/coverage.sh [extra ctest arguments]
#
# Builds with gcc's --coverage (-O0) into build-coverage/ (CERTBACKUP_COVERAGE_BUILD_DIR
# overrides), runs the default suite (everything but the `bench` label) with ctest, and reads
# the counters with gcovr (Debian's, installed when missing). Prints one line per module:
#
#   coverage MODULE: lines L%, branches B%
#
# for core, host-sdk, plugin and samples, then the path of the HTML report, then every refusal
# of the readers of hostile input (snapshot, PKCS#12 import, set, tar) that no test reached.
# Failures of the system or of the caller in those files (ErrorCode io, invalid_argument) are
# listed apart and do not count as refusals.
# Branches count without the compiler's exception-only and unreachable branches.
#
# Exits non-zero when a test failed, when a module is below its target (core 90% of lines,
# host-sdk 85%, plugin 85%), or when a refusal was not reached; everything is printed first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CERTBACKUP_PACKAGES+=(gcovr)
certbackup_install_deps

# ccache's CCACHE_BASEDIR rewrites the compiler's paths as relative ones, which then end up in
# the .gcno files, and gcov cannot find the sources from where gcovr runs it (every module read
# 0%): the coverage build keeps absolute paths.
unset CCACHE_BASEDIR

build="${CERTBACKUP_COVERAGE_BUILD_DIR:-$CERTBACKUP_ROOT/build-coverage}"
jobs="$(nproc 2>/dev/null || echo 2)"
cmake -S "$CERTBACKUP_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS="--coverage -O0" -DCMAKE_CXX_FLAGS="--coverage -O0" \
  -DCMAKE_EXE_LINKER_FLAGS=--coverage -DCMAKE_SHARED_LINKER_FLAGS=--coverage \
  -DCMAKE_MODULE_LINKER_FLAGS=--coverage >/dev/null
cmake --build "$build" -j "$jobs"

# Counters of an earlier run would add up with this one's.
find "$build" -name '*.gcda' -delete
tests_status=0
(cd "$build" && ctest -j "$jobs" -LE bench --timeout 1800 --output-on-failure "$@") ||
  tests_status=$?

report="$build/coverage"
rm -rf "$report"
mkdir -p "$report"
# One pass over the counters: a JSON file for the numbers below and the HTML report.
gcovr --root "$CERTBACKUP_ROOT" --object-directory "$build" \
  --filter "$CERTBACKUP_ROOT/(base|core|host-sdk|plugin|samples|bacula)/" \
  --exclude-throw-branches --exclude-unreachable-branches \
  --json "$report/coverage.json" --html-details "$report/index.html" "$build" >/dev/null

# The refusals that must be reached: each `fail(` in the readers of hostile input whose code
# is not io or invalid_argument (see not_refusals below).
refusal_files=(
  core/snapshot_reader.cpp core/snapshot_envelope.cpp core/manifest_codec.cpp
  core/pkcs12_import.cpp
  host-sdk/storage/set_reader.cpp host-sdk/storage/set_record.cpp
  host-sdk/storage/tar_set_reader.cpp
)

coverage_status=0
python3 - "$report/coverage.json" "$report/index.html" "${refusal_files[@]}" <<'EOF' ||
import json
import re
import sys

data = json.load(open(sys.argv[1]))
html = sys.argv[2]
refusal_files = set(sys.argv[3:])
modules = ["core", "host-sdk", "plugin", "samples"]
targets = {"core": 90.0, "host-sdk": 85.0, "plugin": 85.0}
totals = {m: [0, 0, 0, 0] for m in modules}  # lines hit, lines, branches hit, branches
unreached = []
# io (the system failed: a read, the random source, memory) and invalid_argument (the caller
# misused the API, e.g. a writer handed an impossible manifest) are not refusals of input: they
# are listed for information and do not fail the run.
not_refusals = {"io", "invalid_argument"}
environment = []
for f in data["files"]:
    name = f["file"]
    module = name.split("/", 1)[0]
    text = None
    if name in refusal_files:
        text = open(name, encoding="utf-8", errors="replace").read().split("\n")
    for line in f["lines"]:
        if line.get("gcovr/noncode"):
            continue
        if module in totals:
            t = totals[module]
            t[0] += line["count"] > 0
            t[1] += 1
            for b in line["branches"]:
                t[2] += b["count"] > 0
                t[3] += 1
        if text is not None and line["count"] == 0:
            number = line["line_number"]
            source = text[number - 1]
            if "fail(" in source:
                statement = " ".join(t.strip() for t in text[number - 1 : number + 3])
                code = re.search(r"ErrorCode::(\w+)", statement)
                where = f"{name}:{number}: {source.strip()}"
                if code and code.group(1) in not_refusals:
                    environment.append(where)
                else:
                    unreached.append(where)

failed = False
for m in modules:
    hit, lines, bhit, branches = totals[m]
    lp = 100.0 * hit / lines if lines else 0.0
    bp = 100.0 * bhit / branches if branches else 0.0
    print(f"coverage {m}: lines {lp:.1f}%, branches {bp:.1f}%")
    if m in targets and lp < targets[m]:
        failed = True
        print(f"  below the target of {targets[m]:.0f}% of lines", file=sys.stderr)
print(f"coverage report: {html}")
# A refusal spanning lines is counted at its first line (where `fail(` is).
for u in unreached:
    print(f"refusal not reached by a test: {u}")
for e in environment:
    print(f"not reached (a system or caller failure, not a refusal of input): {e}")
if unreached:
    failed = True
sys.exit(1 if failed else 0)
EOF
  coverage_status=$?

if [ "$tests_status" -ne 0 ]; then
  echo "coverage: the test suite failed (ctest exit $tests_status)" >&2
  exit "$tests_status"
fi
exit "$coverage_status"
