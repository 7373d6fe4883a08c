"""A normal (non-editable) install works: the wheel carries every subpackage and data/.

The wheel is built without build isolation (setuptools comes from the project's venv) and
installed into a fresh venv (``pip --target``) that borrows the project venv's site-packages for the
dependencies, through a ``.pth`` line; the editable install's own ``.pth`` files are not read
from a borrowed directory, so ``import lmirrors`` there can only find the wheel.
"""

import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SMOKE = """
import pathlib, sys
import numpy as np
import lmirrors
from lmirrors.datasets import load_bitcoin, data_directory
assert "site-packages" in lmirrors.__file__, lmirrors.__file__
assert data_directory() == pathlib.Path(lmirrors.__file__).parent / "data", data_directory()
series = load_bitcoin()
assert len(series.close) > 100
fit = lmirrors.fit(np.arange(6.0), np.array([0, 1, 0, 2, 1, 3.0]), beta=0.1)
assert fit.solution.gap < 1e-8
print("ok", len(series.close), lmirrors.__file__)
"""


def test_every_subpackage_is_listed_for_the_wheel():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "lmirrors").rglob("__init__.py")
    }
    assert on_disk <= listed, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(on_disk - listed)}"
    assert "lmirrors.data" in listed


def test_an_installed_wheel_loads_the_data_and_fits(tmp_path):
    # Built from a copy: setuptools leaves build/ and *.egg-info/ in the source tree.
    source = tmp_path / "source"
    source.mkdir()
    for part in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / part, source / part)
    for part in ("lmirrors", "data"):
        shutil.copytree(ROOT / part, source / part, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(source)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = wheels.glob("lmirrors-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    python = venv / "bin" / "python"
    install = subprocess.run(
        # --target: the borrowed directory holds the editable install's metadata, which plain
        # `pip install` would take for "already satisfied".
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    smoke = subprocess.run(
        [str(python), "-c", SMOKE], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert smoke.returncode == 0 and smoke.stdout.startswith("ok"), smoke.stdout + smoke.stderr[-3000:]
