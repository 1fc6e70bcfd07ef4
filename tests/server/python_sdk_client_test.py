"""The Python SDK against a freshly started fastgpud: a URL without a scheme (as the CLI takes
it), a refused scheme, and VirtualGPU.tasks() reading every page of the task list.

Usage: python_sdk_client_test.py FASTGPUD REPOSITORY_ROOT
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_example_test import check, start_daemon  # noqa: E402


def check_url_forms(fastgpu):
    check(fastgpu.Client("127.0.0.1:7070").url == "http://127.0.0.1:7070", "host:port")
    check(fastgpu.Client("localhost").url == "http://localhost", "a bare host")
    check(fastgpu.Client("https://gpu.example:443/").url == "https://gpu.example:443",
          "a trailing slash")
    check(fastgpu.Client("HTTP://h:1").url == "HTTP://h:1", "an upper-case scheme")
    for bad in ("ftp://h:1", "unix:///run/fastgpu.sock", "file:///etc/passwd"):
        try:
            fastgpu.Client(bad)
        except ValueError as e:
            check("http or https" in str(e) and bad.split(":")[0] in str(e), str(e))
        else:
            raise AssertionError(f"{bad} was accepted")


def check_scheme_less_env(fastgpu, port):
    os.environ["FASTGPU_URL"] = f"127.0.0.1:{port}"
    try:
        client = fastgpu.Client()
        check(client.url == f"http://127.0.0.1:{port}", client.url)
        check(client.gpus()[0]["simulated"] is True, "a real request went through")
    finally:
        del os.environ["FASTGPU_URL"]


def check_tasks_pages(fastgpu, port):
    import fastgpu.vgpu as vgpu_module
    client = fastgpu.Client(f"http://127.0.0.1:{port}")
    fastgpu.submit(fastgpu.Task(1, 0.01), client=client)  # a pool task: not the vGPU's
    vgpu = fastgpu.VirtualGPU.create(0.5, "gpu", client=client)
    submitted = [vgpu.submit_task(fastgpu.Task(1, 0.01)).id for _ in range(101)]
    # One page of 1000: more than the API's default page of 100.
    check([t["id"] for t in vgpu.tasks()] == submitted, "one page of 1000")
    vgpu_module._PAGE_SIZE = 7
    try:
        check([t["id"] for t in vgpu.tasks()] == submitted, "15 pages of 7")
    finally:
        vgpu_module._PAGE_SIZE = 1000


def main():
    fastgpud, root = sys.argv[1], sys.argv[2]
    sys.path.insert(0, os.path.join(root, "sdk", "python"))
    import fastgpu
    check_url_forms(fastgpu)
    with tempfile.TemporaryDirectory() as state:
        daemon, port = start_daemon(fastgpud, state)
        try:
            check_scheme_less_env(fastgpu, port)
            check_tasks_pages(fastgpu, port)
        finally:
            daemon.terminate()
            daemon.wait()
    print("python sdk client: URL forms, scheme-less $FASTGPU_URL, paged vGPU tasks")


if __name__ == "__main__":
    main()
