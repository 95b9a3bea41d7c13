"""tomli-w for the rebuild example: dumps() writes a flat table of str, int, bool and lists."""
__version__ = "1.0.0"


def _value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"tomli_w: cannot write {type(v).__name__}")


def dumps(table):
    return "".join(f"{k} = {_value(v)}\n" for k, v in table.items())
