"""``python -m deeplearning_tutorials.reproduce``: the command; its code is
:mod:`deeplearning_tutorials.machinery.reproduce`."""

import sys

from deeplearning_tutorials.machinery.reproduce import main

if __name__ == "__main__":
    sys.exit(main())
