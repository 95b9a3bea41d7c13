import sys

from pytest.main import main

sys.exit(main())
