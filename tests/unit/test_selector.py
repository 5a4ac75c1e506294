"""The record selector: which record (or run) an execution, the newest version or a tag means, its errors naming
values, and the CLI naming its flags instead."""

import os
import subprocess
import sys
import time

import pytest

from flytekitplugins.artifacts.errors import ArtifactNotFoundError, ArtifactValueError
from flytekitplugins.artifacts.store import keys
from flytekitplugins.artifacts.store.artifact_store import FAILED, RUNNING, SUCCEEDED, ArtifactStore, Record
from flytekitplugins.artifacts.store.identity import utc_now
from flytekitplugins.artifacts.store.selector import RecordSelector, SelectorError, select_record, select_run
from flytekitplugins.artifacts.store.versions import set_tag

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")


def run(store, tmp_path, eid, status=SUCCEEDED, workflow="wf.a", files=("adsl.xpt",), artifact="ADaM"):
    """One run that recorded ``files`` of ``artifact`` and ended with ``status``."""
    for name in files:
        src = tmp_path / "src" / f"{eid}-{name}"
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(f"{eid} {name}\n")
        uri, size, sha = store.put_local_file(str(src))
        store.add_record(Record(
            execution_id=eid, project="p", domain="d", workflow=workflow, node_id="n0", task="t", output_name="o0",
            artifact=artifact, type="DATA", filename=name, file_type="xpt", uri=uri, size=size, sha256=sha,
            created_at=utc_now(),
        ), pending=True)
    if status != RUNNING:
        store.finish_run(eid, status)
    time.sleep(0.002)  # index names carry the time in ms: distinct, so "newest" is well defined
    return eid


@pytest.fixture
def five_runs(tmp_path):
    """Runs, oldest first: old (wf.a), mid (wf.b, also adae.xpt), new (wf.a), then a failed and a running run."""
    s = ArtifactStore()
    run(s, tmp_path, "old")
    run(s, tmp_path, "mid", workflow="wf.b", files=("adsl.xpt", "adae.xpt"))
    run(s, tmp_path, "new")
    run(s, tmp_path, "broken", status=FAILED)
    run(s, tmp_path, "going", status=RUNNING)
    return s


def pick(store, *args, **kwargs):
    return select_record(store, RecordSelector(*args, **kwargs)).execution_id


# ---- one file ------------------------------------------------------------------------------------------------------


def test_nothing_named_and_newest_mean_the_newest_succeeded_run_that_has_the_file(five_runs):
    store = five_runs
    assert pick(store, "ADaM", "adsl.xpt") == "new"
    assert pick(store, "ADaM", "adsl.xpt", newest=True) == "new"
    assert pick(store, "ADaM", "adae.xpt", newest=True) == "mid"  # the newer runs do not have it


def test_an_execution_names_its_run_which_must_have_succeeded(five_runs):
    store = five_runs
    assert pick(store, "ADaM", "adsl.xpt", execution="old") == "old"
    with pytest.raises(ArtifactNotFoundError, match="run 'broken' .* is failed"):
        pick(store, "ADaM", "adsl.xpt", execution="broken")
    with pytest.raises(ArtifactNotFoundError, match="no execution 'nope'"):
        pick(store, "ADaM", "adsl.xpt", execution="nope")
    with pytest.raises(ArtifactNotFoundError, match="execution 'old' has no file 'adae.xpt'"):
        pick(store, "ADaM", "adae.xpt", execution="old")


def test_any_status_takes_a_failed_or_running_run_too(five_runs):
    store = five_runs
    assert pick(store, "ADaM", "adsl.xpt", execution="broken", any_status=True) == "broken"
    assert pick(store, "ADaM", "adsl.xpt", any_status=True) == "going"
    assert pick(store, "ADaM", "adsl.xpt", newest=True, any_status=True) == "going"
    set_tag(store, "ADaM", "approved", "old")
    assert pick(store, "ADaM", "adsl.xpt", tag="approved", any_status=True) == "old"


def test_a_tag_names_its_version(five_runs):
    store = five_runs
    set_tag(store, "ADaM", "approved", "mid")
    assert pick(store, "ADaM", "adsl.xpt", tag="approved") == "mid"
    assert pick(store, "ADaM", "adae.xpt", tag="approved") == "mid"
    with pytest.raises(ArtifactNotFoundError, match="artifact 'ADaM' has no tag 'other' \\(its tags: approved\\)"):
        pick(store, "ADaM", "adsl.xpt", tag="other")
    set_tag(store, "ADaM", "v1", "old")
    with pytest.raises(ArtifactNotFoundError, match="file 'adae.xpt' matches tag 'v1'"):
        pick(store, "ADaM", "adae.xpt", tag="v1")  # the tagged run never recorded that file


