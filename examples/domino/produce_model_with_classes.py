"""Produce a classifier and its classes: /workflow/outputs/my_model (pickle), /workflow/outputs/my_classes (text)."""

import pickle
import sys

import _study
import models

data, features = models.load(_study.MEASUREMENTS)
with open(_study.output("my_model"), "wb") as f:
    pickle.dump(models.fit_centroids(data, features), f, protocol=4)
with open(_study.output("my_classes"), "w", encoding="utf-8") as f:
    f.write("\n".join(models.CLASSES) + "\n")
print(f"classifier: {len(models.CLASSES)} classes", file=sys.stderr)
