"""pluggy for the rebuild example: hook specs and implementations, called in LIFO order."""
__version__ = "1.5.0"


class PluginManager:
    def __init__(self, project):
        self.project, self._impls = project, {}

    def register(self, plugin):
        for name in dir(plugin):
            if not name.startswith("_"):
                self._impls.setdefault(name, []).append(getattr(plugin, name))

    def call(self, hook, **kwargs):
        return [impl(**kwargs) for impl in reversed(self._impls.get(hook, []))]
