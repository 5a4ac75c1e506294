"""The web page's triggers view, over a store where real runs launched real runs."""

import urllib.parse

from markupsafe import escape
from ui_helpers import SCRIPT_NAME, local_client

from flytekitplugins.artifacts.ops.triggers import sweep
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore
from flytekitplugins.artifacts.ui.app import create_app


def test_triggers_page_shows_each_trigger_and_its_history(tmp_path):
    from flows import triggers as flows

    store = ArtifactStore()
    hostile = flows.Trigger(on=flows.on_artifact(flows.ADaM, filename="adsl.xpt"), launch=flows.tfl_reports,
                            input="adsl", name=SCRIPT_NAME)
    with local_client(create_app(store)) as client:
        assert "No trigger has swept this store yet" in client.get("/triggers").text
        for trig in (flows.on_adsl, hostile):
            sweep(store, trig)
        flows.produce(text="good")
        flows.produce(text="boom")
        launched = sweep(store, flows.on_adsl)
        sweep(store, hostile)
        r = client.get("/triggers")
        assert r.status_code == 200
        page = r.text
    good, bad = launched.launched[0], launched.failed[0]
    for m in (good, bad):
        assert escape(f"/run?{urllib.parse.urlencode({'id': m['version']})}") in page
    assert escape(f"/run?{urllib.parse.urlencode({'id': good['run']})}") in page  # a run that recorded files
    assert "cannot report on" in page and "failed" in page
    assert SCRIPT_NAME not in page and str(escape(SCRIPT_NAME)) in page
    assert 'href="/triggers" aria-current="page"' in page


def test_triggers_page_shows_a_partition_filter_and_a_launching_entry(tmp_path, monkeypatch):
    from flows import partition_triggers as flows

    from flytekitplugins.artifacts.store import keys

    monkeypatch.setenv("TRIGGER_LOG", str(tmp_path / "log"))
    store = ArtifactStore()
    sweep(store, flows.on_mini01)
    flows.study_sites(study="MINI01", site="<b>A</b>", text="x")
    sweep(store, flows.on_mini01)
    (entry,) = store.backend.list_children(keys.trigger_versions_prefix(flows.on_mini01.spec.name))
    # an entry whose sweeper was stopped after launched.json: shown as launching, the ledger's remote fields escaped
    other = "other-entry"
    store.backend.write_once(keys.trigger_launched_key(flows.on_mini01.spec.name, other), b'{"run": "r1"}')
    store.backend.write_once(keys.trigger_started_key(flows.on_mini01.spec.name, entry + "x"),
                             b'{"run": "r2", "remote": {"name": "<i>t1</i>", "project": "p", "domain": "d"}}')
    with local_client(create_app(store)) as client:
        page = client.get("/triggers").text
    assert "in partition <code>study=MINI01</code>" in page
    assert "launching" in page and "launched" in page
    assert "on the cluster as <code>p/d/&lt;i&gt;t1&lt;/i&gt;</code>" in page and "<i>t1</i>" not in page
