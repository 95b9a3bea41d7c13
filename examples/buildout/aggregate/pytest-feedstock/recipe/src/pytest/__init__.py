"""pytest for the rebuild example: collects test_* functions of the files given and runs them."""
import iniconfig  # noqa: F401  (pytest.ini)
import packaging.version  # noqa: F401
import pluggy

__version__ = "8.3.2"
hooks = pluggy.PluginManager("pytest")
