"""wincertstore for the rebuild example (windows only; never built on linux)."""
__version__ = "0.2.1"


def CertSystemStore(name):
    import _ssl

    return _ssl.enum_certificates(name)
