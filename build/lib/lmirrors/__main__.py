"""``python -m lmirrors ...`` runs the command line (see :mod:`lmirrors.cli`)."""

import sys

from .cli import main

sys.exit(main())
