#!/usr/bin/env bash
# The GPU checks of libfastgpu-vgpu, in one command, on a machine with an NVIDIA GPU and the CUDA
# toolkit: builds the shim and the check programs, then measures
#   1. the memory limit (exact, through the CUDA runtime),
#   2. two processes capped 300 and 700 milli on a compute-bound kernel (share of device time),
#      next to two uncapped processes,
#   3. one process capped 500 with bursting off,
#   4. the overhead on an uncapped compute-bound kernel and per launch, against no shim,
#   5. PyTorch under the shim (when torch is importable).
# Prints key=value results and a verdict per check; exits non-zero if any check fails.
# Usage: tests/gpu/run.sh [BUILD_DIR]    (results are also written to $OUT/gpu_checks.txt if set)
#        FASTGPU_GPU_CHECKS=memory,compute,overhead,torch picks checks (default: all).
set -uo pipefail
cd "$(dirname "$0")"
build=${1:-../../build-gpu}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release > "$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 2; }
cmake --build "$build" -j "$(nproc)" > "$build.build.log" 2>&1 || { tail -40 "$build.build.log"; exit 2; }
shim=$(cd "$build/lib" && pwd)/libfastgpu-vgpu.so
bin=$build/bin
results=$(mktemp)
failed=0
rm -f /dev/shm/fastgpu-*

checks=${FASTGPU_GPU_CHECKS:-memory,compute,overhead,torch}
wanted() { [[ ",$checks," == *",$1,"* ]]; }
say() { echo "$*" | tee -a "$results"; }
verdict() { # name condition-in-python values...
  local name=$1 condition=$2
  if python3 -c "import sys; sys.exit(0 if ($condition) else 1)"; then say "PASS $name"; else
    say "FAIL $name"; failed=1; fi
}
value() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<< "$2" | tail -1; }
now_ns() { python3 -c "import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC))"; }
shimmed() { LD_PRELOAD=$shim "$@"; }

# 1. Memory limit: 4 GiB, 256 MiB chunks.
if wanted memory; then
limit=$((4 << 30))
out=$(FASTGPU_VGPU_ID=mem FASTGPU_VGPU_MEMORY_LIMIT=$limit shimmed "$bin/gpu_memory_limit")
say "memory: limit=$limit $out"
verdict memory_limit_exact "$(value allocated_bytes "$out") == $limit and $(value one_more_byte "$out") != 0 and $(value total "$out") == $limit and $(value after_free_refit "$out") == 0"

fi

# 2-3. Compute shares. Solo kernel time first, alone on the GPU.
if wanted compute; then
solo=$(value solo_ms "$("$bin/gpu_compute_load" calibrate)")
say "compute: solo_ms=$solo"
share() { python3 -c "print(round(100 * $1 * $solo / $2, 2))"; }
pair() { # shareA shareB label -> prints "pctA pctB"
  local from to fa fb
  from=$(( $(now_ns) + 4000000000 )); to=$(( from + 15000000000 ))
  fa=$(mktemp); fb=$(mktemp)
  env FASTGPU_VGPU_STATS=1 FASTGPU_VGPU_ID="$3a" ${1:+FASTGPU_VGPU_COMPUTE_SHARE=$1} LD_PRELOAD="$shim" "$bin/gpu_compute_load" load $from $to > "$fa" &
  local pid=$!
  env FASTGPU_VGPU_STATS=1 FASTGPU_VGPU_ID="$3b" ${2:+FASTGPU_VGPU_COMPUTE_SHARE=$2} LD_PRELOAD="$shim" "$bin/gpu_compute_load" load $from $to > "$fb"
  wait $pid
  echo "$(share "$(value completed "$(cat "$fa")")" "$(value window_ms "$(cat "$fa")")") $(share "$(value completed "$(cat "$fb")")" "$(value window_ms "$(cat "$fb")")")"
  rm -f "$fa" "$fb"
}
read -r ua ub <<< "$(pair "" "" uncapped)"
say "compute: uncapped pair device-time % = $ua $ub"
read -r ca cb <<< "$(pair 300 700 capped)"
say "compute: capped 300/700 device-time % = $ca $cb"
verdict caps_30_70_within_5pp "abs($ca - 30) <= 5 and abs($cb - 70) <= 5"
from=$(( $(now_ns) + 3000000000 )); to=$(( from + 10000000000 ))
alone=$(FASTGPU_VGPU_ID=alone FASTGPU_VGPU_COMPUTE_SHARE=500 shimmed "$bin/gpu_compute_load" load $from $to)
alone_pct=$(share "$(value completed "$alone")" "$(value window_ms "$alone")")
say "compute: alone capped 500, no burst, device-time % = $alone_pct"
verdict alone_500_within_5pp "abs($alone_pct - 50) <= 5"

fi

# 4. Overhead on an uncapped compute-bound kernel, and per launch; best of 5 alternating runs.
if wanted overhead; then
best() { python3 -c "import sys; print(min(float(x) for x in sys.argv[1:]))" "$@"; }
plain=(); with=(); lplain=(); lwith=()
for _ in 1 2 3 4 5; do
  plain+=("$(value burst_ms "$("$bin/gpu_compute_load" burst 1000)")")
  with+=("$(value burst_ms "$(FASTGPU_VGPU_ID=uncapped shimmed "$bin/gpu_compute_load" burst 1000)")")
  lplain+=("$(value launch_us "$("$bin/gpu_compute_load" launches 200000)")")
  lwith+=("$(value launch_us "$(FASTGPU_VGPU_ID=uncapped shimmed "$bin/gpu_compute_load" launches 200000)")")
done
p=$(best "${plain[@]}"); w=$(best "${with[@]}")
overhead=$(python3 -c "print(round(100 * ($w - $p) / $p, 3))")
say "overhead: 1000 kernels no-shim ${p} ms, shim uncapped ${w} ms -> ${overhead}%"
say "overhead: per empty launch no-shim $(best "${lplain[@]}") us, shim uncapped $(best "${lwith[@]}") us"
verdict uncapped_overhead_le_1pct "$overhead <= 1.0"

fi

# 5. PyTorch.
if ! wanted torch; then
  :
elif python3 -c "import torch; assert torch.cuda.is_available()" 2> /dev/null; then
  out=$(FASTGPU_VGPU_ID=torch FASTGPU_VGPU_MEMORY_LIMIT=$((2 << 30)) shimmed python3 torch_smoke.py)
  code=$?
  say "torch: $out" | tr '\n' ' '; echo
  verdict torch_smoke "$code == 0"
else
  say "SKIP torch_smoke (no torch with CUDA)"
fi

rm -f /dev/shm/fastgpu-*
if [[ -n "${OUT:-}" ]]; then cp "$results" "$OUT/gpu_checks.txt"; fi
rm -f "$results"
exit $failed
