"""Installs the Python SDK with pip (no build isolation, no index) into a temporary directory
and imports it from there.

Usage: python_sdk_install_test.py REPOSITORY_ROOT
"""

import os
import subprocess
import sys
import tempfile


def main():
    root = sys.argv[1]
    with tempfile.TemporaryDirectory() as target:
        subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps",
                        "--no-index", "--quiet", "--target", target,
                        os.path.join(root, "sdk", "python")], check=True)
        probe = "import fastgpu; print(fastgpu.__file__); fastgpu.Task(20, 5); fastgpu.VirtualGPU"
        out = subprocess.run([sys.executable, "-c", probe], env=dict(os.environ, PYTHONPATH=target),
                             cwd=target, capture_output=True, text=True, check=True)
        if not out.stdout.startswith(target):  # not an assert: it must hold under -O too
            sys.exit(f"imported from elsewhere: {out.stdout}")
        print("installed and imported from", target)


if __name__ == "__main__":
    main()
