"""Flows written with flytekit's own ``Artifact`` (no plugin declaration): every kind of value, every way of
giving partition values, and workflows whose inputs default to flytekit queries."""

import datetime
import os
import signal
import tempfile
from dataclasses import dataclass
from typing import Annotated

import pandas as pd
import pyarrow as pa
from flytekit import Artifact, LaunchPlan, task, workflow
from flytekit.core.artifact import ArtifactQuery, Inputs
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile
from flytekit.types.structured import StructuredDataset

RideCount = Artifact(name="ride_count", partition_keys=["region"])
RideTable = Artifact(name="ride_table", partition_keys=["region"])
RideSD = Artifact(name="ride_sd", partition_keys=["region"])
RideFile = Artifact(name="ride_file", partition_keys=["region"])
RideDir = Artifact(name="ride_dir", partition_keys=["region"])
RideTotal = Artifact(name="ride_total", partition_keys=["region"])
Pricing = Artifact(name="pricing", partition_keys=["region", "tier"])
Settings = Artifact(name="settings")
Daily = Artifact(name="daily_rides", partition_keys=["region"], time_partitioned=True)


@dataclass
class Config:
    threshold: float
    label: str


def _frame(region: str, n: int) -> pd.DataFrame:
    return pd.DataFrame({"region": [region] * n, "rides": list(range(n))})


@task
def count_rides(region: str, n: int) -> Annotated[pd.DataFrame, RideCount(region=Inputs.region)]:
    return _frame(region, n)


@task
def ride_table(region: str, n: int) -> Annotated[pa.Table, RideTable(region=Inputs.region)]:
    return pa.Table.from_pandas(_frame(region, n))


@task
def ride_sd(region: str, n: int) -> Annotated[StructuredDataset, RideSD(region=Inputs.region)]:
    return StructuredDataset(dataframe=_frame(region, n))


@task
def ride_file(region: str, n: int) -> Annotated[FlyteFile, RideFile(region=Inputs.region)]:
    path = os.path.join(tempfile.mkdtemp(), "rides.csv")
    _frame(region, n).to_csv(path, index=False)
    return FlyteFile(path)


@task
def ride_dir(region: str, n: int) -> Annotated[FlyteDirectory, RideDir(region=Inputs.region)]:
    folder = tempfile.mkdtemp()
    os.makedirs(os.path.join(folder, "parts"))
    for i in range(n):
        with open(os.path.join(folder, "parts", f"part-{i}.txt"), "w") as f:
            f.write(f"{region} {i}\n")
    with open(os.path.join(folder, "README"), "w") as f:
        f.write(f"rides of {region}\n")
    return FlyteDirectory(folder)


@task
def ride_total(region: str, n: int) -> Annotated[int, RideTotal(region=Inputs.region)]:
    return sum(range(n))


@task
def price(region: str) -> Annotated[float, Pricing(tier="gold")]:
    # "tier" is static in the annotation, "region" given at run time
    return Pricing.create_from(1.5 * len(region), region=region.lower())


@task
def settings(threshold: float) -> Annotated[Config, Settings]:
    return Config(threshold=threshold, label=f"t{threshold}")


@task
def daily_from_input(region: str, day: datetime.datetime) -> Annotated[
        pd.DataFrame, Daily(region=Inputs.region, time_partition=Inputs.day)]:
    return _frame(region, 2)


@task
def daily_at_run_time(region: str) -> Annotated[pd.DataFrame, Daily(region=Inputs.region)]:
    return Daily.create_from(_frame(region, 3), time_partition=datetime.datetime(2026, 12, 1, 9, 30))


@workflow
def produce_all(region: str = "SEA", n: int = 3) -> None:
    count_rides(region=region, n=n)
    ride_table(region=region, n=n)
    ride_sd(region=region, n=n)
    ride_file(region=region, n=n)
    ride_dir(region=region, n=n)
    ride_total(region=region, n=n)
    price(region=region)
    settings(threshold=0.25)


