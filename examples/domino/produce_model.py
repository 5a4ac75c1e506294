"""Produce a model: a linear fit of yield on the example measurements, pickled to /workflow/outputs/my_model."""

import pickle
import sys

import _study
import models

data, features = models.load(_study.MEASUREMENTS)
with open(_study.output("my_model"), "wb") as f:
    pickle.dump(models.fit_linear(data, features), f, protocol=4)
print(f"model: linear on {features}", file=sys.stderr)
