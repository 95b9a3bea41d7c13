"""urllib3 for the rebuild example: URL parsing (no network here)."""
from urllib.parse import urlsplit

__version__ = "2.2.2"


class Url(tuple):
    @property
    def host(self):
        return self[1]


def parse_url(url):
    parts = urlsplit(url)
    return Url((parts.scheme, parts.hostname, parts.port, parts.path or "/"))
