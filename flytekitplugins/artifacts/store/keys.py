"""The store's key layout, in one place; every name becomes one safe path component (:func:`component`).

Key layout (chosen so the common queries are one listing on an object store, which lists keys in order):

    executions/<exec>/execution.json                      the run: id, project, domain, workflow, created_at, status
                                                          (running/succeeded/failed; absent: succeeded), and
                                                          index_ms, the time its index entries carry
    executions/<exec>/records/<artifact>/<filename>.json  one record per artifact file   -> "all files of a run"
    index/executions/<inverted time>_<exec>               newest run first                -> "latest run"
    index/artifacts/<artifact>/<inverted time>_<exec>     newest version first            -> "latest of artifact X"
    index/files/<artifact>/<filename>/<inverted time>_<exec>  newest run of one file first -> "latest of X/file"
    index/uses/<artifact>/<filename>/<exec>/<inverted time>_<consumer>  later runs whose queries resolved it
    tags/<artifact>/<tag>/current.json                    the version a tag names now (a mutable pointer)
    tags/<artifact>/<tag>/history/<time>_<n>.json         every move of the tag, write-once
    executions/<exec>/lineage/<workflow>.json             inputs, code and what each file was derived from
    executions/<exec>/queries/<node>.json                 what each query node of the run resolved
    blobs/sha256/<aa>/<sha256>                            bytes kept by local runs, stored once per content
    blobs/sizes/<size>                                    hints: sizes of large kept bytes (backends/local/)
    config.json                                           optional retention rules (ops/lifecycle/policy.py)

    executions/<exec>/summaries/<artifact>/<filename>.json  what is inside each file (``ops/inspection.py``)

Path components are percent-encoded names (hashed when too long), so any artifact name or filename is safe.
The builders named ``*_at`` take components as they already appear in keys (from a listing); the others take the
real names. The parsers (``*_of``) read the components back out of a key.
"""

from __future__ import annotations

import hashlib
import time
import typing
import unicodedata
import urllib.parse

_TIME_BASE = 10**14  # ms; inverted times stay 14 digits wide until the year 5138


def component(name: str) -> str:
    """A name as one safe path component (the records keep the real name).

    Names are taken in Unicode NFC, so two spellings of one name are one key. Long names become ``~<sha256>``; a
    short name starting with ``~`` has it escaped (``%7E``), so no literal name can take a long name's place.
    """
    name = unicodedata.normalize("NFC", name)
    q = urllib.parse.quote(name, safe="-_.")
    if q in (".", ".."):
        q = q.replace(".", "%2E")
    if len(q) > 180:
        q = "~" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()
    elif q.startswith("~"):
        q = "%7E" + q[1:]
    return q


def inverted(ms: int) -> str:
    """A time in ms as a name that sorts newest first."""
    return f"{_TIME_BASE - ms:014d}"


def inverted_now() -> str:
    """The current time as an index name prefix that sorts newest first."""
    return inverted(int(time.time() * 1000))


#: The folder of every run's documents and records.
EXECUTIONS = "executions"
#: A run's own document, in its folder.
RUN_FILE = "execution.json"
#: Every succeeded run, newest first.
RUNS_INDEX = "index/executions"
#: The later runs that consumed each version of a file.
USES_INDEX = "index/uses"
#: The suffix of every record, summary and other JSON document.
JSON = ".json"


def execution_prefix(execution_id: str) -> str:
    """The folder of one execution."""
    return execution_prefix_at(component(execution_id))


def execution_prefix_at(ekey: str) -> str:
    """The folder of the execution whose key component is ``ekey``."""
    return f"{EXECUTIONS}/{ekey}"


def run_key(execution_id: str) -> str:
    """Where a run's own document is (id, project, domain, workflow, created_at, status)."""
    return run_key_at(component(execution_id))


def run_key_at(ekey: str) -> str:
    """Where the run document of the execution whose key component is ``ekey`` is."""
    return f"{execution_prefix_at(ekey)}/{RUN_FILE}"


