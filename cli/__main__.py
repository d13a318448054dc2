"""`python -m cli ...` is `inspectqa ...`."""

import sys

from cli.main import main

sys.exit(main())
