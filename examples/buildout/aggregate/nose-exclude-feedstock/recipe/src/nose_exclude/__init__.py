"""nose-exclude for the rebuild example: a nose plugin that skips directories."""
import nose

__version__ = "0.5.0"
NOSE_VERSION = nose.__version__


class NoseExclude:
    name = "exclude"

    def __init__(self, dirs=()):
        self.dirs = set(dirs)

    def wantDirectory(self, path):
        return None if path not in self.dirs else False
