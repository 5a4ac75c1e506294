"""Finding the triggers a user declared: the module-level ``Trigger`` objects of Python files or modules.

Importing a flow file imports flytekit, which costs seconds; most sweeps find nothing new and need none of it. So
:class:`TriggerSources` keeps a manifest per file in the store (``trigger-manifests/<sha256>.json``, keyed by the
sha256 of the file's bytes): the triggers it declares, as plain data. A sweep reads the file's bytes, finds their
manifest and checks the ledger with it; only a trigger with something to launch makes it import the file. A file
whose bytes changed has another sha256, so it is imported again and gets a manifest of its own.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sys
import typing

from ..errors import ArtifactError, ArtifactNotFoundError
from ..store import keys
from ..store.artifact_store import ArtifactStore
from .trigger_ledger import Declared, SweepResult, TriggerError, TriggerSpec
from .triggers import has_news, sweep

#: The manifest format; a manifest of another format is ignored (the file is imported and a new one written).
MANIFEST_FORMAT = 1
_SPEC_FIELDS = ("name", "artifact", "filename", "launch", "input", "tag", "partitions")


def _is_path(source: str) -> bool:
    return source.endswith(".py") or os.sep in source or "/" in source


def _module_name(source: str) -> str:
    """The module name a source is imported under (a file inside a package: as part of it, as ``pyflyte run`` does);
    the file's folder goes on ``sys.path``."""
    if not _is_path(source):
        return source
    path = os.path.abspath(source)
    if not os.path.isfile(path):
        raise TriggerError(f"{source!r} is not a Python file: give a file of triggers (flows.py) or a module name")
    folder, name = os.path.split(os.path.splitext(path)[0])
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        folder, package = os.path.split(folder)
        name = f"{package}.{name}"
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return name


def _load(source: str) -> typing.Any:
    """Import a module by name (``flows.reports``) or a Python file by path (``flows/reports.py``)."""
    name = _module_name(source)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        raise TriggerError(f"module {name!r} cannot be imported ({e}): give a file path or an importable module")


def source_path(source: str) -> typing.Optional[str]:
    """The file a source names, found without importing anything (a module name is looked up on ``sys.path`` as
    the import system would); None when it is not found that way."""
    if _is_path(source):
        path = os.path.abspath(source)
        if not os.path.isfile(path):
            raise TriggerError(f"{source!r} is not a Python file: give a file of triggers (flows.py) or a module name")
        return path
    parts = source.split(".")
    if not all(p.isidentifier() for p in parts):
        raise TriggerError(f"{source!r} is neither a Python file nor a module name: give flows.py or flows.reports")
    for entry in sys.path:
        base = os.path.join(entry or os.getcwd(), *parts)
        for candidate in (base + ".py", os.path.join(base, "__init__.py")):
            if os.path.isfile(candidate):
                return candidate
    return None


def _in_module(module: typing.Any) -> typing.List[Declared]:
    found: typing.List[Declared] = []
    for value in vars(module).values():
        if isinstance(value, Declared) and all(value is not f for f in found):
            found.append(value)
    return found


def _check_names(pairs: typing.Iterable[typing.Tuple[str, str]]) -> None:
    """Refuse two triggers with one name: ``pairs`` is (trigger name, source) in order."""
    names: typing.Dict[str, str] = {}
    for name, source in pairs:
        other = names.get(name)
        if other is not None:
            raise TriggerError(
                f"two triggers are named {name!r} (in {other} and {source}): give one Trigger(..., name=...) "
                "another name"
            )
        names[name] = source


def _none_declared(sources: typing.Sequence[str]) -> TriggerError:
    return TriggerError(
        f"{', '.join(sources)} declare no Trigger at module level: add "
        "Trigger(on=on_artifact(MyArtifact, filename=...), launch=my_workflow, input=...)"
    )


def declared_in(sources: typing.Sequence[str]) -> typing.List[Declared]:
    """Every trigger declared at module level in ``sources``, in order, once each (the modules are imported); an
    error when there are none or two share a name."""
    if not sources:
        raise TriggerError("no file or module given: name the Python files or modules that declare the triggers")
    found: typing.List[typing.Tuple[Declared, str]] = []
    for source in sources:
        found.extend((d, source) for d in _in_module(_load(source)) if all(d is not f for f, _ in found))
    _check_names((d.spec.name, s) for d, s in found)
    if not found:
        raise _none_declared(sources)
    return [d for d, _ in found]


def _spec_of(doc: typing.Any) -> typing.Optional[TriggerSpec]:
    if not isinstance(doc, dict):
        return None
    fields = {k: doc.get(k) for k in _SPEC_FIELDS}
    if not all(isinstance(fields[k], str) for k in ("name", "artifact", "filename", "launch", "input")):
        return None
    if fields["tag"] is not None and not isinstance(fields["tag"], str):
        return None
    parts = fields["partitions"]
    if parts is not None and not (isinstance(parts, dict) and all(isinstance(v, str) for v in parts.values())):
        return None
    return TriggerSpec(**fields)


