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
    index/partitions/<artifact>/<filename>/<key>/<value>/<inverted time>_<exec>  newest run of one file whose
                                                          partition <key> is <value> first -> "latest where study=X"
    tags/<artifact>/<tag>/current.json                    the version a tag names now (a mutable pointer)
    tags/<artifact>/<tag>/history/<time>_<n>.json         every move of the tag, write-once
    executions/<exec>/lineage/<workflow>.json             inputs, code and what each file was derived from
    executions/<exec>/queries/<node>.json                 what each query node of the run resolved
    blobs/sha256/<aa>/<sha256>                            bytes kept by local runs, stored once per content
    blobs/sizes/<size>                                    hints: sizes of large kept bytes (backends/local/)
    config.json                                           optional retention rules (ops/lifecycle/policy.py)
    intents/<exec>/<token>/owner.json                     a recording in progress: who writes it (store/intents.py)
    intents/<exec>/<token>/<sha256>                       bytes that recording is storing, named before they are

    executions/<exec>/summaries/<artifact>/<filename>.json  what is inside each file (``ops/inspection.py``)
    executions/<exec>/summaries-pending.json              files whose summaries a background process is computing
    executions/<exec>/literals/<artifact>/<filename>/<sha256>.pb  a flytekit output's serialized Literal, so the value
                                                          can be served again (``ops/native_values.py``)

    dataset-names/<name>.json                             the dataset catalog (``ops/datasets/catalog.py``): name -> id
    datasets/<id>/dataset.json                            id, name, uri, created_at
    datasets/<id>/snapshots/<0000000001>.json             each snapshot's manifest; creating it is the commit
    datasets/<id>/reserved/<N>.json                       snapshot numbers taken by export runs
    datasets/<id>/runs/<run>.reserved.json, <run>.json    the number an export run took, the snapshot it committed

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
#: The runs that recorded each artifact, newest first.
ARTIFACTS_INDEX = "index/artifacts"
#: The folder of every tag.
TAGS = "tags"
#: A tag's mutable pointer, in its folder.
TAG_CURRENT = "current.json"
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


def records_prefix(execution_id: str, artifact: typing.Optional[str] = None) -> str:
    """The folder of every record of one execution (or of its files of ``artifact``)."""
    base = records_prefix_at(component(execution_id))
    return base if artifact is None else f"{base}/{component(artifact)}"


def lineage_prefix(execution_id: str) -> str:
    """The folder of a run's lineage documents (one per workflow that recorded files in it)."""
    return f"{execution_prefix(execution_id)}/lineage"


def lineage_key(execution_id: str, workflow: str) -> str:
    """Where the lineage document of one workflow of a run is."""
    return f"{lineage_prefix(execution_id)}/{component(workflow)}{JSON}"


def query_key(execution_id: str, node_id: str) -> str:
    """Where what one query node of a run resolved is."""
    return f"{execution_prefix(execution_id)}/queries/{component(node_id)}{JSON}"


def records_prefix_at(ekey: str) -> str:
    """The folder of every record of the execution whose key component is ``ekey``."""
    return f"{execution_prefix_at(ekey)}/records"


def pruning_key_at(ekey: str, akey: str) -> str:
    """The mark a prune leaves on the artifact (key component ``akey``) of a run it removes from that run, while it
    removes it: ``verify --repair`` finishes such a prune instead of re-indexing what it had begun to remove."""
    return f"{execution_prefix_at(ekey)}/pruning/{akey}"


def pruning_prefix_at(ekey: str) -> str:
    """The folder of a run's prune marks (see :func:`pruning_key_at`)."""
    return f"{execution_prefix_at(ekey)}/pruning"


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


def summaries_pending_key(execution_id: str) -> str:
    """Where a run lists the files whose summaries are still being computed, and by which process
    (``ops/background_summaries.py``); removed once they have all landed."""
    return f"{execution_prefix(execution_id)}/summaries-pending.json"


def literal_key(execution_id: str, artifact: str, filename: str, sha256: str) -> str:
    """Where a recorded flytekit value's Literal (protobuf bytes) is, named by their sha256 (written once)."""
    return f"{execution_prefix(execution_id)}/literals/{component(artifact)}/{component(filename)}/{sha256}.pb"


def file_index_prefix(artifact: str, filename: str) -> str:
    """Where the runs that recorded ``artifact``/``filename`` are listed, newest first."""
    return file_index_prefix_at(component(artifact), component(filename))


