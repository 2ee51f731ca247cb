"""``python -m dmzwatch``."""

import sys

from .cli import main

sys.exit(main())
