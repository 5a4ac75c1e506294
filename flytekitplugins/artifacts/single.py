"""A task run on its own (``pyflyte run file.py my_task``, or calling it outside a workflow) has no recorder
node: its artifact outputs are recorded right after it returns, through the same ``record_files``."""

from __future__ import annotations

import typing

from flytekit.core.promise import Promise

from .recorder import record_files
from .transformer import declaration_of


def record_task_run(task: typing.Any, result: typing.Any) -> None:
    items, uris = [], []
    promises = result if isinstance(result, tuple) else (result,)
    by_var = {p.var: p for p in promises if isinstance(p, Promise) and p.is_ready}
    for out, t in task.python_interface.outputs.items():
        decl = declaration_of(t)
        p = by_var.get(out)
        if decl is None or p is None or p.val.scalar is None or p.val.scalar.blob is None:
            continue
        items.append({**decl.as_dict(), "node_id": "n0", "task": task.name, "output_name": out, "workflow": task.name})
        uris.append(p.val.scalar.blob.uri)
    if items:
        record_files({"files": items, "code_version": None}, uris)
