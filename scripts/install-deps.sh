#!/usr/bin/env bash
# Installs the Debian 12 packages that `make demo`, `make test` and `.ci/run` need, only those
# missing. A minimal Debian 12 with git and make is enough to start from.
set -euo pipefail
packages=(cmake ninja-build pkg-config g++ clang clang-format libclang-rt-14-dev
          libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev
          libsqlite3-dev libcpp-httplib-dev libpq-dev postgresql libtomlplusplus-dev
          libssl-dev openssl python3 python3-pip procps ca-certificates)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
