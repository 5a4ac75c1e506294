"""Produce the ADAE dataset (SAS transport file) from the study's SDTM under data/sdtm: writes the `adae` output."""

import os
import sys

import adam

ds = adam.derive_all(adam.read_sdtm_csv("data/sdtm"))
adam.write_xpt(ds["adae"], os.path.join(os.environ["FLYTE_OUTPUTS_DIR"], "adae"), "adae")
print(f"adae: {len(ds['adae'])} records", file=sys.stderr)
