"""Where the tests find the repository's files, wherever in ``tests/`` the test module sits."""

import os

TESTS = os.path.dirname(os.path.abspath(__file__))  # also the source folder of the ``flows`` package
REPO = os.path.dirname(TESTS)
EXAMPLES = os.path.join(REPO, "examples")
