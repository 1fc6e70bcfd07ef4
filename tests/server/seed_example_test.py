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


def main():
    fastgpud, root = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as state:
        daemon, port = start_daemon(fastgpud, state)
        try:
            env = dict(os.environ, FASTGPU_URL=f"http://127.0.0.1:{port}",
                       PYTHONPATH=os.path.join(root, "sdk", "python"))
            began = time.monotonic()
            out = subprocess.run([sys.executable, os.path.join(root, "examples", "seed_example.py")],
                                 env=env, capture_output=True, text=True, timeout=120)
            took = time.monotonic() - began
            assert out.returncode == 0, out.stderr
            expected = "Task 1 completed.\nTask 2 completed.\nTask 3 completed.\n"
            assert out.stdout == expected, repr(out.stdout)
            sys.path.insert(0, os.path.join(root, "sdk", "python"))
            import fastgpu
            client = fastgpu.Client(f"http://127.0.0.1:{port}")
            tasks = client.request("GET", "/v1/tasks")["tasks"]
            assert [t["state"] for t in tasks] == ["succeeded"] * 3, tasks
            for before, after in zip(tasks, tasks[1:]):
                assert after["started_at"] >= before["ended_at"], (before, after)
            print(f"seed example: three lines, tasks ran one after another, {took:.2f} s")
        finally:
            daemon.terminate()
            daemon.wait()


if __name__ == "__main__":
    main()
