"""Train model: least-squares fit of `yield` on the other columns of the `processed_data` input.

Writes the `model` output: a pickled dict (coefficients, intercept, feature names, R^2). The file is called
model.pt in the flow, as in Domino's documentation; no deep-learning framework is needed for the example.
"""

import os
import pickle
import sys

import numpy as np
import pandas as pd

data = pd.read_csv(os.path.join(os.environ["FLYTE_INPUTS_DIR"], "processed_data"))
features = [c for c in data.columns if c != "yield"]
X = np.column_stack([data[features].to_numpy(dtype=float), np.ones(len(data))])
y = data["yield"].to_numpy(dtype=float)
coef, *_ = np.linalg.lstsq(X, y, rcond=None)
pred = X @ coef
r2 = 1.0 - float(((y - pred) ** 2).sum() / ((y - y.mean()) ** 2).sum())
print(f"train: {len(data)} rows, features {features}, R^2 = {r2:.3f}", file=sys.stderr)

model = {"features": features, "coef": [float(c) for c in coef[:-1]], "intercept": float(coef[-1]), "r2": r2}
with open(os.path.join(os.environ["FLYTE_OUTPUTS_DIR"], "model"), "wb") as f:
    pickle.dump(model, f, protocol=4)
