"""``python -m deeplearning_tutorials.sweep``: the command; its code is
:mod:`deeplearning_tutorials.machinery.sweep`."""

import sys

from deeplearning_tutorials.machinery.sweep import main

if __name__ == "__main__":
    sys.exit(main())
