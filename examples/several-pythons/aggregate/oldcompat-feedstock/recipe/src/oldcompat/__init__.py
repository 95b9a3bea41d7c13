"""A package not ported to python 3.14 yet, for the several-pythons example."""

VERSION = "2.0.3"
