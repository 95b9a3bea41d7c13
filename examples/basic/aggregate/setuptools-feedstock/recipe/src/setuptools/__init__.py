__version__ = "75.1.0"
