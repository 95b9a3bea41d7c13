__version__ = "0.44.0"
