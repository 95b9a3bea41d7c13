"""crc32c for the rebuild example: the C library next to this file, through ctypes."""
import ctypes
import os
import sys

__version__ = "2.4.1"

_lib = ctypes.CDLL(os.path.join(os.path.dirname(os.path.abspath(__file__)), "libcrc32c" + (".dylib" if sys.platform == "darwin" else ".so")))
_lib.crc32c_extend.restype = ctypes.c_uint32
_lib.crc32c_extend.argtypes = (ctypes.c_uint32, ctypes.c_char_p, ctypes.c_size_t)


def crc32c(data, value=0):
    return _lib.crc32c_extend(value, bytes(data), len(data))
