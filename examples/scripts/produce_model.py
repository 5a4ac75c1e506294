"""Produce a model: a linear fit of yield, pickled into the `my_model` output."""

import os
import pickle
import sys

import models

data, features = models.load()
model = models.fit_linear(data, features)
with open(os.path.join(os.environ["FLYTE_OUTPUTS_DIR"], "my_model"), "wb") as f:
    pickle.dump(model, f, protocol=4)
print(f"model: linear on {features}", file=sys.stderr)
