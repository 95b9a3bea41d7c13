"""flit for the rebuild example: the command line (flit --version) over flit_core."""
import sys

import docutils
import flit_core
import tomli_w

__version__ = "3.9.0"


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--version"]:
        print(f"flit {__version__} (flit_core {flit_core.__version__}, docutils {docutils.__version__}, tomli-w {tomli_w.__version__})")
        return 0
    print("usage: flit --version", file=sys.stderr)
    return 2
