"""The API page documents every module of the package (a missing one breaks the -W book build)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_module_is_on_the_api_page():
    page = (ROOT / "api.md").read_text()
    modules = sorted(p.stem for p in (ROOT / "lmirrors").glob("*.py") if not p.stem.startswith("__"))
    missing = [m for m in modules if f"automodule:: lmirrors.{m}\n" not in page]
    assert not missing, f"add these modules to api.md: {missing}"
