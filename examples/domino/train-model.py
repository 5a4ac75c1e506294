"""Train model: least-squares fit of yield on the other columns of /workflow/inputs/processed_data.

The model (a pickled dict) is written to /workflow/outputs/model; the flow calls the file model.pt, as in Domino's
documentation, but no deep-learning framework is needed.
"""

import pickle
import sys

import _study
import models
import pandas as pd

data = pd.read_csv(_study.input_path("processed_data"))
features = [c for c in data.columns if c != "yield"]
model = models.fit_linear(data, features)
with open(_study.output("model"), "wb") as f:
    pickle.dump(model, f, protocol=4)
print(f"train: {len(data)} rows, features {features}", file=sys.stderr)
