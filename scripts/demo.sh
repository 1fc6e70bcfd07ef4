#!/usr/bin/env bash
# The README's main job: starts fastgpud on its embedded defaults (SQLite state in a fresh
# temporary directory, one simulated 40-TFLOPS GPU), runs examples/seed_example.py against it,
# prints the schedule the daemon recorded, and stops the daemon by its PID. RUNS=N runs the
# program N times in a row against the one daemon, each timed, and lists the vGPUs left after.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
state=$(mktemp -d)
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$state"
}
trap cleanup EXIT

"$BUILD/bin/fastgpud" --data-dir "$state" --listen 127.0.0.1:0 --ready-file "$state/port" \
  2> "$state/fastgpud.log" &
daemon_pid=$!
for _ in $(seq 100); do [ -s "$state/port" ] && break; sleep 0.1; done
if [ ! -s "$state/port" ]; then cat "$state/fastgpud.log"; echo "demo: fastgpud did not start"; exit 1; fi
export FASTGPU_URL="http://127.0.0.1:$(cat "$state/port")"
sed 's/^/  /' "$state/fastgpud.log"

runs=${RUNS:-1}
for run in $(seq "$runs"); do
  echo "== examples/seed_example.py against fastgpud (pid $daemon_pid) at $FASTGPU_URL${RUNS:+ (run $run of $runs)}"
  start=$(date +%s.%N)
  PYTHONPATH=sdk/python python3 examples/seed_example.py
  end=$(date +%s.%N)
  python3 -c "print(f'seed example took {$end - $start:.2f} s')"
done
if [ "$runs" -gt 1 ]; then
  echo "== vGPUs left once the programs have exited"
  "$BUILD/bin/fastgpu" vgpu ls
fi

echo "== the schedule fastgpud recorded"
PYTHONPATH=sdk/python python3 scripts/print_schedule.py

kill "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=""
echo "== fastgpud stopped"
