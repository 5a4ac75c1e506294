"""Runnable example flows, one per scenario of the Domino Flows artifacts documentation (see the README).

Each module runs with ``python examples/<file>.py`` and with ``pyflyte run examples/<file>.py <workflow>``. The
scripts their command tasks run are in ``examples/scripts``; the study data in ``examples/data``.
"""
