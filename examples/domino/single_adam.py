"""Produce ADAE from the study's SDTM and write it to /workflow/outputs/adae.

The flow names the file adae.sas7bdat, as Domino's documentation does. Open-source tools cannot write the SAS7BDAT
format, so the bytes are a SAS transport (XPORT) file with the same data; SAS and pyreadstat read it.
"""

import sys

import _study
import adam

ds = adam.derive_all(adam.read_sdtm_csv(_study.SDTM))
adam.write_xpt(ds["adae"], _study.output("adae"), "adae")
print(f"adae: {len(ds['adae'])} records", file=sys.stderr)
