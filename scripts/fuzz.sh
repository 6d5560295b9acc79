#!/usr/bin/env bash
# Builds the coverage-guided fuzz targets of tests/fuzz with clang, libFuzzer, ASan and UBSan into
# build-fuzz/ (its own build directory) and runs each for SECONDS (default 60), one after the
# other. Prints one line per target:
#   fuzz TARGET: N runs, K crashes
# and exits non-zero when any target crashed (the input is kept in build-fuzz/artifacts/TARGET/:
# turn it into a regression test). Idempotent; installs what it needs on Debian 12.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     targets: manifest set_record tar_set pkcs12_import
#                                             bindings_file certificate_summary host_config cron
#
# Compiler: clang 19 from Debian 12 (bookworm). clang 14 and 16 cannot compile this project:
# libstdc++ 12 offers std::expected only to compilers with C++20 concepts (__cpp_concepts
# 202002), which clang has from 19 on.
# Corpora: tests/fuzz/corpus/TARGET/ holds the committed seeds (nothing secret in them); seeds
# with keys (PFX payloads, a whole set) are made at run time from a generated sample store, with
# the password the targets use, so that the fuzzers get past the MAC and the encryption.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

seconds="${1:-60}"
shift || true
all_targets=(manifest set_record tar_set pkcs12_import bindings_file certificate_summary host_config
  cron)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

CERTBACKUP_PACKAGES+=(clang-19 libclang-rt-19-dev llvm)
certbackup_install_deps

build="$CERTBACKUP_ROOT/build-fuzz"
sanitizers="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
# libstdc++ 12 marks get_temporary_buffer deprecated inside its own stable_sort; clang says so.
quiet="-Wno-deprecated-declarations"
cmake -S "$CERTBACKUP_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
  -DCMAKE_C_FLAGS="$sanitizers -fno-omit-frame-pointer" \
  -DCMAKE_CXX_FLAGS="$sanitizers -fno-omit-frame-pointer $quiet" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DBUILD_TESTING=OFF -DCERTBACKUP_FUZZ=ON -DCERTBACKUP_SANITIZED=ON >/dev/null
jobs="$(nproc 2>/dev/null || echo 2)"
build_targets=(sample-store backup-host certificates_plugin)
for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
cmake --build "$build" -j "$jobs" --target "${build_targets[@]}"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TZ="${TZ:-Europe/Berlin}"
# Stack traces with function names and lines (clang's runtime finds no symbolizer by itself).
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && command -v llvm-symbolizer >/dev/null 2>&1; then
  export ASAN_SYMBOLIZER_PATH="$(command -v llvm-symbolizer)"
fi

# Seeds with keys: a sample store backed up once as a directory set and once as a tar stream.
generated="$build/generated-seeds"
if [ ! -f "$generated/done" ]; then
  rm -rf "$generated"
  mkdir -p "$generated"/{manifest,set_record,tar_set,pkcs12_import,certificate_summary}
  work="$(mktemp -d)"
  printf 'fuzz password' > "$work/password"
  "$build/bin/sample-store" "$work/store" --databases 1 --unused 1 --seed 5 >/dev/null
  for per_cert in false true; do
    "$build/bin/backup-host" backup certificates --to "$work/location-$per_cert" \
      -o store="$work/store" -o iterations=1000 -o per_certificate_files=$per_cert \
      --password-file "$work/password" >/dev/null
  done
  "$build/bin/backup-host" backup certificates --to - -o store="$work/store" \
    -o iterations=1000 --password-file "$work/password" > "$generated/tar_set/set.tar"
  n=0
  for set in "$work"/location-*/*/; do
    n=$((n + 1))
    cp "$set/set.pb" "$generated/set_record/set-$n.pb"
    find "$set" -name manifest.pb -exec cp {} "$generated/manifest/manifest-$n.pb" \;
    find "$set" -name '*.pfx' | head -n 4 | while read -r pfx; do
      cp "$pfx" "$generated/pkcs12_import/$(basename "$(dirname "$pfx")")-$n-$(basename "$pfx")"
    done
  done
  # Store certificate files (one with a chain) as they are, and a few as DER.
  n=0
  for pem in "$work"/store/certs/*.pem; do
    n=$((n + 1))
    cp "$pem" "$generated/certificate_summary/file-$n.pem"
    openssl x509 -in "$pem" -outform DER -out "$generated/certificate_summary/cert-$n.der"
  done
  rm -rf "$work"
  touch "$generated/done"
fi

status=0
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  seeds=("$CERTBACKUP_ROOT/tests/fuzz/corpus/$t")
  [ -d "$generated/$t" ] && seeds+=("$generated/$t")
  log="$build/fuzz-$t.log"
  before=$(find "$artifacts" -type f | wc -l)
  set +e
  "$build/bin/fuzz_$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  crashes=$(( $(find "$artifacts" -type f | wc -l) - before ))
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
  echo "fuzz $t: ${runs:-0} runs, $crashes crashes"
  if [ "$crashes" -ne 0 ]; then
    status=1
    echo "  log: $log; inputs: $artifacts/" >&2
  fi
done
exit "$status"
