"""requests for the rebuild example: builds a request from its parts (no network here)."""
import certifi
import charset_normalizer
import idna
import urllib3

__version__ = "2.32.3"


def prepare(method, url):
    scheme, host, port, path = urllib3.parse_url(url)
    return {"method": method.upper(), "host": idna.encode(host).decode(), "port": port or (443 if scheme == "https" else 80),
            "path": path, "verify": certifi.where(), "detector": charset_normalizer.__name__}
