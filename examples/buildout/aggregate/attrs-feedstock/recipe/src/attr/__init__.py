"""attrs for the rebuild example: @define makes __init__ and __repr__ from annotations."""
__version__ = "24.2.0"


def define(cls):
    fields = list(getattr(cls, "__annotations__", {}))

    def __init__(self, *args, **kwargs):
        for name, value in zip(fields, args):
            setattr(self, name, value)
        for name in fields[len(args):]:
            setattr(self, name, kwargs.pop(name) if name in kwargs else getattr(cls, name))

    def __repr__(self):
        return f"{cls.__name__}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in fields) + ")"

    cls.__init__, cls.__repr__ = __init__, __repr__
    return cls
