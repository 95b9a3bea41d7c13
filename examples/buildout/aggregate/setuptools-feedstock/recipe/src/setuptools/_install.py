"""`python setup.py install`: copy the packages and modules into site-packages and write the
.dist-info conda-build expects from --single-version-externally-managed."""
import os
import shutil
import site


def metadata(attrs):
    lines = ["Metadata-Version: 2.1", f"Name: {attrs['name']}", f"Version: {attrs['version']}"]
    lines += [f"Requires-Dist: {r}" for r in attrs.get("install_requires", [])]
    return "\n".join(lines) + "\n"


def install(attrs, src):
    sp = site.getsitepackages()[0]
    for pkg in attrs.get("packages", []):
        if "." in pkg:
            continue  # copied with its top-level package
        shutil.copytree(os.path.join(src, pkg), os.path.join(sp, pkg), dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for mod in attrs.get("py_modules", []):
        shutil.copy(os.path.join(src, mod + ".py"), sp)
    dist = os.path.join(sp, f"{attrs['name'].replace('-', '_')}-{attrs['version']}.dist-info")
    os.makedirs(dist, exist_ok=True)
    with open(os.path.join(dist, "METADATA"), "w") as f:
        f.write(metadata(attrs))
    with open(os.path.join(dist, "INSTALLER"), "w") as f:
        f.write("setuptools\n")
    print(f"installed {attrs['name']} {attrs['version']} into {sp}")
