"""A report over the newest ride counts of a region: the workflow's input defaults to a flytekit query, which the
plugin resolves from the store when the run starts (no artifact service). Run producer.py first, then:

    pyflyte run consumer.py region_report                 # the newest SEA table
    pyflyte run consumer.py region_report --df rides.parquet   # a table of your own instead
    python consumer.py

An Artifact is known by its name: declaring it here again (instead of importing producer.py) is enough.
"""

import pandas as pd
from flytekit import Artifact, task, workflow

RideCount = Artifact(name="ride_count", partition_keys=["region"], time_partitioned=True)
BusiestHour = Artifact(name="busiest_hour", partition_keys=["region"])


@task
def summarize(df: pd.DataFrame, hour: int) -> str:
    region = df["region"].iloc[0]
    return f"{region}: {int(df['rides'].sum())} rides over {len(df)} hours, busiest at {hour}:00"


@workflow
def region_report(df: pd.DataFrame = RideCount.query(region="SEA"),
                  hour: int = BusiestHour.query(region="SEA")) -> str:
    return summarize(df=df, hour=hour)


if __name__ == "__main__":
    print(region_report())
