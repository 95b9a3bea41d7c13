"""typing_extensions for the rebuild example: what the example's packages import from it."""
from typing import Literal, Protocol, TypedDict, final  # noqa: F401

__version__ = "4.12.2"


def override(method):
    method.__override__ = True
    return method
