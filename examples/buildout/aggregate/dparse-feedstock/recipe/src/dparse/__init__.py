"""dparse for the rebuild example: requirements.txt lines to (name, specifier) pairs."""
from packaging.version import LegacyVersion, parse  # LegacyVersion: packaging < 22 only

__version__ = "0.6.3"


def parse_requirements(text):
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        for op in ("==", ">=", "<=", "~=", "<", ">"):
            if op in line:
                name, _, version = line.partition(op)
                out.append((name.strip(), op, parse(version.strip())))
                break
        else:
            out.append((line, "", None))
    return out
