__version__ = "24.2"
