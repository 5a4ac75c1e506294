"""Load SDTM: read the DM, AE and VS domains delivered as CSV in the folder named by the `sdtm_folder` input,
check them, and write each as a SAS transport file: the `dm`, `ae` and `vs` outputs."""

import os
import sys

import adam

REQUIRED = {
    "dm": ["STUDYID", "USUBJID", "SUBJID", "SITEID", "AGE", "SEX", "RACE", "ARMCD", "ARM", "RFSTDTC", "RFENDTC"],
    "ae": ["STUDYID", "USUBJID", "AESEQ", "AETERM", "AEDECOD", "AEBODSYS", "AESEV", "AESER", "AEREL", "AESTDTC"],
    "vs": ["STUDYID", "USUBJID", "VSSEQ", "VSTESTCD", "VSTEST", "VSSTRESN", "VSSTRESU", "VISITNUM", "VISIT", "VSDTC"],
}

folder = os.environ["INPUT_SDTM_FOLDER"]
sdtm = adam.read_sdtm_csv(folder)
for domain, df in sdtm.items():
    missing = [c for c in REQUIRED[domain] if c not in df.columns]
    if missing:
        sys.exit(f"SDTM {domain.upper()} in {folder} lacks the variables {missing}")
    adam.write_xpt(adam.typed_sdtm(domain, df), os.path.join(os.environ["FLYTE_OUTPUTS_DIR"], domain), domain)
    print(f"{domain.upper()}: {len(df)} records", file=sys.stderr)