def test_a_tag_naming_a_run_whose_file_is_gone_matches_nothing(five_runs):
    store = five_runs
    set_tag(store, "ADaM", "approved", "old")
    store.backend.delete(keys.record_key("old", "ADaM", "adsl.xpt"))  # e.g. removed since it was tagged
    with pytest.raises(ArtifactNotFoundError) as e:
        pick(store, "ADaM", "adsl.xpt", tag="approved")
    msg = str(e.value)
    assert "matches tag 'approved'" in msg and "newest versions of 'ADaM'" in msg and "new (wf.a" in msg


def test_a_tag_naming_a_pruned_run(five_runs):
    store = five_runs
    set_tag(store, "ADaM", "approved", "old")
    for key in store.backend.list(keys.execution_prefix("old")):  # the whole run gone, its tag left behind
        store.backend.delete(key)
    with pytest.raises(ArtifactNotFoundError, match="matches tag 'approved'"):
        pick(store, "ADaM", "adsl.xpt", tag="approved")
    assert select_run(store, RecordSelector("ADaM", tag="approved")) == "old"  # the run it names...
    with pytest.raises(ArtifactNotFoundError, match="no execution 'old'"):
        store.records("old", artifact="ADaM")  # ...which a listing then reports missing


def test_workflow_narrows_the_newest_and_checks_a_named_run(five_runs):
    store = five_runs
    assert pick(store, "ADaM", "adsl.xpt", workflow="wf.b") == "mid"
    assert pick(store, "ADaM", "adsl.xpt", execution="old", workflow="wf.a") == "old"
    with pytest.raises(ArtifactNotFoundError, match="matches execution 'mid', workflow 'wf.a'"):
        pick(store, "ADaM", "adsl.xpt", execution="mid", workflow="wf.a")
    with pytest.raises(ArtifactNotFoundError, match="matches workflow 'wf.c'"):
        pick(store, "ADaM", "adsl.xpt", workflow="wf.c")


def test_no_match_says_what_was_asked_and_what_exists(five_runs):
    store = five_runs
    with pytest.raises(ArtifactNotFoundError) as e:
        pick(store, "ADaM", "nope.xpt")
    msg = str(e.value)
    assert "'ADaM' file 'nope.xpt' matches newest succeeded run" in msg and "new (wf.a: adsl.xpt)" in msg
    with pytest.raises(ArtifactNotFoundError, match="no succeeded run recorded 'Other' \\(artifacts there: ADaM\\)"):
        pick(store, "Other", "adsl.xpt")


def test_a_record_needs_the_artifact_and_the_filename(five_runs):
    store = five_runs
    with pytest.raises(ArtifactValueError, match="name both"):
        select_record(store, RecordSelector("ADaM"))


# ---- a whole run ---------------------------------------------------------------------------------------------------


def test_select_run(five_runs):
    store = five_runs
    assert select_run(store, RecordSelector(None)) is None  # nothing named: no narrowing
    assert select_run(store, RecordSelector("ADaM", execution="anything")) == "anything"  # checked by its reader
    assert select_run(store, RecordSelector("ADaM", newest=True)) == "new"
    assert select_run(store, RecordSelector(None, newest=True)) == "new"
    assert select_run(store, RecordSelector(None, newest=True, any_status=True)) == "going"
    assert select_run(store, RecordSelector("ADaM", newest=True, any_status=True)) == "new"  # a version
    set_tag(store, "ADaM", "approved", "mid")
    assert select_run(store, RecordSelector("ADaM", tag="approved")) == "mid"
    assert select_run(store, RecordSelector("ADaM", "adae.xpt")) == "mid"  # with a file: the run of its record
    with pytest.raises(ArtifactNotFoundError, match="recorded no file of artifact 'Other'"):
        select_run(store, RecordSelector("Other", newest=True))


