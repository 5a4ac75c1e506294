"""Produce ADSL (SAS transport file) from the study's SDTM: writes the `adsl` output."""

import os
import sys

import adam

adsl = adam.derive_adsl(adam.read_sdtm_csv("data/sdtm")["dm"])
adam.write_xpt(adsl, os.path.join(os.environ["FLYTE_OUTPUTS_DIR"], "adsl"), "adsl")
print(f"adsl: {len(adsl)} subjects", file=sys.stderr)
