"""File summaries (schema, statistics, first rows, thumbnails), their text and HTML rendering, their diffs, and
DataFrame values written in the format of a file's extension.

Importing this package is cheap: pandas, pyarrow, Pillow, pypdf, pyreadstat and rich are imported only by the
functions that need them, and rendering reads only the stored summary dict, never the file.
"""

from .budget import Budget
from .diff import diff_summaries
from .frames import FrameFormat, accepts, read_frame, register_format, registered_formats, write_frame
from .render_diff import render_diff_text
from .render_html import render_html
from .render_text import print_summary, render_text
from .summarize import SUMMARY_VERSION, first_rows, summarize

__all__ = [
    "Budget",
    "FrameFormat",
    "SUMMARY_VERSION",
    "accepts",
    "diff_summaries",
    "first_rows",
    "print_summary",
    "read_frame",
    "register_format",
    "registered_formats",
    "render_diff_text",
    "render_html",
    "render_text",
    "summarize",
    "write_frame",
]