def file_index_prefix_at(akey: str, fkey: str) -> str:
    """:func:`file_index_prefix` from the artifact's and the filename's key components."""
    return f"index/files/{akey}/{fkey}"


#: The runs of each artifact file by partition value, newest first.
PARTITIONS_INDEX = "index/partitions"


def partition_index_prefix(artifact: str, filename: str, key: str, value: str) -> str:
    """Index folder of the runs that recorded ``artifact``/``filename`` with partition ``key`` set to ``value``."""
    return partition_values_prefix(artifact, filename, key) + "/" + component(value)


def partition_values_prefix(artifact: str, filename: str, key: str) -> str:
    """The folder of one partition key's values (one folder per value) for ``artifact``/``filename``."""
    return f"{PARTITIONS_INDEX}/{component(artifact)}/{component(filename)}/{component(key)}"


def decode_component(comp: str) -> typing.Optional[str]:
    """The name a :func:`component` came from, or None for a long name (kept only as its hash)."""
    return None if comp.startswith("~") else urllib.parse.unquote(comp)


def artifact_index_prefix(artifact: str) -> str:
    """Where the runs that recorded a file of ``artifact`` are listed, newest first."""
    return artifact_index_prefix_at(component(artifact))


def artifact_index_prefix_at(akey: str) -> str:
    """:func:`artifact_index_prefix` from the artifact's key component."""
    return f"{ARTIFACTS_INDEX}/{akey}"


def index_entry_name(ms: int, execution_id: str) -> str:
    """The name of a run's entry in an index folder: its time inverted (newest first), then its execution."""
    return f"{inverted(ms)}_{component(execution_id)}"


def entry_name_now(execution_id: str) -> str:
    """:func:`index_entry_name` at the current time."""
    return f"{inverted_now()}_{component(execution_id)}"


def entry_execution_of(name: str) -> str:
    """The execution's key component an index entry name (or key) ends with."""
    return name.split("_", 1)[-1]


def is_entry_of(name: str, ekey: str) -> bool:
    """Whether an index entry name (or key) is the entry of the execution whose key component is ``ekey``."""
    return name.endswith("_" + ekey)


def tag_prefix(artifact: str, tag: typing.Optional[str] = None) -> str:
    """Where the tags of ``artifact`` (or one of them) live."""
    base = f"{TAGS}/{component(artifact)}"
    return base if tag is None else f"{base}/{component(tag)}"


def tag_key(artifact: str, tag: str) -> str:
    """Where the version a tag names now is (a mutable pointer)."""
    return f"{tag_prefix(artifact, tag)}/{TAG_CURRENT}"


def tag_key_at(akey: str, tkey: str) -> str:
    """:func:`tag_key` from the artifact's and the tag's key components."""
    return f"{TAGS}/{akey}/{tkey}/{TAG_CURRENT}"


def is_tag_key(key: str) -> bool:
    """Whether ``key`` is a tag's pointer."""
    return key.endswith("/" + TAG_CURRENT)


def tag_history_prefix(artifact: str, tag: str) -> str:
    """The folder of every move of a tag, newest first."""
    return f"{tag_prefix(artifact, tag)}/history"


def tag_history_key(artifact: str, tag: str, unique: str) -> str:
    """Where one move of a tag is kept (``unique`` tells apart two moves in the same millisecond)."""
    return f"{tag_history_prefix(artifact, tag)}/{inverted_now()}_{unique}{JSON}"


def uses_prefix(artifact: str, filename: str, execution_id: str) -> str:
    """Where the later runs that consumed one version of a file are listed."""
    return uses_prefix_at(component(artifact), component(filename), component(execution_id))


def uses_prefix_at(akey: str, fkey: str, ekey: str) -> str:
    """:func:`uses_prefix` from the artifact's, the filename's and the execution's key components."""
    return f"{USES_INDEX}/{akey}/{fkey}/{ekey}"


def newest_pointer(prefix: str) -> str:
    """Where the name of the newest entry under an index ``prefix`` is kept (so "newest" needs no listing)."""
    return f"index/newest/{prefix}.json"


#: The folder of the intents of recordings in progress (``store/intents.py``).
INTENTS = "intents"
#: An intent's own document, in its folder.
INTENT_OWNER = "owner.json"


