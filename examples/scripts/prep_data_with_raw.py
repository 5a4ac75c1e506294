"""Prep data, keeping a copy of the raw input: writes the `raw_data` and `processed_data` outputs."""

import os
import sys

import pandas as pd

data_path = os.environ["INPUT_DATA_PATH"]
raw = pd.read_csv(data_path)
clean = raw.dropna()
print(f"prep: {len(raw)} raw rows, {len(clean)} complete", file=sys.stderr)
raw.to_csv(os.environ["OUTPUT_RAW_DATA"], index=False)
clean.to_csv(os.environ["OUTPUT_PROCESSED_DATA"], index=False)
