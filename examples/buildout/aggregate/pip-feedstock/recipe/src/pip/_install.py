"""The example's pip: the two commands conda recipes use.

    python -m pip install <dir> [--no-deps] [--no-build-isolation] [-v...]
        builds a wheel with the source tree's PEP 517 backend (pyproject.toml [build-system],
        `backend-path` honoured; setup.py alone means setuptools' legacy backend), without build
        isolation: the backend must already be installed, as in a conda host environment; then
        installs the wheel into site-packages with its console scripts.
    python -m pip check
        every installed distribution's Requires-Dist is installed.
"""
import base64
import hashlib
import importlib
import os
import re
import site
import sys
import tempfile
import tomllib
import traceback
import zipfile

from pip import __version__


def _backend(src):
    path = os.path.join(src, "pyproject.toml")
    system = {}
    if os.path.exists(path):
        with open(path, "rb") as f:
            system = tomllib.load(f).get("build-system", {})
    name = system.get("build-backend", "setuptools.build_meta:__legacy__")
    for p in reversed(system.get("backend-path", [])):
        sys.path.insert(0, os.path.join(src, p))
    module, _, attr = name.partition(":")
    print(f"pip: build backend {name}")
    backend = importlib.import_module(module)
    return getattr(backend, attr) if attr else backend


def _script(name, target, prefix):
    module, _, func = target.strip().partition(":")
    path = os.path.join(prefix, "bin", name)
    with open(path, "w") as f:
        # Linux reads at most 127 bytes of a #! line (a conda build prefix is longer): then pip's
        # trampoline through /bin/sh, as distlib writes it.
        shebang = f"#!{sys.executable}\n"
        if len(shebang) > 127:
            shebang = f"#!/bin/sh\n'''exec' \"{sys.executable}\" \"$0\" \"$@\"\n' '''\n"
        f.write(f"{shebang}import sys\nfrom {module} import {func}\nsys.exit({func}())\n")
    os.chmod(path, 0o755)
    return path


def install_wheel(wheel):
    sp = site.getsitepackages()[0]
    prefix = sys.prefix
    with zipfile.ZipFile(wheel) as zf:
        names = sorted(zf.namelist())
        zf.extractall(sp, names)
    info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    with open(os.path.join(sp, info, "INSTALLER"), "w") as f:
        f.write("pip\n")
    entry_points = os.path.join(sp, info, "entry_points.txt")
    if os.path.exists(entry_points):
        section = None
        for line in open(entry_points):
            line = line.strip()
            if line.startswith("["):
                section = line.strip("[]")
            elif section == "console_scripts" and "=" in line:
                name, target = (x.strip() for x in line.split("=", 1))
                os.makedirs(os.path.join(prefix, "bin"), exist_ok=True)
                print(f"pip: script {_script(name, target, prefix)}")
    print(f"Successfully installed {info[: -len('.dist-info')].replace('-', ' ', 1)}")


def install(src):
    src = os.path.abspath(src)
    cwd = os.getcwd()
    os.chdir(src)
    try:
        backend = _backend(src)
        with tempfile.TemporaryDirectory() as out:
            wheel = backend.build_wheel(out)
            print(f"pip: built {wheel}")
            install_wheel(os.path.join(out, wheel))
    except Exception as e:
        # As pip does: the project's part of the traceback (frames of this environment's own
        # packages left out), then one line that says what failed.
        frames = [f for f in traceback.extract_tb(e.__traceback__) if not os.path.abspath(f.filename).startswith(sys.prefix + os.sep) and not f.filename.startswith("<")]
        print("Traceback (most recent call last, frames of the project only):", file=sys.stderr)
        print("".join(traceback.format_list(frames) + traceback.format_exception_only(e)), end="", file=sys.stderr)
        print(f"ERROR: Failed building wheel: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    finally:
        os.chdir(cwd)
    return 0


REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def check():
    installed, requires = {}, {}
    for path in sys.path:
        if not os.path.isdir(path):
            continue
        for entry in sorted(os.listdir(path)):
            meta = os.path.join(path, entry, "METADATA")
            if not entry.endswith(".dist-info") or not os.path.exists(meta):
                continue
            fields = [line.rstrip("\n").split(": ", 1) for line in open(meta) if ": " in line]
            name = _canonical(next(v for k, v in fields if k == "Name"))
            installed.setdefault(name, next(v for k, v in fields if k == "Version"))
            requires.setdefault(name, [v for k, v in fields if k == "Requires-Dist" and "extra ==" not in v])
    broken = 0
    for name in sorted(requires):
        for req in requires[name]:
            want = _canonical(REQ_NAME.match(req).group(1))
            if want not in installed:
                print(f"{name} {installed[name]} requires {want}, which is not installed.")
                broken += 1
    if not broken:
        print("No broken requirements found.")
    return 1 if broken else 0


def main(argv=None):
    sys.stdout.reconfigure(line_buffering=True)  # our lines and the tracebacks in the order they happen
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if args[0] in ("--version", "-V"):
        print(f"pip {__version__} from {os.path.dirname(os.path.abspath(__file__))}")
        return 0
    if args[0] == "check":
        return check()
    if args[0] == "install":
        sources = [a for a in args[1:] if not a.startswith("-")]
        if len(sources) != 1:
            print("pip: the example's pip installs exactly one source directory", file=sys.stderr)
            return 2
        return install(sources[0])
    print(f"ERROR: unknown command \"{args[0]}\"", file=sys.stderr)
    return 1
