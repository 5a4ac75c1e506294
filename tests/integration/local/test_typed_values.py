"""Typed values of artifact files in local runs (``flows/typed.py``): queried files keep their filename, tables
reach tasks as DataFrames and Tables, objects with a handler are recorded and taken back, query defaults appear on
the launch form; and what bad handlers, unhandled types and mixed-up Artifact classes get."""

import hashlib
import json
import os
import subprocess
import sys
from collections import OrderedDict

import joblib
import pandas as pd
import pytest
from flows import typed
from flytekit import LaunchPlan
from flytekit.configuration import ImageConfig, SerializationSettings
from flytekit.tools.translator import get_serializable
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import ArtifactStore, ArtifactTypeError

BIN = os.path.dirname(sys.executable)


def cli(*args):
    proc = subprocess.run([os.path.join(BIN, "flyte-artifacts"), *args], capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def latest(filename):
    store = ArtifactStore()
    (rec,) = [r for r in store.records(store.latest_execution()) if r.filename == filename]
    return rec


def test_queried_file_reaches_the_task_under_its_filename():
    typed.produce(n=3)
    # The store keeps the bytes under their sha256; the task gets them under rows.parquet, so read_frame knows them.
    assert latest("rows.parquet").uri.rsplit("/", 1)[-1] != "rows.parquet"
    assert typed.queried_file() == "rows.parquet 3"
    typed.produce_part(region="SEA", n=2)
    assert typed.part_default() == "part.csv 2"  # a query default, partitioned
    code, out, err = cli("verify")
    assert code == 0, out + err  # the link given to the task left the stored bytes as they were


def test_tables_arrive_as_dataframes_and_tables_from_outputs_queries_and_defaults():
    assert typed.sum_upstream(n=4) == 14
    typed.produce(n=3)
    assert typed.sum_queried() == 5
    assert typed.sum_default() == 5
    assert typed.width_default() == "2x3"
    assert typed.biggest_default() == 4  # a StructuredDataset
    assert typed.biggest_upstream(n=6) == 25
    assert typed.sum_default(rows=pd.DataFrame({"sq": [5, 6]})) == 11  # a value passed wins over the query


def test_handled_object_recorded_with_its_bytes_and_taken_back(tmp_path):
    assert typed.train_and_predict(slope=2.0, x=3.0) == 7.0
    rec = latest("model.joblib")
    code, out, err = cli("get", "Typed Models", "model.joblib", "-o", str(tmp_path / "model.joblib"))
    assert code == 0, err
    data = (tmp_path / "model.joblib").read_bytes()
    assert (rec.size, rec.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    model = joblib.load(tmp_path / "model.joblib")
    assert isinstance(model, typed.Regressor) and (model.coef_, model.intercept_) == (2.0, 1.0)
    assert typed.predict_queried(x=10.0) == 21.0
    assert typed.predict_default(x=10.0) == 21.0  # a query default of a handled class
    assert typed.predict_default(x=10.0, model=typed.Regressor(1.0, 0.0)) == 10.0  # an object passed wins


def test_dict_kept_as_json_and_taken_as_dict(tmp_path):
    assert typed.params_flow(alpha=0.5) == "0.5 2"
    code, _, err = cli("get", "Typed Models", "params.json", "-o", str(tmp_path / "p.json"))
    assert code == 0, err
    assert json.loads((tmp_path / "p.json").read_text()) == {"alpha": 0.5, "layers": [64, 32]}


def test_handler_that_raises_is_a_clear_error_and_records_nothing(tmp_path):
    from flows import typed_errors

    from flytekitplugins.artifacts.flyte.handlers import HandlerError, handler_for

    typed.produce(n=1)
    with pytest.raises(Exception) as info:
        typed_errors.fragile_flow()
    text = str(info.value)
    assert "handler of flows.typed_errors.Fragile failed to write a Fragile to 'model.frag'" in text
    assert "OSError: disk full" in text and "Nothing was recorded" in text
    code, out, _ = cli("list", "--all", "--json")
    assert code == 0 and {r["artifact"] for r in json.loads(out)} == {"Typed Tables"}
    # The half-written file is removed before the error goes up.
    with pytest.raises(HandlerError):
        handler_for(typed_errors.Fragile).write(typed_errors.Fragile(), str(tmp_path / "model.frag"))
    assert not (tmp_path / "model.frag").exists()


def test_type_without_handler_names_it_and_register_handler():
    from flows import typed_errors

    with pytest.raises(Exception) as info:
        typed_errors.unhandled_flow()
    text = str(info.value)
    assert "got a flows.typed_errors.Unhandled, which no handler writes as file type 'dat'" in text
    assert "register_handler(flows.typed_errors.Unhandled, serialize, deserialize, extension='dat')" in text


def test_task_taking_an_unhandled_class_from_an_artifact_file_is_refused_at_compile_time():
    from flows.typed_errors import Unhandled
    from flytekit import task, workflow

    @task
    def use(m: Unhandled) -> int:
        return 1

    @workflow
    def wf() -> int:
        return use(m=typed.make_table(n=1))

    with pytest.raises(ArtifactTypeError) as info:
        wf.compile()

    assert "input 'm'" in str(info.value) and "register_handler(flows.typed_errors.Unhandled" in str(info.value)


def _launch_plan(lp):
    settings = SerializationSettings(image_config=ImageConfig.auto_default_image(), project="p", domain="d",
                                     version="v1")
    return get_serializable(OrderedDict(), settings, lp)


def test_launch_form_shows_the_query_and_an_explicit_default_stays(tmp_path):
    params = _launch_plan(LaunchPlan.get_or_create(typed.part_default)).spec.default_inputs.parameters
    q = params["rows"].artifact_query
    assert params["rows"].default is None and not params["rows"].required
    assert q.artifact_id.artifact_key.name == "Typed Parts/part.csv"
    assert dict((k, v.static_value) for k, v in q.artifact_id.partitions.value.items()) == {"region": "SEA"}
    # Inputs that are not query defaults keep their own parameter.
    plain = _launch_plan(LaunchPlan.get_or_create(typed.sum_upstream)).spec.default_inputs.parameters
    assert plain["n"].artifact_query is None and plain["n"].required
    # A launch plan's own default for a query-default input is kept as its default.
    path = tmp_path / "part.csv"
    path.write_text("i,sq\n0,0\n")
    own = LaunchPlan.create("typed_own_default", typed.part_default, default_inputs={"rows": FlyteFile(str(path))})
    param = _launch_plan(own).spec.default_inputs.parameters["rows"]
    assert param.artifact_query is None and param.default.scalar.union.value.scalar.blob.uri


def test_tagged_query_default_is_a_tag_query():
    from flytekit import workflow
    from flytekit.types.file import FlyteFile

    @workflow
    def approved(rows: FlyteFile = typed.Tables.query("rows.parquet", tag="approved")) -> str:
        return typed.file_info(rows=rows)

    q = _launch_plan(LaunchPlan.get_or_create(approved)).spec.default_inputs.parameters["rows"].artifact_query
    assert q.artifact_tag.artifact_key.name == "Typed Tables/rows.parquet"
    assert q.artifact_tag.value.static_value == "approved"


def _doc_example(name):
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "typed-values.md")) as f:
        doc = f.read()
    return doc.split(f"<!-- typed-values example: {name} -->\n```python\n", 1)[1].split("```", 1)[0]


def _run_script(path):
    r = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300, cwd=path.parent)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout.strip().splitlines()


def test_examples_in_the_docs_run(tmp_path):
    (tmp_path / "tables.py").write_text(_doc_example("tables"))
    assert _run_script(tmp_path / "tables.py") == ["52.0", "52.0", "adsl.parquet: 5 rows"]
    (tmp_path / "launch_form.py").write_text(_doc_example("launch form"))
    assert _run_script(tmp_path / "launch_form.py") == ["ADaM/adsl.parquet"]
    (tmp_path / "models.py").write_text(_doc_example("handlers"))
    assert _run_script(tmp_path / "models.py") == ["7.0", "21.0", "alpha=0.5"]
    store = ArtifactStore()
    names = {(r.artifact, r.filename) for e in store.executions() for r in store.records(e["execution_id"])}
    assert {("ADaM", "adsl.parquet"), ("Models", "model.joblib"), ("Models", "settings.json")} <= names
