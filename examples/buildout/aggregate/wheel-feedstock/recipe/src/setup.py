from setuptools import setup

setup(name="wheel", version="0.44.0", packages=["wheel"])
