"""Mistyped names get the name they most likely meant, and never a hint that repeats the typo."""

import pytest

from flytekitplugins.artifacts.errors import closest, did_you_mean


@pytest.mark.parametrize("typed, choices, meant", [
    ("my model", ["My Model", "My Data"], "My Model"),  # case only
    ("My Modle", ["My Model", "My Data"], "My Model"),
    ("modle.pt", ["model.pt", "data.csv"], "model.pt"),
    ("adm", ["adam", "tfl"], "adam"),
    ("Prod", ["prod", "qc"], "prod"),
    ("zzz", ["My Model", "My Data"], None),  # nothing close
    ("My Model", ["My Model"], None),  # the same name is no suggestion
    ("x", [], None),
])
def test_closest(typed, choices, meant):
    assert closest(typed, choices) == meant
    assert did_you_mean(typed, choices) == ("" if meant is None else f" (did you mean {meant!r}?)")


def test_a_name_that_only_shares_its_extension_is_not_suggested():
    assert closest("nope.xpt", ["adsl.xpt", "adae.xpt"]) is None
