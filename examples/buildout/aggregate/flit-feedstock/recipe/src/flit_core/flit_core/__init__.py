"""flit_core for the rebuild example: a PEP 517 backend (buildapi) with no dependencies."""
__version__ = "3.9.0"
