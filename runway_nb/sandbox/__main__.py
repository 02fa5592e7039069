"""`python -m runway_nb.sandbox [--port N] ...`: the same as `runway-nb sandbox ...`."""

import sys

from ..cli import main

if __name__ == "__main__":
    sys.exit(main(["sandbox", *sys.argv[1:]]))
