"""`python -m dap_threads`: the same as the `dap-threads` command."""

import sys

from .cli.main import main

sys.exit(main())
