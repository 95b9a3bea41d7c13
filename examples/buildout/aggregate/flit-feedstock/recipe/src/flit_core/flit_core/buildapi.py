"""PEP 517 build_wheel for projects described by pyproject.toml's [project] table: the import
package is the project name with '-' as '_', found at the top of the tree or under src/. The wheel's
bytes depend only on the files (sorted members, a fixed date), as flit's do."""
import base64
import hashlib
import os
import tomllib
import zipfile

DATE = (1980, 1, 1, 0, 0, 0)


def _project():
    with open("pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def _module_files(module):
    for root in (".", "src"):
        pkg = os.path.join(root, module)
        if os.path.isdir(pkg):
            out = {}
            for dirpath, dirs, files in os.walk(pkg):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__")
                for name in sorted(files):
                    path = os.path.join(dirpath, name)
                    out[os.path.relpath(path, root).replace(os.sep, "/")] = open(path, "rb").read()
            return out
        if os.path.isfile(pkg + ".py"):
            return {module + ".py": open(pkg + ".py", "rb").read()}
    raise FileNotFoundError(f"flit_core: no module {module!r} (looked for {module}/ and {module}.py, at the top and under src/)")


def _hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project = _project()
    name, version = project["name"], project["version"]
    dist = name.replace("-", "_").replace(".", "_")
    info = f"{dist}-{version}.dist-info"
    members = _module_files(project.get("module", dist))
    meta = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    meta += [f"Requires-Dist: {r}" for r in project.get("dependencies", [])]
    members[f"{info}/METADATA"] = ("\n".join(meta) + "\n").encode()
    members[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: flit 3.9.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    scripts = project.get("scripts", {})
    if scripts:
        members[f"{info}/entry_points.txt"] = ("[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in sorted(scripts.items()))).encode()
    record = "".join(f"{p},{_hash(d)},{len(d)}\n" for p, d in sorted(members.items())) + f"{info}/RECORD,,\n"
    members[f"{info}/RECORD"] = record.encode()
    filename = f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(members):
            zi = zipfile.ZipInfo(path, DATE)
            zi.external_attr = 0o644 << 16
            zf.writestr(zi, members[path])
    return filename
