"""Derive ADSL from the `dm` input (SAS transport) and write it as the `adsl` output."""

import os
import sys

import adam

dm = adam.read_sdtm_xpt(os.path.join(os.environ["FLYTE_INPUTS_DIR"], "dm"))
adsl = adam.derive_adsl(dm)
adam.write_xpt(adsl, os.path.join(os.environ["FLYTE_OUTPUTS_DIR"], "adsl"), "adsl")
print(f"ADSL: {len(adsl)} subjects, {int((adsl['SAFFL'] == 'Y').sum())} in the safety population", file=sys.stderr)
