"""ADaM derivations used by the example scripts: SDTM (DM, AE, VS) in, ADSL/ADAE/ADVS out, as SAS transport files.

Deliberately small: enough of each dataset to show a real shape (flags, analysis dates, baseline and change from
baseline), not a validated implementation of the ADaM Implementation Guide.
"""

import os

import pandas as pd
import pyreadstat

SDTM_DOMAINS = ("dm", "ae", "vs")

ADSL_LABELS = {
    "STUDYID": "Study Identifier",
    "USUBJID": "Unique Subject Identifier",
    "SUBJID": "Subject Identifier for the Study",
    "SITEID": "Study Site Identifier",
    "AGE": "Age",
    "AGEGR1": "Pooled Age Group 1",
    "SEX": "Sex",
    "RACE": "Race",
    "ARM": "Description of Planned Arm",
    "TRT01P": "Planned Treatment for Period 01",
    "TRT01A": "Actual Treatment for Period 01",
    "TRTSDT": "Date of First Exposure to Treatment",
    "TRTEDT": "Date of Last Exposure to Treatment",
    "SAFFL": "Safety Population Flag",
    "ITTFL": "Intent-To-Treat Population Flag",
}
ADAE_LABELS = {
    "STUDYID": "Study Identifier",
    "USUBJID": "Unique Subject Identifier",
    "AESEQ": "Sequence Number",
    "AETERM": "Reported Term for the Adverse Event",
    "AEDECOD": "Dictionary-Derived Term",
    "AEBODSYS": "Body System or Organ Class",
    "AESEV": "Severity/Intensity",
    "AESER": "Serious Event",
    "AEREL": "Causality",
    "TRTA": "Actual Treatment",
    "ASTDT": "Analysis Start Date",
    "ASTDY": "Analysis Start Relative Day",
    "TRTEMFL": "Treatment Emergent Analysis Flag",
    "SAFFL": "Safety Population Flag",
}
ADVS_LABELS = {
    "STUDYID": "Study Identifier",
    "USUBJID": "Unique Subject Identifier",
    "PARAMCD": "Parameter Code",
    "PARAM": "Parameter",
    "AVISIT": "Analysis Visit",
    "AVISITN": "Analysis Visit (N)",
    "ADT": "Analysis Date",
    "AVAL": "Analysis Value",
    "BASE": "Baseline Value",
    "CHG": "Change from Baseline",
    "ABLFL": "Baseline Record Flag",
    "TRTA": "Actual Treatment",
    "SAFFL": "Safety Population Flag",
}


def read_sdtm_csv(folder):
    """The SDTM domains of the example study, as delivered: one CSV per domain."""
    out = {}
    for domain in SDTM_DOMAINS:
        path = os.path.join(folder, f"{domain}.csv")
        if not os.path.isfile(path):
            raise SystemExit(f"SDTM domain {domain.upper()} missing: expected {path}")
        out[domain] = pd.read_csv(path, dtype=str, keep_default_na=False)
    return out


def _date(series):
    return pd.to_datetime(series.replace("", None), errors="coerce").dt.date


def derive_adsl(dm):
    df = dm.copy()
    age = pd.to_numeric(df["AGE"])
    adsl = pd.DataFrame(
        {
            "STUDYID": df["STUDYID"],
            "USUBJID": df["USUBJID"],
            "SUBJID": df["SUBJID"],
            "SITEID": df["SITEID"],
            "AGE": age,
            "AGEGR1": age.map(lambda a: "<65" if a < 65 else ">=65"),
            "SEX": df["SEX"],
            "RACE": df["RACE"],
            "ARM": df["ARM"],
            "TRT01P": df["ARM"],
            "TRT01A": df["ARM"].where(df["RFSTDTC"] != "", ""),
            "TRTSDT": _date(df["RFSTDTC"]),
            "TRTEDT": _date(df["RFENDTC"]),
        }
    )
    # Screen failures were never randomised; everyone dosed is in the safety population.
    adsl["ITTFL"] = (df["ARMCD"] != "SCRNFAIL").map({True: "Y", False: "N"})
    adsl["SAFFL"] = (df["RFSTDTC"] != "").map({True: "Y", False: "N"})
    return adsl[list(ADSL_LABELS)]


