"""Produce the t_vscat figure (systolic blood pressure, baseline against week 8) as a PDF: the `t_vscat` output."""

import os

import adam
import tfl

ds = adam.derive_all(adam.read_sdtm_csv("data/sdtm"))
tfl.t_vscat(ds["adsl"], ds["advs"]).save(os.path.join(os.environ["FLYTE_OUTPUTS_DIR"], "t_vscat"))