def intent_prefix(execution_id: str, token: str) -> str:
    """The folder of one recording's intent (``token`` tells apart two recorders of one run)."""
    return f"{INTENTS}/{component(execution_id)}/{token}"


def intent_parts_of(key: str) -> typing.Optional[typing.Tuple[str, str, str]]:
    """(execution key component, token, last name) of a key under ``intents/``; None for any other key."""
    parts = key.split("/")
    if len(parts) != 4 or parts[0] != INTENTS:
        return None
    return parts[1], parts[2], parts[3]


# ---- the dataset catalog ------------------------------------------------------------------------------------------

#: The folder of every dataset's catalog entry and manifests.
DATASETS = "datasets"
#: A dataset's own document, in its folder.
DATASET_FILE = "dataset.json"
#: Digits of a snapshot number in the catalog's manifest names (so they list in order).
NUMBER_WIDTH = 10


def dataset_key(dataset_id: str) -> str:
    """Where a dataset's own document (id, name, uri, created_at) is."""
    return f"{DATASETS}/{component(dataset_id)}/{DATASET_FILE}"


def is_dataset_key(key: str) -> bool:
    """Whether ``key`` is a dataset's own document."""
    return key.endswith("/" + DATASET_FILE)


def dataset_name_key(name: str) -> str:
    """Where a dataset name points at its id (created exclusively, so names are unique)."""
    return f"dataset-names/{component(name)}{JSON}"


def dataset_snapshots_prefix(dataset_id: str) -> str:
    """The folder of a dataset's snapshot manifests in the catalog."""
    return f"{DATASETS}/{component(dataset_id)}/snapshots"


def snapshot_name(number: int) -> str:
    """The name of a snapshot's manifest in the catalog (``0000000001.json``)."""
    return f"{number:0{NUMBER_WIDTH}d}{JSON}"


def dataset_snapshot_key(dataset_id: str, number: int) -> str:
    """Where the catalog's copy of one snapshot's manifest is."""
    return f"{dataset_snapshots_prefix(dataset_id)}/{snapshot_name(number)}"


def snapshot_number_of(name: str) -> typing.Optional[int]:
    """The snapshot number a manifest's (``.../0000000001.json``) or a reservation's (``.../<N>.json``) name or key
    names; None when it names none."""
    stem = name.rsplit("/", 1)[-1]
    stem = stem[: -len(JSON)] if stem.endswith(JSON) else ""
    return int(stem) if stem.isdigit() else None


def dataset_reserved_prefix(dataset_id: str) -> str:
    """The folder of the snapshot numbers export runs have taken for a dataset."""
    return f"{DATASETS}/{component(dataset_id)}/reserved"


def dataset_reserved_key(dataset_id: str, number: int) -> str:
    """Where the reservation of one snapshot number is."""
    return f"{dataset_reserved_prefix(dataset_id)}/{number}{JSON}"


def dataset_run_key(dataset_id: str, run_key: str, suffix: str = "") -> str:
    """Where what one export run did is: the snapshot it committed, or (``suffix=".reserved"``) the number it took."""
    return f"{DATASETS}/{component(dataset_id)}/runs/{component(run_key)}{suffix}{JSON}"


# ---- the audit trail ----------------------------------------------------------------------------------------------

#: The folder of the audit trail's entries (``store/audit.py``), each created write-once.
AUDIT_ENTRIES = "audit/entries"
#: The newest entry's number and sha256: a hint that saves a listing, checked before it is trusted.
AUDIT_HEAD = "audit/head.json"
#: Digits of an entry's number in its name (so the entries list in order).
AUDIT_WIDTH = 12


def audit_entry_key(seq: int) -> str:
    """Where the audit trail's entry number ``seq`` (from 1) is."""
    return f"{AUDIT_ENTRIES}/{seq:0{AUDIT_WIDTH}d}{JSON}"


def audit_seq_of(key: str) -> typing.Optional[int]:
    """The number an audit entry's key (or name) names; None for any other key."""
    stem = key.rsplit("/", 1)[-1]
    stem = stem[: -len(JSON)] if stem.endswith(JSON) else ""
    return int(stem) if stem.isdigit() else None


