"""Version parsing and comparison (release segments and pre-releases; the example's subset)."""
import re

_PATTERN = re.compile(r"^v?(\d+(?:\.\d+)*)(?:(a|b|rc)(\d+))?$")


class InvalidVersion(ValueError):
    pass


class Version:
    def __init__(self, version):
        m = _PATTERN.match(version.strip())
        if not m:
            raise InvalidVersion(f"Invalid version: '{version}'")
        self.release = tuple(int(x) for x in m.group(1).split("."))
        self.pre = (m.group(2), int(m.group(3))) if m.group(2) else None
        self._key = (self.release + (0,) * (8 - len(self.release)), self.pre or ("z", 0))

    def __lt__(self, other):
        return self._key < other._key

    def __eq__(self, other):
        return self._key == other._key

    def __hash__(self):
        return hash(self._key)

    def __repr__(self):
        return f"<Version('{'.'.join(map(str, self.release))}')>"


def parse(version):
    return Version(version)
