"""File summaries (schema, statistics, first rows, thumbnails), their text and HTML rendering, their diffs, and
DataFrame values written in the format of a file's extension.

Importing this package is cheap: pandas, pyarrow, Pillow, pypdf and pyreadstat are imported only by the functions
that read or write files, and rendering reads only the stored summary dict.
"""

from .budget import Budget
from .summarize import SUMMARY_VERSION, summarize

__all__ = ["Budget", "SUMMARY_VERSION", "summarize"]
