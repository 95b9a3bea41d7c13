"""docutils for the rebuild example."""
__version__ = "0.21.2"
