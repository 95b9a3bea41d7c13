"""packaging 21.3's versions, with LegacyVersion (removed in packaging 22)."""
import re
import warnings

_PATTERN = re.compile(r"^v?(\d+(?:\.\d+)*)$")


class InvalidVersion(ValueError):
    pass


class Version:
    def __init__(self, version):
        if not _PATTERN.match(version.strip()):
            raise InvalidVersion(f"Invalid version: '{version}'")
        self.release = tuple(int(x) for x in version.strip().lstrip("v").split("."))

    def __lt__(self, other):
        return self.release < other.release

    def __eq__(self, other):
        return self.release == other.release


class LegacyVersion:
    """Any string at all, compared as text: what dparse falls back to."""

    def __init__(self, version):
        warnings.warn("Creating a LegacyVersion has been deprecated", DeprecationWarning)
        self.public = str(version)

    def __lt__(self, other):
        return self.public < other.public


def parse(version):
    try:
        return Version(version)
    except InvalidVersion:
        return LegacyVersion(version)
