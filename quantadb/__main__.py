"""`python -m quantadb`: the same as the `quantadb` command."""

import sys

from quantadb.cli import main

sys.exit(main())
