from setuptools import setup

setup(name="setuptools", version="75.1.0", packages=["setuptools"], install_requires=["certifi"])
