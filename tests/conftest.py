"""Fixtures every kind of test uses (a fresh store per test, the moto S3 server, a store and a dataset catalog), and
the markers of each test's kind, given by the folder it sits in.

Layout: ``unit/`` (fast, in-process, no server, no workflow run beyond a trivial one), ``contract/`` (run against
every backend: add a backend to the ``backend`` fixture in ``contract/conftest.py``), ``integration/local``
(real runs, scripts and CLI processes on a local store), ``integration/s3`` (against the moto server),
``integration/cluster`` (pod by pod with ``pyflyte-execute``, beside ``cluster_harness.py``) and
``integration/ui`` (the web page's routes and a real browser). ``flows/`` (the flows the tests run),
``repo_paths.py`` and ``example_checks.py`` are shared by all of them.
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
# The shared modules (flows, repo_paths, example_checks) are imported by name from any folder; so are the helpers
# beside each test module (cluster_harness, ui_helpers), as pytest puts a test module's folder on sys.path.
if HERE not in sys.path:
    sys.path.insert(0, HERE)
# Summaries are computed before a run ends, so a test (or a store a fixture builds once per module) reads them right
# after it; the background process local runs use by default has its own tests
# (integration/local/test_background_summaries.py). Set for the whole session, so the processes tests start inherit it.
os.environ.setdefault("FLYTE_ARTIFACTS_SUMMARIES", "inline")


def pytest_collection_modifyitems(config, items):
    """Each test is marked with the folders it sits in (``unit``, ``contract``, ``integration`` and ``local``, ``s3``,
    ``cluster`` or ``ui``), and with ``s3`` wherever it uses the moto server."""
    for item in items:
        if not str(item.path).startswith(HERE + os.sep):
            continue
        folders = os.path.relpath(os.path.dirname(str(item.path)), HERE).split(os.sep)
        if folders == ["."]:
            raise pytest.UsageError(f"{item.nodeid}: a test module belongs in a folder of its kind (tests/conftest.py)")
        for name in folders:
            item.add_marker(name)  # an unregistered folder fails under --strict-markers
        uses_s3 = "moto_server" in item.fixturenames or "s3_endpoint" in item.fixturenames
        if uses_s3 and "s3" not in folders:
            item.add_marker("s3")
        server = getattr(getattr(item, "callspec", None), "params", {}).get("s3_server", S3_SERVERS[0])
        if server == "ceph" and item.get_closest_marker("moto_only") and "s3_server" in item.fixturenames:
            item.add_marker(pytest.mark.skip(reason="needs moto's own API or behaviour (moto_only)"))


@pytest.fixture(autouse=True)
def artifacts_root(tmp_path, monkeypatch):
    """Every test gets its own empty artifact store (and never touches the user's home)."""
    root = tmp_path / "artifact-store"
    monkeypatch.setenv("FLYTE_ARTIFACTS_ROOT", str(root))
    monkeypatch.delenv("FLYTE_INTERNAL_EXECUTION_ID", raising=False)
    return str(root)


# ---- S3: moto's standalone server as a real process, spoken to over HTTP on 127.0.0.1 ------------------------

import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid

MOTO_START_TIMEOUT = 60


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    # A direct opener: a proxy from the environment must never see test traffic.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url + "/moto-api/", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _start_moto(log_path: str):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(log_path, "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        # Anything moto writes to its working folder (recordings) stays out of the repository.
        cwd=os.path.dirname(log_path),
    )
    log.close()
    deadline = time.monotonic() + MOTO_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return None, None  # most likely lost the port to another process: the caller tries another
        if _answers(url):
            return proc, url
        time.sleep(0.1)
    _stop(proc)
    with open(log_path, "rb") as f:
        tail = f.read()[-2000:].decode(errors="replace")
    raise RuntimeError(f"moto server did not answer at {url} within {MOTO_START_TIMEOUT}s:\n{tail}")


def _stop(proc) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory):
    """URL of a moto S3 server running as a subprocess for the whole session; stopped at the end."""
    log_path = str(tmp_path_factory.mktemp("moto") / "server.log")
    for _ in range(3):
        proc, url = _start_moto(log_path)
        if proc is not None:
            break
    else:
        with open(log_path, "rb") as f:
            tail = f.read()[-2000:].decode(errors="replace")
        raise RuntimeError(f"moto server exited at start three times:\n{tail}")
    try:
        yield url
    finally:
        _stop(proc)


