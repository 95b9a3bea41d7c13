# The example python is the host's python3 dressed as 3.13: its prefix is the environment's, and the
# modules 3.12 removed are gone (the example's nose build depends on that to fail as it does on 3.12+).
import os
import sys

assert os.path.exists(os.path.join(sys.prefix, "bin", "python")), sys.prefix
try:
    import imp  # noqa: F401
except ModuleNotFoundError:
    pass
else:
    raise SystemExit("imp imported: this python should not have it")
print("python", sys.prefix, "ok")
