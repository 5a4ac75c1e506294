"""Produce ADSL from the study's SDTM: /workflow/outputs/adsl.

Written as a SAS transport (XPORT) file under the flow's sas7bdat type: open-source tools cannot write SAS7BDAT.
"""

import sys

import _study
import adam

adsl = adam.derive_adsl(adam.read_sdtm_csv(_study.SDTM)["dm"])
adam.write_xpt(adsl, _study.output("adsl"), "adsl")
print(f"adsl: {len(adsl)} subjects", file=sys.stderr)
