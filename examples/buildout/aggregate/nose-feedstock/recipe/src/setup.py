# nose's setup.py reads its version with imp.load_source, as many setup.py files of its age do:
# imp is gone from python 3.12, so this build fails there.
import imp

from setuptools import setup

version = imp.load_source("nose.version", "nose/version.py").__version__
setup(name="nose", version=version, packages=["nose"])
