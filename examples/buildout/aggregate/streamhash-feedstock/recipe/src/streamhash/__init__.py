"""streamhash for the rebuild example: crc32c of a stream, chunk by chunk."""
import crc32c

__version__ = "0.4.0"


def hash_stream(stream, size=1 << 16):
    value = 0
    while chunk := stream.read(size):
        value = crc32c.crc32c(chunk, value)
    return value
