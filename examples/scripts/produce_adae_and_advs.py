"""Produce ADAE and ADVS (SAS transport files) from the study's SDTM: writes the `adae` and `advs` outputs."""

import os
import sys

import adam

ds = adam.derive_all(adam.read_sdtm_csv("data/sdtm"))
for name in ("adae", "advs"):
    adam.write_xpt(ds[name], os.path.join(os.environ["FLYTE_OUTPUTS_DIR"], name), name)
    print(f"{name}: {len(ds[name])} records", file=sys.stderr)
