"""setuptools for the rebuild example: setup() for setup.py files, find_packages(), and
`python setup.py install` (files copied into site-packages with a .dist-info, no egg)."""
import os
import sys

__version__ = "75.1.0"

#: The keyword arguments of the last setup() call (build_meta reads them).
last_setup = {}


def find_packages(where="."):
    found = []
    for root, dirs, files in sorted(os.walk(where)):
        dirs.sort()
        if "__init__.py" in files and root != where:
            found.append(os.path.relpath(root, where).replace(os.sep, "."))
    return found


def setup(**attrs):
    last_setup.clear()
    last_setup.update(attrs)
    args = sys.argv[1:]
    if args and args[0] == "install":
        from setuptools._install import install

        install(attrs, os.getcwd())
    return attrs
