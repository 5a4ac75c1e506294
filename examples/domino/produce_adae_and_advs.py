"""Produce ADAE and ADVS from the study's SDTM: /workflow/outputs/adae and /workflow/outputs/advs.

Written as SAS transport (XPORT) files under the flow's .sas7bdat names: open-source tools cannot write SAS7BDAT.
"""

import sys

import _study
import adam

ds = adam.derive_all(adam.read_sdtm_csv(_study.SDTM))
for name in ("adae", "advs"):
    adam.write_xpt(ds[name], _study.output(name), name)
    print(f"{name}: {len(ds[name])} records", file=sys.stderr)
