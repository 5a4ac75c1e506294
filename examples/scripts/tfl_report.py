"""Build the safety TFL report (AE tables, vital signs table and figure) from the `adsl`, `adae` and `advs` inputs:
writes the `report` output (PDF)."""

import os

import adam
import tfl

inputs = os.environ["FLYTE_INPUTS_DIR"]
ds = {name: adam.read_xpt(os.path.join(inputs, name)) for name in ("adsl", "adae", "advs")}
tfl.study_report(ds["adsl"], ds["adae"], ds["advs"]).save(os.path.join(os.environ["FLYTE_OUTPUTS_DIR"], "report"))
