"""keras for the rebuild example: needs tensorflow, so it waits for tensorflow's rebuild."""
import tensorflow

__version__ = "3.5.0"
BACKEND = f"tensorflow {tensorflow.__version__}"
