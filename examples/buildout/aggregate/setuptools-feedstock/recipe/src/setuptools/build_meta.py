"""The PEP 517 backend of the example's setuptools. Metadata comes from pyproject.toml's [project]
table, else from setup.py's setup() call; the wheel is written by the wheel package (as setuptools
needed `wheel` for bdist_wheel before version 70)."""
import os
import runpy
import sys
import tomllib

import setuptools


def _project():
    if os.path.exists("pyproject.toml"):
        with open("pyproject.toml", "rb") as f:
            project = tomllib.load(f).get("project")
        if project:
            return {
                "name": project["name"], "version": project["version"],
                "install_requires": project.get("dependencies", []),
                "packages": setuptools.find_packages("src") or setuptools.find_packages("."),
                "entry_points": {"console_scripts": [f"{k} = {v}" for k, v in project.get("scripts", {}).items()]},
            }
    argv = sys.argv
    sys.argv = ["setup.py", "egg_info"]
    try:
        runpy.run_path("setup.py", run_name="__main__")
    finally:
        sys.argv = argv
    return dict(setuptools.last_setup)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    from wheel.wheelfile import write_wheel

    attrs = _project()
    root = "src" if os.path.isdir("src") else "."
    files = {}
    for pkg in attrs.get("packages", []):
        d = os.path.join(root, *pkg.split("."))
        for name in sorted(os.listdir(d)):
            if name.endswith(".py") or not name.startswith(("_", ".")) and os.path.isfile(os.path.join(d, name)):
                files[f"{pkg.replace('.', '/')}/{name}"] = open(os.path.join(d, name), "rb").read()
    for mod in attrs.get("py_modules", []):
        files[f"{mod}.py"] = open(os.path.join(root, mod + ".py"), "rb").read()
    scripts = [s.replace(" ", "") for s in attrs.get("entry_points", {}).get("console_scripts", [])]
    return write_wheel(wheel_directory, attrs["name"], attrs["version"], files,
                       requires=attrs.get("install_requires", []), console_scripts=scripts, generator="setuptools")


# pip falls back to this name when a source tree has a setup.py and no pyproject.toml.
__legacy__ = sys.modules[__name__]
