"""Produce the t_ae_rel table (adverse events by relationship to study drug): /workflow/outputs/t_ae_rel (PDF)."""

import _study
import adam
import tfl

ds = adam.derive_all(adam.read_sdtm_csv(_study.SDTM))
tfl.t_ae_rel(ds["adsl"], ds["adae"]).save(_study.output("t_ae_rel"))
