"""Compare the summaries of two versions of a file: schema, row count and column statistics, or size and hash."""

from flytekitplugins.artifacts.errors import ArtifactTypeError

# Column statistics compared between versions (top values are compared as a whole list).
COLUMN_STATS = ("nulls", "distinct", "min", "max", "mean", "top")
# Facts compared for every kind besides size and sha256.
KIND_FACTS = {"image": ("width", "height", "mode", "frames"), "text": ("lines",), "pdf": ("pages", "encrypted")}


def _change(old, new):
    change = {"old": old, "new": new}
    if isinstance(old, (int, float)) and isinstance(new, (int, float)) and not isinstance(old, bool):
        change["change"] = new - old
    return change


def diff_summaries(old, new, *, old_sha256=None, new_sha256=None):
    """What changed between two summaries of a file (``old`` and ``new`` are summary dicts).

    The result always has ``kind`` (of ``new``), ``changed`` (True when anything listed differs), ``size``
    (old/new/change) and, when both hashes are known (arguments, or a ``sha256`` key in the summaries), ``sha256``
    (old/new/changed). Kinds or file types that differ are given as ``kind_changed`` / ``file_type_changed``. For two
    tables: ``rows`` (old/new/change, and ``exact``), ``columns_added`` and ``columns_removed`` (name and type),
    ``columns_retyped`` (name, old, new), ``column_order_changed`` and ``column_changes``: per column present in
    both, the statistics that differ as ``{stat: {"old": ..., "new": ...}}``. Other kinds get ``facts``: changed
    dimensions, line or page counts. ``notes`` says when statistics come from samples or a summary has an error.
    """
    for name, value in (("old", old), ("new", new)):
        if not isinstance(value, dict):
            raise ArtifactTypeError(f"{name} must be a summary dict, got {type(value).__name__}")
    result = {"kind": new.get("kind"), "file_type": new.get("file_type"), "size": _change(old.get("size"),
                                                                                        new.get("size"))}
    changed = _diff_file(old, new, old_sha256 or old.get("sha256"), new_sha256 or new.get("sha256"), result)
    notes = [f"the {name} summary has an error: {summary['error']}"
             for name, summary in (("old", old), ("new", new)) if summary.get("error")]
    if old.get("kind") == new.get("kind") == "table":
        changed = _diff_tables(old, new, result, notes) or changed
    elif old.get("kind") == new.get("kind"):
        changed = _diff_facts(old, new, result) or changed
    result["changed"] = changed
    result["notes"] = notes
    return result


def _diff_file(old, new, old_sha256, new_sha256, result):
    """What every file has (size, sha256 when both are known, kind, file type): adds what differs to ``result``
    and says whether anything did."""
    changed = old.get("size") != new.get("size")
    if old_sha256 and new_sha256:
        result["sha256"] = {"old": old_sha256, "new": new_sha256, "changed": old_sha256 != new_sha256}
        changed = changed or old_sha256 != new_sha256
    for key in ("kind", "file_type"):
        if old.get(key) != new.get(key):
            result[f"{key}_changed"] = {"old": old.get(key), "new": new.get(key)}
            changed = True
    return changed


def _diff_facts(old, new, result):
    """The facts of a kind other than tables (dimensions, line or page counts) that differ, added to ``result``."""
    facts = {}
    for key in KIND_FACTS.get(new.get("kind"), ()):
        if old.get(key) != new.get(key):
            facts[key] = _change(old.get(key), new.get(key))
    if facts:
        result["facts"] = facts
    return bool(facts)


def _diff_tables(old, new, result, notes):
    rows = _change(old.get("rows"), new.get("rows"))
    rows["exact"] = bool(old.get("rows_exact")) and bool(new.get("rows_exact"))
    result["rows"] = rows
    changed = old.get("rows") != new.get("rows")
    old_cols = {c.get("name"): c for c in old.get("columns") or []}
    new_cols = {c.get("name"): c for c in new.get("columns") or []}
    result["columns_added"] = [{"name": n, "type": c.get("type")} for n, c in new_cols.items() if n not in old_cols]
    result["columns_removed"] = [{"name": n, "type": c.get("type")} for n, c in old_cols.items() if n not in new_cols]
    retyped, stat_changes = [], []
    for name, new_col in new_cols.items():
        old_col = old_cols.get(name)
        if old_col is None:
            continue
        if old_col.get("type") != new_col.get("type"):
            retyped.append({"name": name, "old": old_col.get("type"), "new": new_col.get("type")})
        stats = {}
        for key in COLUMN_STATS:
            if old_col.get(key) != new_col.get(key):
                stats[key] = _change(old_col.get(key), new_col.get(key))
        if stats:
            stat_changes.append({"name": name, "changes": stats})
    result["columns_retyped"] = retyped
    result["column_changes"] = stat_changes
    common_old = [n for n in old_cols if n in new_cols]
    common_new = [n for n in new_cols if n in old_cols]
    result["column_order_changed"] = common_old != common_new
    if old.get("sampled") or new.get("sampled"):
        notes.append("statistics describe samples of the files: changes beyond the samples are not seen")
    return bool(
        changed or result["columns_added"] or result["columns_removed"] or retyped or stat_changes
        or result["column_order_changed"]
    )
