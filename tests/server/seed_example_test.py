"""Runs examples/seed_example.py against a freshly started fastgpud and checks that it prints its
three lines and that the daemon ran the three tasks one after another.

Usage: seed_example_test.py FASTGPUD REPOSITORY_ROOT
"""

import os
import subprocess
import sys
import tempfile
import time


def start_daemon(fastgpud, state):
    ready = os.path.join(state, "port")
    log = open(os.path.join(state, "fastgpud.log"), "w")
    daemon = subprocess.Popen([fastgpud, "--data-dir", state, "--listen", "127.0.0.1:0",
                               "--ready-file", ready], stderr=log)
    for _ in range(600):
        if os.path.exists(ready):
            return daemon, int(open(ready).read())
        if daemon.poll() is not None:
            break
        time.sleep(0.1)
    daemon.kill()
    daemon.wait()
    sys.exit("fastgpud did not start: " + open(log.name).read())


def check(condition, what):
    """An assertion that holds under python3 -O too."""
    if not condition:
        sys.exit(f"seed example: {what}")


RUNS = 3  # the default GPU holds two 20-TFLOPS vGPUs: a third run needs the first one reclaimed


def main():
    fastgpud, root = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as state:
        daemon, port = start_daemon(fastgpud, state)
        try:
            env = dict(os.environ, FASTGPU_URL=f"http://127.0.0.1:{port}",
                       PYTHONPATH=os.path.join(root, "sdk", "python"))
            sys.path.insert(0, os.path.join(root, "sdk", "python"))
            import fastgpu
            client = fastgpu.Client(f"http://127.0.0.1:{port}")
            for run in range(1, RUNS + 1):
                began = time.monotonic()
                out = subprocess.run(
                    [sys.executable, os.path.join(root, "examples", "seed_example.py")],
                    env=env, capture_output=True, text=True, timeout=60)
                took = time.monotonic() - began
                check(out.returncode == 0, f"run {run} failed: {out.stderr}")
                expected = "Task 1 completed.\nTask 2 completed.\nTask 3 completed.\n"
                check(out.stdout == expected, f"run {run} printed {out.stdout!r}")
                tasks = client.request("GET", "/v1/tasks", query={"limit": 100})["tasks"]
                mine = [t for t in tasks if t["id"] > 3 * (run - 1)]
                check([t["state"] for t in mine] == ["succeeded"] * 3, f"run {run}: {mine}")
                for before, after in zip(mine, mine[1:]):
                    check(after["started_at"] >= before["ended_at"], f"overlap: {before} {after}")
                print(f"seed example run {run}: three lines, tasks one after another, {took:.2f} s")
            vgpus = client.request("GET", "/v1/vgpus")["vgpus"]
            check(vgpus == [], f"vGPUs left once the programs exited: {vgpus}")
        finally:
            daemon.terminate()
            daemon.wait()


if __name__ == "__main__":
    main()