def derive_adae(ae, adsl):
    df = ae.merge(adsl[["USUBJID", "TRT01A", "TRTSDT", "SAFFL"]], on="USUBJID", how="left")
    astdt = _date(df["AESTDTC"])
    trtsdt = df["TRTSDT"]
    adae = pd.DataFrame(
        {
            "STUDYID": df["STUDYID"],
            "USUBJID": df["USUBJID"],
            "AESEQ": pd.to_numeric(df["AESEQ"]),
            "AETERM": df["AETERM"],
            "AEDECOD": df["AEDECOD"],
            "AEBODSYS": df["AEBODSYS"],
            "AESEV": df["AESEV"],
            "AESER": df["AESER"],
            "AEREL": df["AEREL"],
            "TRTA": df["TRT01A"],
            "ASTDT": astdt,
            "ASTDY": [(a - t).days + 1 if a and t else None for a, t in zip(astdt, trtsdt)],
            "TRTEMFL": ["Y" if a and t and a >= t else "N" for a, t in zip(astdt, trtsdt)],
            "SAFFL": df["SAFFL"],
        }
    )
    return adae[list(ADAE_LABELS)]


def derive_advs(vs, adsl):
    df = vs.merge(adsl[["USUBJID", "TRT01A", "SAFFL"]], on="USUBJID", how="left")
    advs = pd.DataFrame(
        {
            "STUDYID": df["STUDYID"],
            "USUBJID": df["USUBJID"],
            "PARAMCD": df["VSTESTCD"],
            "PARAM": df["VSTEST"] + " (" + df["VSSTRESU"] + ")",
            "AVISIT": df["VISIT"],
            "AVISITN": pd.to_numeric(df["VISITNUM"]),
            "ADT": _date(df["VSDTC"]),
            "AVAL": pd.to_numeric(df["VSSTRESN"]),
            "TRTA": df["TRT01A"],
            "SAFFL": df["SAFFL"],
        }
    )
    advs["ABLFL"] = (advs["AVISIT"] == "BASELINE").map({True: "Y", False: ""})
    base = advs[advs["ABLFL"] == "Y"][["USUBJID", "PARAMCD", "AVAL"]].rename(columns={"AVAL": "BASE"})
    advs = advs.merge(base, on=["USUBJID", "PARAMCD"], how="left")
    advs["CHG"] = (advs["AVAL"] - advs["BASE"]).where(advs["ABLFL"] != "Y")
    return advs[list(ADVS_LABELS)]


def derive_all(sdtm):
    adsl = derive_adsl(sdtm["dm"])
    return {"adsl": adsl, "adae": derive_adae(sdtm["ae"], adsl), "advs": derive_advs(sdtm["vs"], adsl)}


LABELS = {"adsl": ADSL_LABELS, "adae": ADAE_LABELS, "advs": ADVS_LABELS}
TITLES = {
    "adsl": "Subject-Level Analysis Dataset",
    "adae": "Adverse Events Analysis Dataset",
    "advs": "Vital Signs Analysis Dataset",
}


SDTM_NUMERIC = {"dm": ["AGE"], "ae": ["AESEQ"], "vs": ["VSSEQ", "VSSTRESN", "VISITNUM"]}
SDTM_TITLES = {"dm": "Demographics", "ae": "Adverse Events", "vs": "Vital Signs"}


def typed_sdtm(domain, df):
    """An SDTM domain read from CSV (all text) with its numeric variables as numbers, as SAS would hold them."""
    out = df.copy()
    for col in SDTM_NUMERIC[domain]:
        out[col] = pd.to_numeric(out[col])
    return out


def write_xpt(df, path, name):
    """Write one dataset as a SAS transport (XPORT v5) file, with dataset and (for ADaM) variable labels."""
    labels = LABELS.get(name, {})
    pyreadstat.write_xport(
        df,
        path,
        table_name=name.upper(),
        file_label=TITLES.get(name) or SDTM_TITLES.get(name, name.upper()),
        column_labels=[labels.get(c, c) for c in df.columns],
        file_format_version=5,
    )


def read_xpt(path):
    df, _ = pyreadstat.read_xport(path)
    return df


def read_sdtm_xpt(path):
    """An SDTM domain from a SAS transport file, with text variables as the CSV reader gives them ('' for missing)."""
    df = read_xpt(path)
    for col in df.columns:
        if not pd.api.types.is_numeric_dtype(df[col]):
            df[col] = df[col].fillna("").astype(str)
    return df
