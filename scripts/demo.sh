#!/usr/bin/env bash
# The main job on the embedded default, end to end through the reference host:
#   1. make a sample certificate store (build/bin/sample-store),
#   2. back it up with the certificates plugin into a local directory (backup-host backup),
#   3. list the backup sets (backup-host sets),
#   4. restore the set into a fresh, empty store, as on a new machine (backup-host restore),
#   5. compare the two stores certificate by certificate (thumbprint, key, binding).
# Installs what is missing, builds into build/. Idempotent; works from any directory. The
# demo's files go to build/demo/ (recreated on each run).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

certbackup_install_deps
certbackup_build

bin="$CERTBACKUP_BUILD/bin"
demo="$CERTBACKUP_BUILD/demo"
rm -rf "$demo"
mkdir -p "$demo"
chmod 700 "$demo"

step() { printf '\n== %s\n' "$*"; }

step "1. A sample certificate store: $demo/store"
"$bin/sample-store" "$demo/store" --databases 2 --unused 2 --seed 42

# The backup password comes from a file (never the command line). A fresh random one per run.
umask 077
openssl rand -base64 24 > "$demo/backup.pass"

step "2. Backup: backup-host backup certificates --to $demo/backups"
set_id=$("$bin/backup-host" backup certificates --to "$demo/backups" \
  -o store="$demo/store" --password-file "$demo/backup.pass")
echo "set id: $set_id"

step "3. Backup sets in $demo/backups"
"$bin/backup-host" sets "$demo/backups"

step "4. Restore into a fresh, empty store (a new machine): $demo/new-machine"
"$bin/backup-host" restore "$demo/backups/$set_id" \
  -o target_store="$demo/new-machine" --password-file "$demo/backup.pass"

step "5. Verification: the restored store against the original"
"$bin/store-compare" "$demo/store" "$demo/new-machine" --expect-missing ssl

printf '\nDemo complete: every backed-up certificate came back with its key and binding.\n'
