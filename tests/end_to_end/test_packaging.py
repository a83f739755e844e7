"""The wheel a user installs: it builds without warning and carries the deploy tree, identical to deploy/.

The wheel is built by pip as a user's ``pip install .`` or ``pipx install`` would
(isolated build, the setuptools pyproject.toml asks for), installed without its
dependencies into a fresh virtual environment, and ``linky-exporter deploy-files``
run there: it must write every file of the repository's deploy/, byte for byte.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--quiet", "--disable-pip-version-check", "-w", str(work)],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr
    warnings = [line for line in build.stderr.splitlines() if "Warning" in line or "deprecat" in line.lower()]
    assert warnings == [], warnings
    wheel = next(work.glob("linky_exporter-*.whl"))
    env = work / "env"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--quiet", "--disable-pip-version-check", str(wheel)],
                   check=True, timeout=300)
    yield python
    shutil.rmtree(work, ignore_errors=True)


def run(python: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    """The installed copy, run away from this checkout (``-m`` would otherwise import the checkout's package)."""
    return subprocess.run([python, *args], capture_output=True, text=True, timeout=60, cwd=Path(python).parents[2], **kwargs)


def tracked(folder: str) -> list[str]:
    return subprocess.check_output(["git", "ls-files", folder], cwd=ROOT, text=True).split()


def test_an_installed_copy_writes_the_deploy_tree_of_the_repository(installed, tmp_path):
    out = tmp_path / "linky-deploy"
    result = run(installed, "-m", "linky_exporter", "deploy-files", str(out))
    assert result.returncode == 0, result.stderr
    source = run(installed, "-m", "linky_exporter", "deploy-files", "--print-source", check=True).stdout.strip()
    assert "share/linky-exporter/deploy" in source and not source.startswith(str(ROOT))  # the installed copy, not this checkout
    written = sorted(str(path.relative_to(out)) for path in out.rglob("*") if path.is_file())
    expected = sorted(str(Path(name).relative_to("deploy")) for name in tracked("deploy"))
    assert written == expected
    for name in expected:
        assert (out / name).read_bytes() == (ROOT / "deploy" / name).read_bytes(), name


def test_deploy_files_never_overwrites_unless_asked(installed, tmp_path):
    out = tmp_path / "d"
    run(installed, "-m", "linky_exporter", "deploy-files", str(out), check=True)
    again = run(installed, "-m", "linky_exporter", "deploy-files", str(out))
    assert again.returncode == 1 and "--force" in again.stderr and "Traceback" not in again.stderr
    forced = run(installed, "-m", "linky_exporter", "deploy-files", "--force", str(out))
    assert forced.returncode == 0


def test_the_wheel_carries_the_live_page_and_the_licence(installed):
    site = run(installed, "-c", "import linky_exporter, pathlib; print(pathlib.Path(linky_exporter.__file__).parent)",
               check=True).stdout.strip()
    assert not site.startswith(str(ROOT))
    assert (Path(site) / "exposition" / "live_page.js").is_file() and (Path(site) / "exposition" / "live_page.css").is_file()
    licences = list(Path(site).parent.glob("linky_exporter-*.dist-info/licenses/LICENSE"))
    assert licences and licences[0].read_bytes() == (ROOT / "LICENSE").read_bytes()
