"""Prep data: read the measurements named by the data_path input, drop incomplete rows, write processed_data."""

import sys

import _study
import pandas as pd

data_path = _study.read_input("data_path")
raw = pd.read_csv(data_path)
clean = raw.dropna()
clean.to_csv(_study.output("processed_data"), index=False)
print(f"prep: read {len(raw)} rows from {data_path}, kept {len(clean)}", file=sys.stderr)
