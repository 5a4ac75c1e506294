"""``run_domino_job_task``, ``Input`` and ``Output``: Domino Flows' helper, as a command task of this plugin.

Mirrors Domino's ``flytekitplugins.domino.helpers``::

    from flytekitplugins.artifacts.domino.helpers import Input, Output, run_domino_job_task

    res = run_domino_job_task(
        flyte_task_name="Prep data",
        command="python prep-data.py",
        inputs=[Input(name="data_path", type=str, value=data_path)],
        output_specs=[Output(name="processed_data", type=DataArtifact.File(name="data.csv"))],
        use_project_defaults_for_omitted=True,
    )
"""

from __future__ import annotations

import typing
import warnings

from ..errors import ArtifactTypeError
from ..flyte.command import DOMINO_ONLY_KEYWORDS, Input, Output, TaskOptions
from ..flyte.command.task import call_with_inputs
from .task import DominoJobConfig, DominoJobConfigError, DominoJobTask

# Keywords of Domino's helper that name Domino infrastructure or job bookkeeping: accepted and ignored.
IGNORED_HELPER_KEYWORDS = DOMINO_ONLY_KEYWORDS | frozenset(
    {"job_title", "dfs_repo_commit_id", "external_data_volume_ids", "log_level"}
)


def run_domino_job_task(
    flyte_task_name: str,
    command: typing.Union[str, typing.Sequence[str], None] = None,
    *,
    inputs: typing.Optional[typing.Sequence[Input]] = None,
    input_specs: typing.Optional[typing.Sequence[Input]] = None,
    output_specs: typing.Optional[typing.Sequence[Output]] = None,
    **keywords: typing.Any,
) -> typing.Any:
    """Declare a :class:`DominoJobTask` running ``command`` and call it with the values of the inputs.

    Call it inside a ``@workflow`` body. ``inputs`` (or Domino's other name for them, ``input_specs``) are
    ``Input(name=..., type=..., value=...)``; ``output_specs`` are ``Output(name=..., type=...)``, ``Artifact.File``
    types included. One output: the result is that output (``res`` and ``res["name"]`` are the same); several:
    unpack them in order or index by name. The other keywords are the command task's options (``cwd``,
    ``environment``, ``timeout``, ``retries``, ``cache``...: see :class:`TaskOptions`). Domino-only keywords
    (:data:`IGNORED_HELPER_KEYWORDS`) are accepted and ignored; any other unknown keyword is ignored with a warning.
    """
    options, domino_only = TaskOptions.from_keywords(keywords)
    if inputs is not None and input_specs is not None:
        raise DominoJobConfigError(
            f"run_domino_job_task {flyte_task_name!r} got both inputs= and input_specs=: they are two names for the "
            "same list; pass one of them"
        )
    specs = list(inputs if inputs is not None else input_specs or [])
    if command is None:
        raise DominoJobConfigError(
            f"run_domino_job_task {flyte_task_name!r} needs the command to run: pass command='python prep-data.py'"
        )
    unknown = sorted(set(domino_only) - IGNORED_HELPER_KEYWORDS)
    if unknown:
        warnings.warn(f"run_domino_job_task ignores the keyword(s) {unknown}: it does not know them", stacklevel=2)
    for i in specs:
        if not isinstance(i, Input):
            raise ArtifactTypeError(
                f"inputs of run_domino_job_task {flyte_task_name!r} must be Input(name=..., type=..., value=...), "
                f"got {i!r}"
            )
    return call_with_inputs(
        lambda declared: DominoJobTask(
            name=flyte_task_name,
            domino_job_config=DominoJobConfig(Command=command),
            inputs=declared,
            outputs=output_specs,
            options=options,
        ),
        specs,
        f"run_domino_job_task {flyte_task_name!r}",
        DominoJobConfigError,
    )