#: The S3 servers the S3 tests run against: moto alone by default; moto and Ceph's RADOS gateway with
#: ARTIFACTS_TEST_CEPH=1; the gateway alone with ARTIFACTS_TEST_CEPH=only (what ``make test`` runs after the main
#: run). ``make ceph`` installs the gateway from Debian's packages.
_CEPH = os.environ.get("ARTIFACTS_TEST_CEPH", "")
S3_SERVERS = {"1": ["moto", "ceph"], "only": ["ceph"]}.get(_CEPH, ["moto"])


def _ceph_gateway_module():
    folder = os.path.join(HERE, "integration", "s3")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import ceph_gateway

    return ceph_gateway


def pytest_configure(config):
    """With the gateway on, one gateway serves the whole run: started here, in the process that runs the tests or
    (under xdist) in the controller, whose workers are told its URL; stopped when the run ends."""
    config._ceph = {}
    if "ceph" not in S3_SERVERS or hasattr(config, "workerinput"):
        return
    gw = _ceph_gateway_module()
    missing = gw.missing_commands()
    if missing:
        config._ceph["skip"] = gw.skip_message(missing)
        return
    base = tempfile.mkdtemp(prefix="artifacts-ceph-")
    gateway = gw.CephGateway(base)
    config._ceph["gateway"] = gateway
    try:
        config._ceph["url"] = gateway.start()
    except Exception as e:  # noqa: BLE001  (reported by every test that needs the gateway)
        gateway.stop()
        config._ceph["error"] = f"the Ceph RADOS gateway did not start: {e}"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist: each worker is given the controller's gateway (or why there is none)."""
    node.workerinput["ceph"] = {k: v for k, v in node.config._ceph.items() if k != "gateway"}


def pytest_unconfigure(config):
    gateway = getattr(config, "_ceph", {}).get("gateway")
    if gateway is not None:
        gateway.stop()
        shutil.rmtree(gateway.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def ceph_server(request):
    """URL of the run's Ceph RADOS gateway (monitor, memstore OSD, radosgw). Skipped, saying why and what to
    install, where the Ceph packages are not installed."""
    config = request.config
    ceph = config.workerinput.get("ceph", {}) if hasattr(config, "workerinput") else config._ceph
    if "skip" in ceph:
        pytest.skip(ceph["skip"])
    if "error" in ceph or "url" not in ceph:
        pytest.fail(ceph.get("error", "the Ceph RADOS gateway is off: set ARTIFACTS_TEST_CEPH=1 or =only"))
    return ceph["url"]


# Parametrized only when there is more than one server: a fixture reached by ``request.getfixturevalue`` (the
# ``store`` fixture's indirect "s3") cannot be a parametrized one, so with one server it is a plain fixture.
@pytest.fixture(scope="session", **({"params": S3_SERVERS} if len(S3_SERVERS) > 1 else {}))
def s3_server(request):
    """The URL of the S3 server this test runs against (parametrized over ``S3_SERVERS`` when there are two)."""
    server = getattr(request, "param", S3_SERVERS[0])
    return request.getfixturevalue("moto_server" if server == "moto" else "ceph_server")


@pytest.fixture
def s3_endpoint(s3_server, tmp_path, monkeypatch):
    """The S3 server's URL, with this test's AWS environment pointing at it (and nowhere else)."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3", "AWS_REGION",
                 "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
                 "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # The user's ~/.aws files could name another endpoint or profile.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return s3_server


@pytest.fixture
def s3_bucket(s3_endpoint):
    """A fresh, empty bucket for this test."""
    import boto3

    name = f"test-{uuid.uuid4().hex[:20]}"
    boto3.session.Session().client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_root(s3_bucket, monkeypatch):
    """``s3://<fresh bucket>/store``, also set as FLYTE_ARTIFACTS_ROOT for this test."""
    root = f"s3://{s3_bucket}/store"
    monkeypatch.setenv("FLYTE_ARTIFACTS_ROOT", root)
    return root


# ---- a store and its dataset catalog ----------------------------------------------------------------------------


@pytest.fixture
def store(request):
    """The artifact store at ``FLYTE_ARTIFACTS_ROOT``: this test's own folder, or a fresh S3 bucket where the test is
    parametrized with ``indirect=True`` and the value ``"s3"``."""
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    if getattr(request, "param", "local") == "s3":
        request.getfixturevalue("s3_root")
    return ArtifactStore()


@pytest.fixture
def catalog(store):
    from flytekitplugins.artifacts.ops.datasets import DatasetCatalog

    return DatasetCatalog(store)


@pytest.fixture
def ds(catalog, tmp_path):
    """A dataset named ``clean-data`` in a folder of this test."""
    return catalog.create("clean-data", str(tmp_path / "datasets" / "clean"))