# ---- selectors that cannot be resolved -----------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, named, words", [
    ({"execution": "a", "tag": "t"}, ("execution", "tag"),
     "give either execution='a' or tag='t', not both: a tag already names a run"),
    ({"execution": "a", "newest": True}, ("execution", "newest"), "give either execution='a' or newest=True, not both"),
    ({"newest": True, "tag": "t"}, ("newest", "tag"), "give either newest=True or tag='t', not both"),
    ({"execution": "a", "newest": True, "tag": "t"}, ("execution", "newest", "tag"),
     "give only one of execution='a', newest=True, tag='t'"),
])
def test_more_than_one_of_execution_newest_and_tag_is_refused_naming_the_values(kwargs, named, words):
    with pytest.raises(SelectorError) as e:
        RecordSelector("ADaM", "adsl.xpt", **kwargs)
    assert e.value.problem == "several" and e.value.named == named
    assert str(e.value).startswith(words) and "--" not in str(e.value)


def test_other_selectors_that_cannot_be_resolved():
    with pytest.raises(SelectorError, match="tag 'approved' names a version of an artifact: give the artifact too$"):
        RecordSelector(None, tag="approved")
    with pytest.raises(SelectorError, match="cannot be combined with any_status"):
        RecordSelector("ADaM", "adsl.xpt", workflow="wf.a", any_status=True)
    for bad in ("", "  ", 3):
        with pytest.raises(ArtifactValueError, match="execution must be a non-empty string"):
            RecordSelector("ADaM", "adsl.xpt", execution=bad)


def test_a_query_stores_the_version_it_asks_for():
    sel = RecordSelector("ADaM", "adsl.xpt", tag="approved", workflow="wf.a")
    assert sel.version() == {"execution": None, "tag": "approved", "workflow": "wf.a"}
    query = {"artifact": "ADaM", "filename": "adsl.xpt", "selector": sel.version()}
    assert RecordSelector.from_query(query) == sel
    assert RecordSelector.from_query({"artifact": "ADaM", "filename": "adsl.xpt"}) == RecordSelector("ADaM", "adsl.xpt")
    assert sel.describe() == "tag 'approved', workflow 'wf.a'"


# ---- the CLI: the same choices, its own flags in messages -----------------------------------------------------------


def cli(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)


def test_the_cli_names_its_flags_and_keeps_its_exit_codes(five_runs, tmp_path):
    out = str(tmp_path / "out.xpt")
    r = cli("get", "ADaM", "adsl.xpt", "-e", "old", "--latest", "-o", out)
    assert r.returncode == 2 and "use either --execution or --latest, not both" in r.stderr
    for args in (("list", "-a", "ADaM", "-e", "old", "-t", "v1"), ("show", "ADaM", "adsl.xpt", "--latest", "-t", "v1"),
                 ("get", "ADaM", "adsl.xpt", "-e", "old", "-t", "v1", "-o", out)):
        r = cli(*args)
        assert r.returncode == 1 and r.stderr.startswith("error: use one of --execution, --latest and --tag"), args
    r = cli("list", "--tag", "v1")
    assert r.returncode == 1 and "give the artifact too (--artifact)" in r.stderr
    r = cli("get", "ADaM", "adsl.xpt", "-e", "broken", "--all", "-o", out)
    assert r.returncode == 0 and "from broken" in r.stdout
    r = cli("get", "ADaM", "adsl.xpt", "--all", "-o", out)
    assert r.returncode == 0 and "from going" in r.stdout
    r = cli("lineage", "ADaM", "adae.xpt", "--latest", "--json")
    assert r.returncode == 0 and '"execution_id": "mid"' in r.stdout


def test_every_selecting_command_has_the_same_options_within_80_columns():
    from flytekitplugins.artifacts.cli.selection import EXECUTION_HELP, LATEST_HELP, TAG_HELP

    execution, latest, tag = (f"-e, --execution ID {EXECUTION_HELP}", f"--latest {LATEST_HELP}",
                              f"-t, --tag TAG {TAG_HELP}")
    for command in ("list", "get", "show", "lineage", "export", "tag"):
        r = subprocess.run([CLI, command, "--help"], capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, COLUMNS="80"))
        assert r.returncode == 0 and all(len(line) <= 80 for line in r.stdout.splitlines()), r.stdout
        shown = {" ".join(line.split()) for line in r.stdout.splitlines()
                 if line.strip().startswith(("-e, --execution", "--latest", "-t, --tag"))}
        assert shown == ({execution, latest} if command == "tag" else {execution, latest, tag}), command
