"""certifi for the rebuild example: where() names the CA bundle shipped next to this file."""
import os

__version__ = "2024.08.30"


def where():
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "cacert.pem")


def contents():
    with open(where(), encoding="ascii") as f:
        return f.read()
