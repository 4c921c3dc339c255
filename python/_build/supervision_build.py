"""The in-tree PEP 517 backend of the supervisord-crate Python package.

Standard library only, so building needs no download: `pip install
python/` works offline once the components exist. A wheel is the package's
sources plus the WebAssembly components, a pure `py3-none-any` wheel; an
sdist carries the components too, so it builds anywhere.

Components come from the package directory's `components/` when it has
them (an unpacked sdist), else from `SUPERVISION_COMPONENTS_DIR`, else from
the workspace's `target/components` (see `[tool.supervision-build]`).
"""

import base64
import hashlib
import io
import os
import tarfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class BuildError(Exception):
    """The package cannot be built as it is."""


def _config():
    with open(ROOT / "pyproject.toml", "rb") as f:
        pyproject = tomllib.load(f)
    return pyproject["project"], pyproject["tool"]["supervision-build"]


def _dist_name(project):
    return project["name"].replace("-", "_")


def _components(build):
    """(name, path) of every bundled component, checked to exist."""
    package = ROOT / build["package"]
    sources = [package / "components"]
    if os.environ.get("SUPERVISION_COMPONENTS_DIR"):
        sources.append(Path(os.environ["SUPERVISION_COMPONENTS_DIR"]))
    sources.append((ROOT / build["components-dir"]).resolve())
    for source in sources:
        paths = [(name, source / f"{name}.wasm") for name in build["components"]]
        if all(path.is_file() for _, path in paths):
            return paths
    wanted = " ".join(build["components"])
    raise BuildError(
        f"the components {wanted} are not built (looked in "
        + ", ".join(str(s) for s in sources)
        + f"); build them first: cargo run -p component-build --features cli -- {wanted}"
    )


def _sources(build):
    """Python sources and data of the package, by path relative to ROOT."""
    package = ROOT / build["package"]
    for path in sorted(package.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".wasm":
            continue
        yield path


def _metadata(project):
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
        f"Summary: {project['description']}",
        f"License: {project['license']}",
        f"Requires-Python: {project['requires-python']}",
    ]
    lines += [f"Classifier: {c}" for c in project.get("classifiers", [])]
    lines += [f"Requires-Dist: {d}" for d in project.get("dependencies", [])]
    for extra, deps in project.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {d}; extra == "{extra}"' for d in deps]
    readme = ROOT / project.get("readme", "README.md")
    text = "\n".join(lines) + "\n"
    if readme.is_file():
        text += "Description-Content-Type: text/markdown\n\n" + readme.read_text(encoding="utf-8")
    return text


def _record_hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project, build = _config()
    dist = _dist_name(project)
    version = project["version"]
    info = f"{dist}-{version}.dist-info"
    package = ROOT / build["package"]
    files = {}
    for path in _sources(build):
        files[f"{package.name}/{path.relative_to(package).as_posix()}"] = path.read_bytes()
    for name, path in _components(build):
        files[f"{package.name}/components/{name}.wasm"] = path.read_bytes()
    files[f"{info}/METADATA"] = _metadata(project).encode()
    files[f"{info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: supervision_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    ).encode()
    files[f"{info}/top_level.txt"] = f"{package.name}\n".encode()
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files.items())
    record += f"{info}/RECORD,,\n"
    files[f"{info}/RECORD"] = record.encode()
    filename = f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(Path(wheel_directory) / filename, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in files.items():
            # Fixed timestamps: the same sources give the same wheel.
            entry = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(entry, data)
    return filename


def build_sdist(sdist_directory, config_settings=None):
    project, build = _config()
    base = f"{_dist_name(project)}-{project['version']}"
    package = ROOT / build["package"]
    filename = f"{base}.tar.gz"

    def add(tar, arcname, data):
        entry = tarfile.TarInfo(f"{base}/{arcname}")
        entry.size = len(data)
        entry.mode = 0o644
        entry.mtime = 1577836800
        tar.addfile(entry, io.BytesIO(data))

    with tarfile.open(Path(sdist_directory) / filename, "w:gz") as tar:
        for name in ("pyproject.toml", "README.md", "_build/supervision_build.py"):
            add(tar, name, (ROOT / name).read_bytes())
        for path in _sources(build):
            add(tar, path.relative_to(ROOT).as_posix(), path.read_bytes())
        for name, path in _components(build):
            add(tar, f"{build['package']}/components/{name}.wasm", path.read_bytes())
        add(tar, "PKG-INFO", _metadata(project).encode())
    return filename
