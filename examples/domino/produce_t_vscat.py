"""Produce the t_vscat figure (systolic blood pressure, baseline against week 8): /workflow/outputs/t_vscat (PDF)."""

import _study
import adam
import tfl

ds = adam.derive_all(adam.read_sdtm_csv(_study.SDTM))
tfl.t_vscat(ds["adsl"], ds["advs"]).save(_study.output("t_vscat"))
