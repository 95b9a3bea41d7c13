"""nose for the rebuild example: dead upstream since 2015; its setup.py loads the version with imp."""
from nose.version import __version__  # noqa: F401
