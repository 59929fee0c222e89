"""What ``firebase deploy`` uploads works on its own: a fresh venv from its requirements.txt imports main."""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _deploy_upload(target: Path) -> None:
    """Run the predeploy hooks as firebase-tools does, then copy the source minus its ignore list."""
    config = json.loads((ROOT / "firebase.json").read_text())["functions"][0]
    source = ROOT / config["source"]
    env = {**os.environ, "PROJECT_DIR": str(ROOT), "RESOURCE_DIR": str(source)}
    for hook in config["predeploy"]:
        subprocess.run(hook, shell=True, check=True, cwd=ROOT, env=env, capture_output=True)
    ignored = config["ignore"]

    def ignore(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if any(fnmatch.fnmatch(n, pattern) for pattern in ignored)}

    shutil.copytree(source, target, ignore=ignore)


@pytest.mark.slow
def test_the_deployed_folder_installs_and_imports_main_without_the_repository(tmp_path: Path) -> None:
    upload = tmp_path / "upload"
    _deploy_upload(upload)
    assert not (upload / "venv").exists()
    assert list((upload / "vendor").glob("gitalong-*.whl")), "the predeploy step must vendor the shared wheel"

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", "requirements.txt"],
        cwd=upload, capture_output=True, text=True,
    )
    assert install.returncode == 0, install.stderr[-3000:]

    probe = (
        "import sys, json; sys.path.insert(0, '.');"
        "import main, gitalong;"
        "print(json.dumps({'path': sys.path, 'gitalong': gitalong.__file__,"
        " 'functions': sorted(n for n in main.__all__)}))"
    )
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run([str(python), "-c", probe], cwd=upload, capture_output=True, text=True, env=clean_env)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert str(ROOT) not in report["path"] and str(ROOT / "shared") not in report["path"]
    assert report["gitalong"].startswith(str(env_dir)), "gitalong must come from the installed wheel"
    assert {"health", "sync_profile"} <= set(report["functions"])
    assert sys.version_info >= (3, 11)