@workflow
def produce_counts(region: str = "SEA", n: int = 3) -> pd.DataFrame:
    return count_rides(region=region, n=n)


@workflow
def produce_daily(region: str = "SEA", day: datetime.datetime = datetime.datetime(2026, 11, 30)) -> None:
    daily_from_input(region=region, day=day)


@workflow
def produce_daily_at_run_time(region: str = "SEA") -> None:
    daily_at_run_time(region=region)


@workflow
def produce_twice(region: str = "SEA") -> None:
    count_rides(region=region, n=1)
    count_rides(region=region, n=2)


# ---- consumers ---------------------------------------------------------------------------------------------


@task
def describe_frame(df: pd.DataFrame) -> str:
    return f"{type(df).__name__} {df['region'].iloc[0]} rows={len(df)}"


@task
def describe_total(total: int) -> str:
    return f"{type(total).__name__} {total}"


@task
def describe_file(f: FlyteFile) -> str:
    with open(f.download()) as fh:
        rows = fh.read().splitlines()
    return f"{os.path.splitext(f.path)[1]} {rows[1].split(',')[0]} rows={len(rows) - 1}"


@task
def describe_dir(d: FlyteDirectory) -> str:
    local = d.download()
    names = sorted(os.path.relpath(os.path.join(p, n), local) for p, _, ns in os.walk(local) for n in ns)
    return " ".join(names)


@task
def describe_config(c: Config) -> str:
    return f"{type(c).__name__} {c.threshold} {c.label}"


@workflow
def consume_sea(df: pd.DataFrame = RideCount.query(region="SEA")) -> str:
    return describe_frame(df=df)


@workflow
def consume_total(total: int = RideTotal.query(region="SEA")) -> str:
    return describe_total(total=total)


@workflow
def consume_file(f: FlyteFile = RideFile.query(region="SEA")) -> str:
    return describe_file(f=f)


@workflow
def consume_dir(d: FlyteDirectory = RideDir.query(region="SEA")) -> str:
    return describe_dir(d=d)


@workflow
def consume_settings(c: Config = Settings.query()) -> str:
    return describe_config(c=c)


@workflow
def consume_pricing(p: float = Pricing.query(tier="gold")) -> float:
    return p


@workflow
def consume_day(df: pd.DataFrame = Daily.query(region="SEA", time_partition=datetime.datetime(2026, 11, 30))) -> str:
    return describe_frame(df=df)


@workflow
def consume_nowhere(df: pd.DataFrame = RideCount.query(region="NOWHERE")) -> str:
    return describe_frame(df=df)


# ---- runs that must not leave a version ----------------------------------------------------------------------


@task
def fail_after(total: int) -> int:
    if total >= 0:
        raise RuntimeError(f"downstream failure after {total}")
    return total


@workflow
def produce_then_fail(region: str = "SEA") -> int:
    return fail_after(total=ride_total(region=region, n=4))


Unbound = Artifact(name="unbound", partition_keys=["region"])


@task
def unbound_partition() -> Annotated[int, Unbound]:
    return 1  # neither bound in the annotation nor given with create_from


@task
def bad_partition(region: str) -> Annotated[int, Unbound]:
    return Unbound.create_from(1, region=region)


@workflow
def consume_approved(
        df: pd.DataFrame = ArtifactQuery(RideCount, name="ride_count", tag="approved")) -> str:
    return describe_frame(df=df)


@task
def kill_self(total: int) -> int:
    os.kill(os.getpid(), signal.SIGKILL)  # the process dies after ride_total recorded its version
    return total


@workflow
def produce_then_killed(region: str = "SEA") -> int:
    return kill_self(total=ride_total(region=region, n=4))


@workflow
def report_region(df: pd.DataFrame) -> str:
    return describe_frame(df=df)


report_lax = LaunchPlan.get_or_create(report_region, name="report_lax",
                                      default_inputs={"df": RideCount.query(region="LAX")})
