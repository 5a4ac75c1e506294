"""Prep data: read the raw measurements named by the `data_path` input, drop incomplete rows, write the result.

Inputs and outputs follow the command-task contract: `$FLYTE_INPUTS_DIR/<input>` and `$FLYTE_OUTPUTS_DIR/<output>`.
"""

import os
import sys

import pandas as pd

with open(os.path.join(os.environ["FLYTE_INPUTS_DIR"], "data_path"), encoding="utf-8") as f:
    data_path = f.read()

raw = pd.read_csv(data_path)
clean = raw.dropna()
print(f"prep: read {len(raw)} rows from {data_path}, dropped {len(raw) - len(clean)} incomplete", file=sys.stderr)
clean.to_csv(os.path.join(os.environ["FLYTE_OUTPUTS_DIR"], "processed_data"), index=False)
