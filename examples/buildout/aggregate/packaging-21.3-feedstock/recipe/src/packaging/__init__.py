__version__ = "21.3"
