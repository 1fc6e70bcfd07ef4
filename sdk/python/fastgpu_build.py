"""A PEP 517 build backend for the fastgpu package, standard library only.

It packs fastgpu/*.py into a pure-Python wheel (and an sdist) with the metadata below; the
version and description must match pyproject.toml's [project] table.
"""

import base64
import hashlib
import io
import os
import tarfile
import zipfile

NAME = "fastgpu"
VERSION = "0.1.0"
SUMMARY = "Python client of fastgpud: virtual GPUs and tasks over HTTP (standard library only)"
HERE = os.path.dirname(os.path.abspath(__file__))
DIST_INFO = f"{NAME}-{VERSION}.dist-info"
METADATA = f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\nSummary: {SUMMARY}\n" \
           "Requires-Python: >=3.8\n"
WHEEL = "Wheel-Version: 1.0\nGenerator: fastgpu_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _package_files():
    package = os.path.join(HERE, NAME)
    return sorted(f"{NAME}/{name}" for name in os.listdir(package) if name.endswith(".py"))


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def _write_wheel(wheel_directory, files):
    """Writes a wheel of `files` (path, bytes) plus metadata and RECORD; returns its name."""
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    files = files + [(f"{DIST_INFO}/METADATA", METADATA.encode()),
                     (f"{DIST_INFO}/WHEEL", WHEEL.encode())]
    record = "".join(_record_line(path, data) for path, data in files) + f"{DIST_INFO}/RECORD,,\n"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in files:
            wheel.writestr(path, data)
        wheel.writestr(f"{DIST_INFO}/RECORD", record)
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    """Writes the wheel into wheel_directory and returns its file name."""
    files = [(path, open(os.path.join(HERE, path), "rb").read()) for path in _package_files()]
    return _write_wheel(wheel_directory, files)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """An editable install: a wheel whose .pth file puts this directory on sys.path."""
    return _write_wheel(wheel_directory, [(f"{NAME}.pth", (HERE + "\n").encode())])


def build_sdist(sdist_directory, config_settings=None):
    """Writes a source archive into sdist_directory and returns its file name."""
    base = f"{NAME}-{VERSION}"
    with tarfile.open(os.path.join(sdist_directory, base + ".tar.gz"), "w:gz") as sdist:
        for path in _package_files() + ["pyproject.toml", "fastgpu_build.py"]:
            sdist.add(os.path.join(HERE, path), arcname=f"{base}/{path}")
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size = len(METADATA.encode())
        sdist.addfile(info, io.BytesIO(METADATA.encode()))
    return base + ".tar.gz"
