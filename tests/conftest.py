"""Test configuration: make the repository root importable.

`scripts.book` (execution / glue helpers for the chapter tests) and `lmirrors`
then import without installing anything beyond the venv.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
