# Shared by scripts/demo.sh and scripts/test.sh: locate the repository, install what is
# missing, configure and build. Sourced, not run.

CERTBACKUP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CERTBACKUP_BUILD="${CERTBACKUP_BUILD_DIR:-$CERTBACKUP_ROOT/build}"

# Debian 12 packages the build, the tests and the interop peers use.
CERTBACKUP_PACKAGES=(
  build-essential cmake pkg-config git
  libssl-dev openssl
  libprotobuf-dev protobuf-compiler
  libspdlog-dev libfmt-dev
  libboost-dev
  libarchive-dev
  libtomlplusplus-dev
  libcli11-dev
  nlohmann-json3-dev
  tzdata
  libgtest-dev libgmock-dev
  gnutls-bin libnss3-tools python3 python3-cryptography
  openjdk-17-jre-headless
  restic
  bacula-director bacula-director-sqlite3 bacula-sd bacula-fd bacula-console sqlite3
)

# Installs the packages that are not installed yet; does nothing (and needs no network) when
# all are there. Needs root (or sudo) only when something is missing.
certbackup_install_deps() {
  local missing=()
  local pkg
  for pkg in "${CERTBACKUP_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "Installing missing packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "error: these packages are missing and this is not root: ${missing[*]}" >&2
      echo "       run as root, or install them with apt-get first." >&2
      return 1
    fi
  fi
  # The Bacula packages would start their daemons on ports 9101-9103 and configure a catalog
  # through dbconfig-common. The tests run daemons of their own (free ports, their own
  # configurations), so the packaged services are not started: a policy-rc.d that denies
  # starts is put in place for the install when the machine has none (containers without an
  # init, CI), and dbconfig-common answers its questions with the defaults.
  local policy=/usr/sbin/policy-rc.d
  local own_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# certbackup scripts/lib.sh: no service starts during the install\nexit 101\n' |
      $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    own_policy=yes
  fi
  local status=0
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" ||
    status=$?
  if [ -n "$own_policy" ]; then
    $sudo rm -f "$policy"
  fi
  return $status
}

# Configures (once) and builds everything into $CERTBACKUP_BUILD.
# certbackup_build [CMAKE ARGS...]: configures (extra -D options are kept in the cache) and builds.
certbackup_build() {
  local jobs
  jobs="$(nproc 2>/dev/null || echo 2)"
  cmake -S "$CERTBACKUP_ROOT" -B "$CERTBACKUP_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$CERTBACKUP_BUILD" -j "$jobs"
}
