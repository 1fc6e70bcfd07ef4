#!/usr/bin/env bash
# fastgpud on a machine with an NVIDIA GPU, end to end: the NVML inventory (`fastgpu gpus`), and
# two command tasks submitted with `--gpu 0.3` and `--gpu 0.7` running the compute-bound load of
# gpu_compute_load on the same GPU; the daemon preloads libfastgpu-vgpu into each, and each
# should receive its share of device time (± 5 pp).
# Usage: tests/gpu/daemon_check.sh [BIN_DIR]   (default: build/bin of the repository; the
#        vGPU library is BIN_DIR/../lib/libfastgpu-vgpu.so, found by fastgpud itself)
#        FASTGPU_LIB_DIR=DIR adds DIR to the library path of fastgpud and fastgpu only (for
#        binaries built on another machine and carried here with their libraries).
set -uo pipefail
cd "$(dirname "$0")"
bin=$(cd "${1:-../../build/bin}" && pwd)
build=../../build-gpu
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release > "$build.configure.log" 2>&1 &&
  cmake --build "$build" > "$build.build.log" 2>&1 || { echo "cannot build the GPU programs"; exit 2; }
load=$(cd "$build/bin" && pwd)/gpu_compute_load
ours() { LD_LIBRARY_PATH=${FASTGPU_LIB_DIR:-${LD_LIBRARY_PATH:-}} "$@"; }
cli() { ours "$bin/fastgpu" "$@"; }
now_ns() { python3 -c "import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC))"; }
json_field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
failed=0
verdict() { if python3 -c "import sys; sys.exit(0 if ($2) else 1)"; then echo "PASS $1"; else
  echo "FAIL $1"; failed=1; fi; }

data=$(mktemp -d)
ours "$bin/fastgpud" --data-dir "$data" --listen 127.0.0.1:0 --ready-file "$data/port" \
  > "$data/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 100); do [ -s "$data/port" ] && break; sleep 0.1; done
export FASTGPU_URL=http://127.0.0.1:$(cat "$data/port")
cli gpus
source=$(cli gpus -o json | json_field '["source"]')
verdict nvml_inventory "'$source' == 'nvml'"

solo=$("$load" calibrate | sed 's/solo_ms=//')
from=$(( $(now_ns) + 5000000000 )); to=$(( from + 15000000000 ))
submit() { # share name -> task id; the tasks do not inherit FASTGPU_LIB_DIR's libraries
  cli submit --gpu "$1" --name "$2" -o json -- env -u LD_LIBRARY_PATH FASTGPU_VGPU_STATS=1 \
    "$load" load $from $to | json_field '["id"]'
}
a=$(submit 0.3 thirty); b=$(submit 0.7 seventy)
sleep 2; cli ps; cli gpus
cli wait "$a" "$b" > /dev/null
share() { # task id -> percent of device time
  local out; out=$(cli logs "$1")
  python3 -c "import re; o='''$out'''; c=int(re.search(r'completed=(\d+)', o).group(1)); \
w=float(re.search(r'window_ms=([0-9.]+)', o).group(1)); print(round(100 * c * $solo / w, 2))"
}
pa=$(share "$a"); pb=$(share "$b")
echo "daemon tasks --gpu 0.3 / 0.7: device-time % = $pa $pb"
verdict daemon_caps_30_70_within_5pp "abs($pa - 30) <= 5 and abs($pb - 70) <= 5"
kill "$daemon"; wait "$daemon"
rm -rf "$data"
exit $failed
