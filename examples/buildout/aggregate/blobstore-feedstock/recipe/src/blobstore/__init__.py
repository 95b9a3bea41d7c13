"""blobstore for the rebuild example: content-addressed blobs checked with crc32c."""
import crc32c
import typing_extensions  # noqa: F401

__version__ = "1.2.0"


class Store:
    def __init__(self):
        self.blobs = {}

    def put(self, data):
        key = f"{crc32c.crc32c(data):08x}"
        self.blobs[key] = data
        return key

    def get(self, key):
        data = self.blobs[key]
        if f"{crc32c.crc32c(data):08x}" != key:
            raise ValueError(f"blob {key} is corrupt")
        return data
