import sys

from pip._install import main

sys.exit(main())
