"""Produce the t_ae_rel table (adverse events by relationship to study drug) as a PDF: the `t_ae_rel` output."""

import os

import adam
import tfl

ds = adam.derive_all(adam.read_sdtm_csv("data/sdtm"))
tfl.t_ae_rel(ds["adsl"], ds["adae"]).save(os.path.join(os.environ["FLYTE_OUTPUTS_DIR"], "t_ae_rel"))
