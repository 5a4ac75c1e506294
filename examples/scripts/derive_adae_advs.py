"""Derive ADAE and ADVS from the `ae`, `vs` and `adsl` inputs and write them as the `adae` and `advs` outputs."""

import os
import sys

import adam

inputs, outputs = os.environ["FLYTE_INPUTS_DIR"], os.environ["FLYTE_OUTPUTS_DIR"]
adsl = adam.read_xpt(os.path.join(inputs, "adsl"))
ae = adam.read_sdtm_xpt(os.path.join(inputs, "ae"))
vs = adam.read_sdtm_xpt(os.path.join(inputs, "vs"))
for name, df in (("adae", adam.derive_adae(ae, adsl)), ("advs", adam.derive_advs(vs, adsl))):
    adam.write_xpt(df, os.path.join(outputs, name), name)
    print(f"{name.upper()}: {len(df)} records", file=sys.stderr)
