"""The web page's partitions: shown on a file's page and an artifact's versions, and the versions filtered by them,
over a store made by real partitioned runs (Starlette's test client: real requests through the app)."""

from flows import partitioned
from markupsafe import escape
from ui_helpers import local_client

from flytekitplugins.artifacts.store.artifact_store import ArtifactStore
from flytekitplugins.artifacts.ui.app import create_app


def _client():
    return local_client(create_app(ArtifactStore()))

def test_versions_show_and_filter_by_partition():
    partitioned.adam(study="MINI01")
    partitioned.adam(study="MINI02")
    partitioned.adam(study="<b>x</b>")
    client = _client()
    page = client.get("/artifact", params={"name": "ADaM"}).text
    assert "<code>study=MINI01</code>" in page and "<code>study=MINI02</code>" in page
    assert 'name="partition"' in page
    assert "<b>x</b>" not in page and str(escape("study=<b>x</b>")) in page  # markup in a value is escaped
    only = client.get("/artifact", params={"name": "ADaM", "partition": "study=MINI02"})
    assert only.status_code == 200
    assert "study=MINI02" in only.text and "<code>study=MINI01</code>" not in only.text
    assert "1 version," in only.text

def test_a_filter_that_matches_nothing_or_is_malformed_says_why():
    partitioned.adam(study="MINI01")
    client = _client()
    none = client.get("/artifact", params={"name": "ADaM", "partition": "study=NOPE"})
    assert none.status_code == 404 and "values of study: MINI01" in none.text
    bad = client.get("/artifact", params={"name": "ADaM", "partition": "study"})
    assert bad.status_code == 404 and "is not KEY=VALUE" in bad.text
    key = client.get("/artifact", params={"name": "ADaM", "partition": "stdy=MINI01"})
    assert key.status_code == 404 and "no partition key" in key.text and "study" in key.text

def test_a_files_page_shows_its_partitions_with_a_link_to_the_filtered_versions():
    partitioned.adam(study="MINI01")
    store = ArtifactStore()
    rec = store.records(artifact="ADaM")[0]
    page = _client().get("/run/file", params={"run": rec.execution_id, "artifact": "ADaM",
                                               "filename": "adsl.csv"})
    assert page.status_code == 200, page.text[:500]
    assert "Partitions" in page.text and "partition=study%3DMINI01" in page.text
