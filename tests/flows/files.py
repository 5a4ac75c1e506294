"""What test tasks use to produce files: a fresh temp folder per file, as real tasks write them."""

import os
import tempfile


def write(name: str, text: str) -> str:
    path = os.path.join(tempfile.mkdtemp(prefix="task-out-"), name)
    with open(path, "w") as f:
        f.write(text)
    return path
