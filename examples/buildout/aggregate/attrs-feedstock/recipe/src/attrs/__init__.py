from attr import __version__, define  # noqa: F401
