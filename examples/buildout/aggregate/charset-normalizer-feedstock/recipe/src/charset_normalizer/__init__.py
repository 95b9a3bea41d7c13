"""charset-normalizer for the rebuild example: the first of a few encodings that decodes."""
__version__ = "3.3.2"

CANDIDATES = ("ascii", "utf-8", "utf-16", "cp1252", "latin-1")


def detect(data):
    for encoding in CANDIDATES:
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return {"encoding": encoding, "confidence": 1.0 if encoding != "latin-1" else 0.5}
    return {"encoding": None, "confidence": 0.0}
