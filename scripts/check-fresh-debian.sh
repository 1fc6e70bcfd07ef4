#!/usr/bin/env bash
# Checks the README's promise on a minimal Debian 12: builds a bookworm tree with debootstrap
# (git and make only), copies this checkout (committed files only, as a clone) and ../shared into
# it, and runs `make demo` and then `make test` inside (chroot, /proc, /sys and /dev bound and
# always unbound afterwards). Prints how long each took and exits non-zero when one fails.
#
#   scripts/check-fresh-debian.sh [WORK_DIR]     (root; WORK_DIR default: a new temporary one)
#
# FASTGPU_CHECK_STEPS="demo test" picks the steps (default both); FASTGPU_KEEP_ROOT=1 keeps the
# tree afterwards for a look inside.
set -euo pipefail

die() { echo "check-fresh-debian: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap and chroot)"
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$repo/../shared" 2>/dev/null && pwd) || die "../shared is missing beside the checkout"
work=${1:-$(mktemp -d)}
root="$work/bookworm"
steps=${FASTGPU_CHECK_STEPS:-demo test}

if ! command -v debootstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
fi

mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
  if [ "${FASTGPU_KEEP_ROOT:-0}" != 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

seconds_since() { echo $(( $(date +%s) - $1 )); }

began=$(date +%s)
if [ ! -x "$root/usr/bin/make" ]; then
  debootstrap --variant=minbase --include=git,make,ca-certificates bookworm "$root" \
    http://deb.debian.org/debian > "$work/debootstrap.log" 2>&1 ||
    die "debootstrap failed; see $work/debootstrap.log"
fi
echo "check-fresh-debian: minimal bookworm with git and make in $(seconds_since "$began") s"

for fs in proc sys dev; do
  mount --rbind "/$fs" "$root/$fs"
  mount --make-rslave "$root/$fs"
  mounted+=("$root/$fs")
done
cp /etc/resolv.conf "$root/etc/resolv.conf"

# The project as a fresh clone of what is committed, ../shared beside it, as CI lays them out.
mkdir -p "$root/work"
rm -rf "$root/work/main" "$root/work/shared"
git clone -q "$repo" "$root/work/main"
cp -a "$shared" "$root/work/shared"

status=0
for step in $steps; do
  began=$(date +%s)
  if chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
       sh -c "cd /work/main && make $step" > "$work/$step.log" 2>&1; then
    echo "check-fresh-debian: make $step passed in $(seconds_since "$began") s"
  else
    echo "check-fresh-debian: make $step FAILED after $(seconds_since "$began") s; last lines:"
    tail -n 30 "$work/$step.log"
    status=1
  fi
  if [ "$step" = demo ]; then grep -E "^Task [123] completed\.$|seed example took" "$work/demo.log" || true; fi
  if [ "$step" = test ]; then grep -E "tests passed|tests failed" "$work/test.log" || true; fi
done
exit $status