# ---- triggers: a write-once ledger per trigger (``ops/triggers.py``) ---------------------------------------------
#
#     triggers/<trigger>/start.json                         where the trigger starts: versions indexed at or before
#                                                           its ``ms`` are not launched (0 with --from-beginning)
#     triggers/<trigger>/versions/<entry>/claim-<n>.json    a sweeper's claim on one version, with its lease
#     triggers/<trigger>/versions/<entry>/launched.json     the run launched for it, written before the run starts
#     triggers/<trigger>/versions/<entry>/started.json      the run started (for a remote run: its execution id)
#     triggers/<trigger>/versions/<entry>/relaunch-<n>.json a take-over of a launch that never started (same run)
#     triggers/<trigger>/versions/<entry>/launch-failed-<n>.json  why attempt n could not start the run
#     triggers/<trigger>/versions/<entry>/failed.json       why that run (or its launch) failed
#     triggers/<trigger>/settled/<entry>                    versions that need no more work (launched or failed)
#     executions/<exec>/trigger.json                        the version that launched the run (its lineage)
#     trigger-manifests/<sha256>.json                       the triggers a file with those bytes declares
#
# ``<entry>`` is the name of the version's entry in ``index/files/<artifact>/<filename>/``: its index time (newest
# first) and its execution.

#: The folder of every trigger's ledger.
TRIGGERS = "triggers"


def trigger_prefix(trigger: str) -> str:
    """The folder of one trigger's ledger."""
    return f"{TRIGGERS}/{component(trigger)}"


def trigger_start_key(trigger: str) -> str:
    """Where the time a trigger starts from is (written once, by its first sweep)."""
    return f"{trigger_prefix(trigger)}/start{JSON}"


def trigger_versions_prefix(trigger: str) -> str:
    """The folder of a trigger's ledger entries, one folder per version it claimed."""
    return f"{trigger_prefix(trigger)}/versions"


def trigger_entry_prefix(trigger: str, entry: str) -> str:
    """The folder of one ledger entry (``entry``: the version's file index entry name)."""
    return f"{trigger_versions_prefix(trigger)}/{entry}"


def trigger_claim_key(trigger: str, entry: str, number: int) -> str:
    """Where the ``number``-th claim on a ledger entry is (claims are numbered so a retry after a lease is new)."""
    return f"{trigger_entry_prefix(trigger, entry)}/claim-{number:04d}{JSON}"


def trigger_launched_key(trigger: str, entry: str) -> str:
    """Where the run launched for a ledger entry is named (written once, before the run starts)."""
    return f"{trigger_entry_prefix(trigger, entry)}/launched{JSON}"


def trigger_failed_key(trigger: str, entry: str) -> str:
    """Where the failure of the run launched for a ledger entry is kept."""
    return f"{trigger_entry_prefix(trigger, entry)}/failed{JSON}"


def trigger_settled_prefix(trigger: str) -> str:
    """The folder naming every ledger entry that needs no more work."""
    return f"{trigger_prefix(trigger)}/settled"


def triggered_by_key(execution_id: str) -> str:
    """Where a launched run names the trigger and the version that launched it."""
    return f"{execution_prefix(execution_id)}/trigger{JSON}"


def entry_ms_of(name: str) -> int:
    """The time (ms) an index entry name carries (the inverse of :func:`inverted`)."""
    return _TIME_BASE - int(name.split("_", 1)[0])


#: The folder of trigger manifests: the triggers one file declares, by the sha256 of its bytes.
TRIGGER_MANIFESTS = "trigger-manifests"


def trigger_manifest_key(sha256: str) -> str:
    """Where the triggers declared by a Python file whose bytes have ``sha256`` are listed (``ops/trigger_files``)."""
    return f"{TRIGGER_MANIFESTS}/{sha256}{JSON}"


def trigger_started_key(trigger: str, entry: str) -> str:
    """Where a ledger entry's run is marked started (write-once: the run id, the attempt, the remote execution)."""
    return f"{trigger_entry_prefix(trigger, entry)}/started{JSON}"


def trigger_relaunch_key(trigger: str, entry: str, attempt: int) -> str:
    """A sweeper's take-over of a launch that never started (attempt 1, 2...; attempt 0 is ``launched.json``)."""
    return f"{trigger_entry_prefix(trigger, entry)}/relaunch-{attempt:04d}{JSON}"


def trigger_launch_failed_key(trigger: str, entry: str, attempt: int) -> str:
    """Why attempt ``attempt`` could not start its run (it is retried; the last allowed attempt settles it)."""
    return f"{trigger_entry_prefix(trigger, entry)}/launch-failed-{attempt:04d}{JSON}"
