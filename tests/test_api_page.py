"""The API page documents every module of the package (a missing one breaks the -W book build)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_module_is_on_the_api_page():
    page = (ROOT / "api.md").read_text()
    package = ROOT / "lmirrors"
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in package.rglob("*.py")
        if p.stem != "__main__"
    )
    missing = [m for m in modules if f"automodule:: {m}\n" not in page]
    assert not missing, f"add these modules to api.md: {missing}"
    assert "lmirrors.libraries.reflections" in modules and "lmirrors" in modules, "the walk missed the subpackages"
