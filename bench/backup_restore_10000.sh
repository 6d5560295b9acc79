#!/usr/bin/env bash
# Backup and restore of a 10000-certificate store through backup-host, default profile.
# Usage: backup_restore_10000.sh BIN_DIR WORK_DIR. Prints the wall time of each step.
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
"$bin/sample-store" "$work/store" --extra 10000 --seed 1 >/dev/null
head -c 24 /dev/urandom | base64 > "$work/pass"
start=$(date +%s.%N)
id=$("$bin/backup-host" backup certificates --to "$work/backups" -o store="$work/store" \
  --password-file "$work/pass" 2>/dev/null)
mid=$(date +%s.%N)
"$bin/backup-host" restore "$work/backups/$id" -o target_store="$work/restored" \
  --password-file "$work/pass" >/dev/null 2>&1
end=$(date +%s.%N)
"$bin/store-compare" "$work/store" "$work/restored" --expect-missing ssl | tail -1
awk -v s="$start" -v m="$mid" -v e="$end" \
  'BEGIN { printf "backup of 10000+ certificates: %.1f s; restore: %.1f s\n", m - s, e - m }'
du -sh "$work/backups"
rm -rf "$work"
