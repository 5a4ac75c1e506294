"""The compare page: production and QC versions of ADSL recorded by real local runs (tests/flows/clinical.py),
compared value by value through the app's routes (Starlette's test client, and uvicorn over real HTTP), and in a
real headless Chromium choosing the versions in the page's form. Hostile query values are named or refused."""

import html
import os
import urllib.parse
import urllib.request

import pytest
from flows import clinical
from ui_helpers import CHROMIUM, local_client, serve

from flytekitplugins.artifacts.store.artifact_store import ArtifactStore
from flytekitplugins.artifacts.ui.app import create_app

PROD, QC = "CLIN ADaM", "CLIN ADaM QC"


@pytest.fixture(scope="module")
def clin(tmp_path_factory):
    """A store holding production ADSL (twice: as is, then with subject 1's ARM as markup) and QC ADSL (AGE of
    subject 3 one more); yields (store, first production run, second production run, QC run)."""
    tmp = str(tmp_path_factory.mktemp("ui-compare"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FLYTE_ARTIFACTS_ROOT", os.path.join(tmp, "store"))
        mp.delenv("FLYTE_INTERNAL_EXECUTION_ID", raising=False)
        store = ArtifactStore()
        clinical.production(change="")
        first = store.latest_execution()
        clinical.production(change="markup")
        second = store.latest_execution()
        clinical.qc(change="age")
        qc = store.latest_execution()
        yield store, first, second, qc


@pytest.fixture(scope="module")
def client(clin):
    with local_client(create_app(clin[0])) as c:
        yield c


def q(**params) -> str:
    return "/compare?" + urllib.parse.urlencode(params)


def test_two_versions_of_one_file(client, clin):
    _, first, second, _ = clin
    r = client.get(q(artifact=PROD, filename="adsl.xpt", base=first, compare=second, key="USUBJID"))
    assert r.status_code == 200, r.text
    assert "Different" in r.text and "ARM: first 1 of 1 differences" in r.text
    # the changed value is markup in the data: shown as text, never as HTML
    assert "&lt;b&gt;Placebo&lt;/b&gt;" in r.text and "<b>Placebo</b>" not in r.text
    assert "USUBJID=CLIN01-001" in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'none'")


def test_production_against_qc_across_artifacts(client, clin):
    _, first, _, qc = clin
    r = client.get(q(artifact=PROD, filename="adsl.xpt", base=first, compare_artifact=QC,
                     compare_filename="adsl.xpt", compare=qc, key="USUBJID"))
    assert r.status_code == 200, r.text
    assert "AGE: first 1 of 1 differences" in r.text and "46.0" in r.text and "47.0" in r.text
    assert "observations: 12 in both, 0 only in base, 0 only in compare" in r.text
    # within a tolerance the two agree
    r = client.get(q(artifact=PROD, filename="adsl.xpt", base=first, compare_artifact=QC, compare=qc,
                     key="USUBJID", tolerance="1.5"))
    assert r.status_code == 200 and "Equal" in r.text and "Different" not in r.text


def test_the_form_alone_lists_the_versions(client, clin):
    _, first, second, _ = clin
    r = client.get(q(artifact=PROD, filename="adsl.xpt"))
    assert r.status_code == 200
    assert r.text.count(f'value="{first}"') == 2 and r.text.count(f'value="{second}"') == 2
    assert "verdict" not in r.text


def test_file_and_diff_pages_link_to_the_compare(client, clin):
    _, first, second, _ = clin
    page = client.get("/run/file?" + urllib.parse.urlencode({"run": second, "artifact": PROD,
                                                             "filename": "adsl.xpt"})).text
    href = html.unescape(page.split(">Compare values<")[0].rsplit('href="', 1)[1].split('"')[0])
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(href).query) == {
        "artifact": [PROD], "filename": ["adsl.xpt"], "base": [first], "compare": [second]}
    assert "Different" in client.get(href).text
    r = client.get("/compare?" + urllib.parse.urlencode({"artifact": PROD, "filename": "adsl.xpt", "old": first,
                                                         "new": second}))
    assert r.status_code == 200 and "ARM: first 1 of 1 differences" in r.text  # the artifact page's form
    assert 'formaction="/compare"' in client.get("/artifact?" + urllib.parse.urlencode({"name": PROD})).text
    diff = client.get("/diff?" + urllib.parse.urlencode({"artifact": PROD, "filename": "adsl.xpt", "old": first,
                                                         "new": second})).text
    assert "Compare these two versions value by value" in diff


@pytest.mark.parametrize("params, status, fragment", [
    ({"key": "<script>alert(1)</script>"}, 400, "key variable &lt;script&gt;alert(1)&lt;/script&gt; is not in"),
    ({"tolerance": "abc"}, 400, "tolerance &#39;abc&#39; is not a number"),
    ({"tolerance": "-1"}, 400, "must be a finite number &gt;= 0"),
    ({"rel_tolerance": "nan"}, 400, "must be a finite number"),
    ({"key": "USUBJID,,AGE"}, 400, "has an empty name"),
    ({"key": "A" * 2000}, 400, "at most 1000"),
    ({"compare": "../../etc/passwd"}, 404, "run &#39;../../etc/passwd&#39; has no file"),
    ({"compare_filename": "<img src=x onerror=alert(2)>"}, 404, "&lt;img src=x onerror=alert(2)&gt;"),
    ({"base": "x\x00y"}, 404, "NUL character"),
])
def test_hostile_query_values_are_named_as_text(client, clin, params, status, fragment):
    _, first, second, _ = clin
    query = {"artifact": PROD, "filename": "adsl.xpt", "base": first, "compare": second, **params}
    r = client.get(q(**query))
    assert r.status_code == status, r.text
    assert fragment in r.text
    assert "<script>alert" not in r.text and "<img src=x" not in r.text


def test_an_unknown_file_is_named_and_only_get_is_served(client, clin):
    store, first, _, _ = clin
    r = client.get(q(artifact="no such artifact", filename="adsl.xpt", base=first, compare=first))
    assert r.status_code == 404 and "has no file" in r.text and "choose a version the list offers" in r.text
    assert client.post(q(artifact=PROD, filename="adsl.xpt")).status_code == 405


def test_over_real_http(clin):
    store, first, _, qc = clin
    with serve(create_app(store)) as base:
        url = base + q(artifact=PROD, filename="adsl.xpt", base=first, compare_artifact=QC, compare=qc,
                       key="USUBJID")
        with urllib.request.urlopen(url, timeout=60) as resp:
            body = resp.read().decode()
            assert resp.status == 200 and resp.headers["x-frame-options"] == "DENY"
    assert "AGE: first 1 of 1 differences" in body


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_choosing_versions_in_a_real_browser(clin, browser, tmp_path):
    store, first, second, qc = clin
    with serve(create_app(store)) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        # from the artifact page's version form, then the key on the compare page
        page.goto(base + "/artifact?" + urllib.parse.urlencode({"name": PROD}))
        page.get_by_label("Old").select_option(first)
        page.get_by_label("New").select_option(second)
        page.get_by_role("button", name="Value by value").click()
        page.wait_for_load_state()
        assert page.locator("p.verdict").inner_text() == "Different"  # matched by observation number
        assert page.locator("select[name=base]").input_value() == first
        page.fill("input[name=key]", "USUBJID")
        page.get_by_role("button", name="Compare").click()
        page.wait_for_load_state()
        assert page.locator("p.verdict").inner_text() == "Different"
        titles = [h.inner_text() for h in page.locator("main h2").all()]
        assert "ARM: first 1 of 1 differences" in titles
        row = page.locator("table.compare tr", has_text="CLIN01-001")
        assert "<b>Placebo</b>" in row.last.inner_text()  # the markup in the data, shown as text
        page.screenshot(path=str(tmp_path / "compare.png"), full_page=True)
        # now QC, in another artifact, named in the form
        page.fill("input[name=compare_artifact]", QC)
        page.get_by_role("button", name="Compare").click()
        page.wait_for_load_state()
        # the production run is not a version of QC's file: named, and the form now lists QC's versions
        assert "has no file" in page.locator("p.error").inner_text()
        page.select_option("select[name=compare]", qc)
        page.get_by_role("button", name="Compare").click()
        page.wait_for_load_state()
        assert "AGE: first 1 of 1 differences" in [h.inner_text() for h in page.locator("main h2").all()]
        assert dialogs == []
        page.close()
