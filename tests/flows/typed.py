"""Typed values of artifact files: tables taken as DataFrames and Tables, objects kept by handlers, queried files
with their extension, and query defaults shown on the launch form. Run locally (tests/integration/local) and pod by
pod (tests/integration/cluster, where each emulated pod imports it from the tests folder)."""

import json
import os

import joblib
import pandas as pd
import pyarrow as pa
from flytekit import LaunchPlan, task, workflow
from flytekit.types.file import FlyteFile
from flytekit.types.structured import StructuredDataset

from flytekitplugins.artifacts import DATA, MODEL, Artifact, Inputs, register_handler
from flytekitplugins.artifacts.ops.summaries import read_frame

Tables = Artifact("Typed Tables", DATA)
Parts = Artifact("Typed Parts", DATA, partition_keys=["region"])
Models = Artifact("Typed Models", MODEL)


class Regressor:
    """A model shaped like scikit-learn's: fitted coefficients and ``predict``."""

    def __init__(self, slope: float, intercept: float):
        self.coef_ = slope
        self.intercept_ = intercept

    def predict(self, x: float) -> float:
        return self.coef_ * x + self.intercept_


def _dump_json(value: dict, path: str) -> None:
    with open(path, "w") as f:
        json.dump(value, f, sort_keys=True)


def _load_json(path: str) -> dict:
    with open(path) as f:
        return json.load(f)


register_handler(Regressor, joblib.dump, joblib.load, extension="joblib")
register_handler(dict, _dump_json, _load_json, extension="json")


# ---- tables -----------------------------------------------------------------------------------------------------


@task
def make_table(n: int) -> Tables.File(name="rows.parquet"):
    return pd.DataFrame({"i": list(range(n)), "sq": [i * i for i in range(n)]})


@task
def make_part(region: str, n: int) -> Parts.File(name="part.csv", partitions={"region": Inputs.region}):
    return pd.DataFrame({"i": list(range(n)), "sq": [i * i for i in range(n)]})


@task
def total(rows: pd.DataFrame) -> int:
    return int(rows["sq"].sum())


@task
def biggest(rows: StructuredDataset) -> int:
    return int(rows.open(pd.DataFrame).all()["sq"].max())


@task
def width(rows: pa.Table) -> str:
    return f"{rows.num_columns}x{rows.num_rows}"


@task
def file_info(rows: FlyteFile) -> str:
    path = rows.download()
    return f"{os.path.basename(path)} {len(read_frame(path))}"


@workflow
def produce(n: int):
    make_table(n=n)


@workflow
def produce_part(region: str, n: int):
    make_part(region=region, n=n)


@workflow
def sum_upstream(n: int) -> int:
    return total(rows=make_table(n=n))


@workflow
def sum_queried() -> int:
    return total(rows=Tables.query("rows.parquet"))


@workflow
def sum_default(rows: pd.DataFrame = Tables.query("rows.parquet")) -> int:
    return total(rows=rows)


@workflow
def biggest_upstream(n: int) -> int:
    return biggest(rows=make_table(n=n))


@workflow
def biggest_default(rows: StructuredDataset = Tables.query("rows.parquet")) -> int:
    return biggest(rows=rows)


@workflow
def width_default(rows: pa.Table = Tables.query("rows.parquet")) -> str:
    return width(rows=rows)


@workflow
def queried_file() -> str:
    return file_info(rows=Tables.query("rows.parquet"))


@workflow
def part_default(rows: FlyteFile = Parts.query("part.csv", region="SEA")) -> str:
    return file_info(rows=rows)


part_form = LaunchPlan.get_or_create(part_default, name="part_form")


# ---- objects ------------------------------------------------------------------------------------------------------


@task
def fit(slope: float) -> Models.File(name="model.joblib"):
    return Regressor(slope, 1.0)


@task
def predict(model: Regressor, x: float) -> float:
    return model.predict(x)


@task
def fit_params(alpha: float) -> Models.File(name="params.json"):
    return {"alpha": alpha, "layers": [64, 32]}


@task
def layers(params: dict) -> str:
    return f"{params['alpha']} {len(params['layers'])}"


@workflow
def train_and_predict(slope: float, x: float) -> float:
    return predict(model=fit(slope=slope), x=x)


@workflow
def predict_queried(x: float) -> float:
    return predict(model=Models.query("model.joblib"), x=x)


@workflow
def params_flow(alpha: float) -> str:
    return layers(params=fit_params(alpha=alpha))


@workflow
def predict_default(x: float, model: Regressor = Models.query("model.joblib")) -> float:
    return predict(model=model, x=x)
