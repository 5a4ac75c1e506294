"""Daily ride counts per region, declared with flytekit's own Artifact API.

Run it (a local store at ~/.flyte/artifacts, or $FLYTE_ARTIFACTS_ROOT):

    pyflyte run producer.py daily_counts --region SEA --day 2026-12-01
    python producer.py SEA 2026-12-01

then `flyte-artifacts versions ride_count -p region=SEA` lists the version, and consumer.py reads it.
"""

import datetime
import sys
from typing import Annotated

import pandas as pd
from flytekit import Artifact, task, workflow
from flytekit.core.artifact import Inputs

# The table of one region and one day: two partitions, one of them flytekit's time partition (recorded as "ds").
RideCount = Artifact(name="ride_count", partition_keys=["region"], time_partitioned=True)
# A number whose partition is only known while the task runs (given with create_from).
BusiestHour = Artifact(name="busiest_hour", partition_keys=["region"])


@task
def count_rides(region: str, day: datetime.datetime) -> Annotated[
        pd.DataFrame, RideCount(region=Inputs.region, time_partition=Inputs.day)]:
    hours = list(range(6, 22))
    rides = [(h * 7 + len(region) * 3) % 40 + 10 for h in hours]
    return pd.DataFrame({"region": region, "hour": hours, "rides": rides})


@task
def busiest(df: pd.DataFrame) -> Annotated[int, BusiestHour]:
    hour = int(df.loc[df["rides"].idxmax(), "hour"])
    return BusiestHour.create_from(hour, region=str(df["region"].iloc[0]))


@workflow
def daily_counts(region: str = "SEA", day: datetime.datetime = datetime.datetime(2026, 12, 1)) -> int:
    return busiest(df=count_rides(region=region, day=day))


if __name__ == "__main__":
    region = sys.argv[1] if len(sys.argv) > 1 else "SEA"
    day = datetime.datetime.fromisoformat(sys.argv[2]) if len(sys.argv) > 2 else datetime.datetime(2026, 12, 1)
    print(f"busiest hour in {region} on {day:%Y-%m-%d}: {daily_counts(region=region, day=day)}")
