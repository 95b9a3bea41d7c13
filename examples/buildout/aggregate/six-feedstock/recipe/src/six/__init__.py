"""six for the rebuild example."""
__version__ = "1.16.0"
PY3 = True
string_types = (str,)
