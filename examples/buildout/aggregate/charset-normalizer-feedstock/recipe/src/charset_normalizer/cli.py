import sys

from charset_normalizer import __version__, detect


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--version"]:
        print(f"charset-normalizer {__version__}")
        return 0
    for path in args:
        with open(path, "rb") as f:
            print(path, detect(f.read())["encoding"])
    return 0
