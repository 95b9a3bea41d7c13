"""httpretty for the rebuild example: builds on 3.13, but its import needs distutils (removed in 3.12)."""
from distutils.version import LooseVersion

__version__ = "1.1.4"
VERSION = LooseVersion(__version__)
