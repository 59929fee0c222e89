"""Build the project's ``shared/`` package into ``functions/vendor/`` (the predeploy step).

``firebase deploy`` uploads only ``functions/``; ``functions/requirements.txt`` installs
the wheel this writes, so deploy, the emulator and the packaging test all get the same
library. Runs with any Python 3.11+, standard library only, offline: the wheel is built
by hand (pure Python, deterministic: same sources, same bytes).
"""

from __future__ import annotations

import base64
import hashlib
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT / "shared"
FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def _project() -> dict:
    return tomllib.loads((SHARED / "pyproject.toml").read_text())["project"]


def wheel_name() -> str:
    """The file name of the wheel ``build`` writes."""
    project = _project()
    return f"{project['name']}-{project['version']}-py3-none-any.whl"


def _sources() -> list[Path]:
    package = SHARED / _project()["name"]
    return sorted(
        p
        for p in package.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix in {".py", ".json", ".typed", ".txt"}
    )


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build(out_dir: Path) -> Path:
    """Write the wheel into ``out_dir`` (replacing older builds) and return its path."""
    project = _project()
    name, version = project["name"], project["version"]
    dist_info = f"{name}-{version}.dist-info"
    metadata = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: {project.get('description', '')}",
        f"Requires-Python: {project.get('requires-python', '>=3.11')}",
        *(f"Requires-Dist: {dep}" for dep in project.get("dependencies", [])),
    ]
    files: list[tuple[str, bytes]] = [
        (p.relative_to(SHARED).as_posix(), p.read_bytes()) for p in _sources()
    ]
    files.append((f"{dist_info}/METADATA", ("\n".join(metadata) + "\n").encode()))
    files.append(
        (
            f"{dist_info}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: gitalong-package-shared\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
    )
    record = [_record_line(n, d) for n, d in files] + [f"{dist_info}/RECORD,,"]
    files.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode()))

    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob(f"{name}-*.whl"):
        old.unlink()
    target = out_dir / wheel_name()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as wheel:
        for arcname, data in files:
            info = zipfile.ZipInfo(arcname, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            wheel.writestr(info, data)
    return target


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "functions" / "vendor"
    print(f"built {build(out)}")
