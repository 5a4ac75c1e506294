"""A stand-in for flytekit's ``FlyteRemote`` at the one boundary the plugin has with a cluster: it is put in place
of ``flytekit.remote.FlyteRemote`` (where ``flyte/trigger_remote.make_remote`` takes it from) and writes every
``execute`` call as a JSON line to ``$FAKE_REMOTE_LOG``. Like FlyteRemote, an execution name it already has gives
back that execution instead of a second one. ``$FAKE_REMOTE_FAIL`` makes that many first calls raise, as an
unreachable cluster would; ``$FAKE_REMOTE_HANG`` makes a new submission hang once it is logged."""

import json
import os

import flytekit.remote


class _Id:
    def __init__(self, project, domain, name):
        self.project, self.domain, self.name = project, domain, name


class _Execution:
    def __init__(self, ident):
        self.id = ident


def _calls():
    path = os.environ["FAKE_REMOTE_LOG"]
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


class FakeRemote:
    def __init__(self, config, default_project=None, default_domain=None, **kwargs):
        self.endpoint = config.platform.endpoint
        self.default_project, self.default_domain = default_project, default_domain

    def execute(self, entity, inputs=None, project=None, domain=None, version=None, execution_name=None,
                wait=False, **kwargs):
        calls = _calls()
        call = {"endpoint": self.endpoint, "entity": entity.name, "project": project, "domain": domain,
                "version": version, "execution_name": execution_name, "wait": wait,
                "inputs": {k: getattr(v, "remote_source", None) or getattr(v, "path", v) for k, v in inputs.items()},
                "pid": os.getpid()}
        if len(calls) < int(os.environ.get("FAKE_REMOTE_FAIL", "0")):
            call["raised"] = True
        else:
            call["existing"] = any(c["execution_name"] == execution_name and not c.get("raised") for c in calls)
        with open(os.environ["FAKE_REMOTE_LOG"], "a") as f:
            f.write(json.dumps(call, sort_keys=True) + "\n")
        if os.environ.get("FAKE_REMOTE_HANG") and not call.get("existing"):
            import time

            time.sleep(600)  # submitted, then this sweeper is killed by the test before it marks the run started
        if call.get("raised"):
            raise ConnectionError(f"failed to connect to {self.endpoint}")
        return _Execution(_Id(project, domain, execution_name))

    def generate_console_url(self, execution):
        return f"https://{self.endpoint}/console/projects/{execution.id.project}/executions/{execution.id.name}"


def install():
    flytekit.remote.FlyteRemote = FakeRemote