def is_run_key(key: str) -> bool:
    """Whether ``key`` is a run's own document."""
    return key.endswith("/" + RUN_FILE)


def execution_of(key: str) -> str:
    """The execution's key component of a key under ``executions/`` (``executions/<exec>/...``)."""
    return key.split("/")[1]


def records_prefix_at(ekey: str) -> str:
    """The folder of every record of the execution whose key component is ``ekey``."""
    return f"{execution_prefix_at(ekey)}/records"


def summaries_prefix_at(ekey: str) -> str:
    """The folder of every summary of the execution whose key component is ``ekey``."""
    return f"{execution_prefix_at(ekey)}/summaries"


def is_record_key(key: str) -> bool:
    """Whether ``key`` is a record (``executions/<exec>/records/<artifact>/<filename>.json``)."""
    parts = key.split("/")
    return len(parts) >= 5 and parts[0] == EXECUTIONS and parts[2] == "records" and key.endswith(JSON)


def file_parts_of(key: str) -> typing.Tuple[str, str]:
    """(artifact, filename) components of a record or summary key (``executions/<exec>/<kind>/<a>/<f>.json``);
    the filename is empty for a key with no such part."""
    parts = key.split("/")
    name = parts[4] if len(parts) > 4 else ""
    return parts[3], name[: -len(JSON)] if name.endswith(JSON) else name


def record_key(execution_id: str, artifact: str, filename: str) -> str:
    """Where the record of one artifact file of one execution is."""
    return f"{records_prefix_at(component(execution_id))}/{component(artifact)}/{component(filename)}{JSON}"


def summary_key(execution_id: str, artifact: str, filename: str) -> str:
    """Where the summary of one recorded file is (beside its record, not inside it, so listings stay fast)."""
    return f"{execution_prefix(execution_id)}/summaries/{component(artifact)}/{component(filename)}.json"


def file_index_prefix(artifact: str, filename: str) -> str:
    """Where the runs that recorded ``artifact``/``filename`` are listed, newest first."""
    return file_index_prefix_at(component(artifact), component(filename))


def file_index_prefix_at(akey: str, fkey: str) -> str:
    """:func:`file_index_prefix` from the artifact's and the filename's key components."""
    return f"index/files/{akey}/{fkey}"


def artifact_index_prefix(artifact: str) -> str:
    """Where the runs that recorded a file of ``artifact`` are listed, newest first."""
    return artifact_index_prefix_at(component(artifact))


def artifact_index_prefix_at(akey: str) -> str:
    """:func:`artifact_index_prefix` from the artifact's key component."""
    return f"index/artifacts/{akey}"


def index_entry_name(ms: int, execution_id: str) -> str:
    """The name of a run's entry in an index folder: its time inverted (newest first), then its execution."""
    return f"{inverted(ms)}_{component(execution_id)}"


def entry_execution_of(name: str) -> str:
    """The execution's key component an index entry name (or key) ends with."""
    return name.split("_", 1)[-1]


def is_entry_of(name: str, ekey: str) -> bool:
    """Whether an index entry name (or key) is the entry of the execution whose key component is ``ekey``."""
    return name.endswith("_" + ekey)


def tag_prefix(artifact: str, tag: typing.Optional[str] = None) -> str:
    """Where the tags of ``artifact`` (or one of them) live."""
    base = f"tags/{component(artifact)}"
    return base if tag is None else f"{base}/{component(tag)}"


def uses_prefix(artifact: str, filename: str, execution_id: str) -> str:
    """Where the later runs that consumed one version of a file are listed."""
    return uses_prefix_at(component(artifact), component(filename), component(execution_id))


def uses_prefix_at(akey: str, fkey: str, ekey: str) -> str:
    """:func:`uses_prefix` from the artifact's, the filename's and the execution's key components."""
    return f"{USES_INDEX}/{akey}/{fkey}/{ekey}"


def newest_pointer(prefix: str) -> str:
    """Where the name of the newest entry under an index ``prefix`` is kept (so "newest" needs no listing)."""
    return f"index/newest/{prefix}.json"
