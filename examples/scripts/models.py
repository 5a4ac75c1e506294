"""Two tiny models for the MODEL artifact examples, fitted on data/measurements.csv with numpy only."""

import numpy as np
import pandas as pd

CLASSES = ["low", "medium", "high"]


def load(path="data/measurements.csv"):
    data = pd.read_csv(path).dropna()
    features = [c for c in data.columns if c != "yield"]
    return data, features


def fit_linear(data, features):
    X = np.column_stack([data[features].to_numpy(dtype=float), np.ones(len(data))])
    coef, *_ = np.linalg.lstsq(X, data["yield"].to_numpy(dtype=float), rcond=None)
    return {"kind": "linear", "features": features, "coef": [float(c) for c in coef[:-1]], "intercept": float(coef[-1])}


def fit_centroids(data, features):
    """Nearest-centroid classifier of the yield tercile (low/medium/high)."""
    labels = pd.qcut(data["yield"], 3, labels=CLASSES)
    X = data[features].to_numpy(dtype=float)
    mean, std = X.mean(axis=0), X.std(axis=0)
    Z = (X - mean) / std
    centroids = {c: Z[(labels == c).to_numpy()].mean(axis=0).tolist() for c in CLASSES}
    return {
        "kind": "nearest-centroid",
        "features": features,
        "mean": mean.tolist(),
        "std": std.tolist(),
        "centroids": centroids,
    }
