"""Produce a classifier and its class list: writes the `my_model` (pickle) and `my_classes` (text) outputs."""

import os
import pickle
import sys

import models

data, features = models.load()
model = models.fit_centroids(data, features)
out = os.environ["FLYTE_OUTPUTS_DIR"]
with open(os.path.join(out, "my_model"), "wb") as f:
    pickle.dump(model, f, protocol=4)
with open(os.path.join(out, "my_classes"), "w", encoding="utf-8") as f:
    f.write("\n".join(models.CLASSES) + "\n")
print(f"classifier: {len(models.CLASSES)} classes", file=sys.stderr)