def read_manifest(store: ArtifactStore, sha256: str) -> typing.Optional[typing.List[TriggerSpec]]:
    """The triggers a file with bytes ``sha256`` declares, from its manifest; None when there is none usable."""
    try:
        doc = json.loads(store.backend.read_bytes(keys.trigger_manifest_key(sha256)))
    except (ArtifactNotFoundError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != MANIFEST_FORMAT or not isinstance(doc.get("triggers"), list):
        return None
    specs = [_spec_of(t) for t in doc["triggers"]]
    if not specs or any(s is None for s in specs):
        return None
    return typing.cast(typing.List[TriggerSpec], specs)


def write_manifest(store: ArtifactStore, sha256: str, source: str, specs: typing.Sequence[TriggerSpec]) -> None:
    """Keep the triggers a file with bytes ``sha256`` declares (rewritten whole: a damaged one is replaced)."""
    doc = {"format": MANIFEST_FORMAT, "sha256": sha256, "file": os.path.basename(source),
           "triggers": [s.as_dict() for s in specs]}
    store.backend.write(keys.trigger_manifest_key(sha256), json.dumps(doc, sort_keys=True).encode())


class TriggerSources:
    """The triggers of ``sources``, read from their manifests when the files' bytes are known, imported otherwise.

    :meth:`specs` is called once per sweep (it re-reads each file's bytes); :meth:`declared` imports the source of
    one trigger, when there is something to launch, and returns the object that launches it."""

    def __init__(self, store: ArtifactStore, sources: typing.Sequence[str]):
        if not sources:
            raise TriggerError("no file or module given: name the Python files or modules that declare the triggers")
        self.store = store
        self.sources = list(sources)
        self.imports = 0  # how many times a source was imported (for tests and the benchmark)
        self._modules: typing.Dict[str, typing.Tuple[typing.Optional[str], typing.Any]] = {}
        self._origin: typing.Dict[str, typing.Tuple[str, typing.Optional[str]]] = {}

    def _import(self, source: str, sha: typing.Optional[str]) -> typing.List[Declared]:
        """Import (or re-import, when its bytes changed) one source; its triggers, with a manifest written."""
        known = self._modules.get(source)
        if known is not None and known[0] == sha:
            module = known[1]
        else:
            module = _reload(known[1]) if known is not None else _load(source)
            self.imports += 1
            self._modules[source] = (sha, module)
        found = _in_module(module)
        if found and sha is not None:
            try:
                write_manifest(self.store, sha, source, [d.spec for d in found])
            except (ArtifactError, OSError):
                pass  # a store this process cannot write: the next sweep imports the file again
        return found

    def specs(self) -> typing.List[TriggerSpec]:
        """Every trigger of the sources, in order; an error when there are none or two share a name."""
        out: typing.List[typing.Tuple[TriggerSpec, str]] = []
        for source in self.sources:
            path = source_path(source)
            sha = _sha256_of(path) if path else None
            specs = read_manifest(self.store, sha) if sha else None
            if specs is None:
                specs = [d.spec for d in self._import(source, sha)]
            for spec in specs:
                self._origin[spec.name] = (source, sha)
            out.extend((s, source) for s in specs)
        _check_names((s.name, src) for s, src in out)
        if not out:
            raise _none_declared(self.sources)
        return [s for s, _ in out]

    def declared(self, name: str) -> typing.Optional[Declared]:
        """The trigger named ``name`` as its module declares it (importing the module); None if it no longer
        declares one of that name."""
        source, sha = self._origin[name]
        return next((d for d in self._import(source, sha) if d.spec.name == name), None)


def _reload(module: typing.Any) -> typing.Any:
    """Import a module again from its source: its cached bytecode goes first (a pyc is checked by the source's
    mtime in whole seconds and its size, so an edit of the same size within a second would be missed)."""
    cached = getattr(module, "__cached__", None)
    if cached:
        try:
            os.remove(cached)
        except OSError:
            pass
    importlib.invalidate_caches()
    return importlib.reload(module)


def _sha256_of(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def sweep_sources(store: ArtifactStore, found: TriggerSources, max_launches: int, from_beginning: bool,
                  lease_s: float, remote: typing.Optional[dict] = None) -> typing.Iterator[SweepResult]:
    """One sweep of every trigger of ``found``, each result as it is done. A trigger's module is imported only when
    the ledger says it has something to do; with ``remote`` (``RemoteOptions`` fields) its runs start on a cluster."""
    for spec in found.specs():
        if not has_news(store, spec, from_beginning):
            yield SweepResult(spec.name)
            continue
        trig = found.declared(spec.name)
        if trig is None:  # the file no longer declares it
            yield SweepResult(spec.name)
            continue
        if remote is not None:
            trig = trig.on_cluster(**remote)
        yield sweep(store, trig, max_launches=max_launches, from_beginning=from_beginning, lease_s=lease_s)
