"""tensorflow for the rebuild example: blocklisted (too heavy for the campaign), never built."""
import packaging.version
import typing_extensions  # noqa: F401

__version__ = "2.17.0"
VERSION = packaging.version.Version(__version__)
