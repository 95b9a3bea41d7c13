"""Makes the host's python3 behave as the example's python @VERSION@ (see bin/python@PY_VER@).

- sys.prefix and sys.executable point at this prefix, as they would in a conda environment;
- the host's own site-packages are dropped from sys.path: only this prefix's packages import;
- the modules python 3.12 and 3.13 removed cannot be imported (PEP 594, PEP 632).
"""
import os
import sys

REMOVED = {
    # 3.12
    "imp": "3.12", "distutils": "3.12", "asynchat": "3.12", "asyncore": "3.12", "smtpd": "3.12",
    # 3.13 (PEP 594)
    "aifc": "3.13", "audioop": "3.13", "cgi": "3.13", "cgitb": "3.13", "chunk": "3.13", "crypt": "3.13",
    "imghdr": "3.13", "mailcap": "3.13", "msilib": "3.13", "nis": "3.13", "nntplib": "3.13",
    "ossaudiodev": "3.13", "pipes": "3.13", "sndhdr": "3.13", "spwd": "3.13", "sunau": "3.13",
    "telnetlib": "3.13", "uu": "3.13", "xdrlib": "3.13", "lib2to3": "3.13",
}


class RemovedModuleFinder:
    """A meta path finder that refuses the modules this python no longer has."""

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in REMOVED:
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return None


_site = os.path.dirname(os.path.abspath(__file__))
_prefix = os.path.dirname(os.path.dirname(os.path.dirname(_site)))
sys.prefix = sys.exec_prefix = _prefix
sys.executable = os.path.join(_prefix, "bin", "python@PY_VER@")
sys.path[:] = [p for p in sys.path if p.startswith(_prefix) or not p.rstrip("/").endswith(("site-packages", "dist-packages"))]
for _name in [m for m in sys.modules if m.partition(".")[0] in REMOVED]:
    del sys.modules[_name]
sys.meta_path.insert(0, RemovedModuleFinder())

import site  # noqa: E402

site.getsitepackages = lambda prefixes=None: [_site]
