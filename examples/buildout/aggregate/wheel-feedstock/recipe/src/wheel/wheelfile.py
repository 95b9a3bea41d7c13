"""Writes a wheel (PEP 427) whose bytes depend only on its contents: sorted members, a fixed date."""
import base64
import hashlib
import os
import zipfile

DATE = (1980, 1, 1, 0, 0, 0)


def _record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def write_wheel(directory, name, version, files, requires=(), console_scripts=(), generator="wheel"):
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    meta = [f"Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"] + [f"Requires-Dist: {r}" for r in requires]
    members = dict(files)
    members[f"{info}/METADATA"] = ("\n".join(meta) + "\n").encode()
    members[f"{info}/WHEEL"] = f"Wheel-Version: 1.0\nGenerator: {generator}\nRoot-Is-Purelib: true\nTag: py3-none-any\n".encode()
    if console_scripts:
        members[f"{info}/entry_points.txt"] = ("[console_scripts]\n" + "\n".join(s.replace("=", " = ") for s in console_scripts) + "\n").encode()
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in sorted(members.items()))
    members[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    filename = f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, filename), "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(members):
            zi = zipfile.ZipInfo(path, DATE)
            zi.external_attr = 0o644 << 16
            zf.writestr(zi, members[path])
    return filename
