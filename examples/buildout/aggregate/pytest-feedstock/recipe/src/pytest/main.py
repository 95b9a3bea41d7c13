import runpy
import sys
import traceback

from pytest import __version__


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if "--version" in args:
        print(f"pytest {__version__}")
        return 0
    passed = failed = 0
    for path in [a for a in args if not a.startswith("-")]:
        namespace = runpy.run_path(path)
        for name, func in sorted(namespace.items()):
            if name.startswith("test_") and callable(func):
                try:
                    func()
                    passed += 1
                except Exception:
                    failed += 1
                    print(f"FAILED {path}::{name}")
                    traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0
