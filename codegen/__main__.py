"""`python -m codegen`: see codegen/generate.py."""

import sys

from codegen.generate import main

sys.exit(main())
