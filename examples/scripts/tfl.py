"""Tables, figures and listings (TFLs) of the example study, drawn from ADaM datasets into PDFs."""

import math

from pdf import Document

LEFT, TOP, LINE = 50, 540, 13
ROWS_PER_PAGE = 32


def _arms(adsl):
    safety = adsl[adsl["SAFFL"] == "Y"]
    counts = safety.groupby("TRT01A")["USUBJID"].nunique()
    return [(arm, int(counts[arm])) for arm in sorted(counts.index)]


def _pct(n, total):
    return f"{n:3d} ({100.0 * n / total:5.1f}%)" if total else f"{n:3d}"


def table_pages(doc, number, title, header, rows, footnotes=()):
    """Lay a table out in Courier, columns sized to their widest cell, over as many pages as it needs."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def fmt(row):
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths)))

    chunks = [rows[i : i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)] or [[]]
    for k, chunk in enumerate(chunks, start=1):
        page = doc.page()
        page.text(LEFT, TOP + 20, f"Table {number}", size=11, font="F3")
        page.text(LEFT, TOP + 4, title + (f" (page {k} of {len(chunks)})" if len(chunks) > 1 else ""), size=11)
        y = TOP - 22
        page.text(LEFT, y, fmt(header), size=9, font="F2")
        page.line(LEFT, y - 4, page.width - LEFT, y - 4)
        y -= LINE + 4
        for row in chunk:
            page.text(LEFT, y, fmt(row), size=9, font="F2")
            y -= LINE
        page.line(LEFT, y + 6, page.width - LEFT, y + 6)
        for note in footnotes:
            y -= LINE
            page.text(LEFT, y, note, size=8)


def ae_by_relationship(adsl, adae):
    arms = _arms(adsl)
    teae = adae[(adae["TRTEMFL"] == "Y") & (adae["SAFFL"] == "Y")]
    header = ["Relationship to study drug"] + [f"{a} (N={n})" for a, n in arms]
    rows = [["Any TEAE"] + [_pct(teae[teae["TRTA"] == a]["USUBJID"].nunique(), n) for a, n in arms]]
    for rel in ["NONE", "REMOTE", "POSSIBLE", "PROBABLE"]:
        sub = teae[teae["AEREL"] == rel]
        rows.append([f"  {rel.title()}"] + [_pct(sub[sub["TRTA"] == a]["USUBJID"].nunique(), n) for a, n in arms])
    return header, rows


def ae_by_soc_pt(adsl, adae):
    arms = _arms(adsl)
    teae = adae[(adae["TRTEMFL"] == "Y") & (adae["SAFFL"] == "Y")]
    header = ["System organ class / Preferred term"] + [f"{a} (N={n})" for a, n in arms]
    rows = []
    for soc in sorted(teae["AEBODSYS"].unique()):
        in_soc = teae[teae["AEBODSYS"] == soc]
        rows.append([soc.title()] + [_pct(in_soc[in_soc["TRTA"] == a]["USUBJID"].nunique(), n) for a, n in arms])
        for pt in sorted(in_soc["AEDECOD"].unique()):
            in_pt = in_soc[in_soc["AEDECOD"] == pt]
            rows.append(
                [f"  {pt.title()}"] + [_pct(in_pt[in_pt["TRTA"] == a]["USUBJID"].nunique(), n) for a, n in arms]
            )
    return header, rows


def vitals_change(adsl, advs):
    arms = _arms(adsl)
    post = advs[(advs["ABLFL"] != "Y") & (advs["SAFFL"] == "Y")]
    header = ["Parameter / Visit"] + [f"{a}: n, mean (SD)" for a, _ in arms]
    rows = []
    for param in sorted(post["PARAM"].unique()):
        rows.append([param] + [""] * len(arms))
        in_param = post[post["PARAM"] == param]
        for visit in sorted(
            in_param["AVISIT"].unique(), key=lambda v: in_param[in_param["AVISIT"] == v]["AVISITN"].iloc[0]
        ):
            cells = []
            for arm, _ in arms:
                chg = in_param[(in_param["AVISIT"] == visit) & (in_param["TRTA"] == arm)]["CHG"].dropna()
                sd = chg.std() if len(chg) > 1 else float("nan")
                cells.append(f"{len(chg)}, {chg.mean():6.1f} ({sd:4.1f})" if len(chg) else "0")
            rows.append([f"  {visit.title()}"] + cells)
    return header, rows


def scatter_page(doc, number, adsl, advs, paramcd="SYSBP", visit="WEEK 8"):
    """Baseline against a later visit, one marker per subject: filled for active treatment, hollow for placebo."""
    data = advs[(advs["PARAMCD"] == paramcd) & (advs["AVISIT"] == visit) & (advs["SAFFL"] == "Y")]
    param = data["PARAM"].iloc[0] if len(data) else paramcd
    page = doc.page()
    page.text(LEFT, TOP + 20, f"Figure {number}", size=11, font="F3")
    page.text(LEFT, TOP + 4, f"{param}: baseline against {visit.title()}, safety population", size=11)
    values = list(data["BASE"]) + list(data["AVAL"])
    lo = math.floor(min(values) / 10.0) * 10 if values else 0
    hi = math.ceil(max(values) / 10.0) * 10 if values else 10
    hi = hi if hi > lo else lo + 10
    x0, y0, size = 120, 70, 400

    def pos(v):
        return size * (v - lo) / (hi - lo)

    page.line(x0, y0, x0 + size, y0)
    page.line(x0, y0, x0, y0 + size)
    page.line(x0, y0, x0 + size, y0 + size, width=0.3)  # no change
    for tick in range(int(lo), int(hi) + 1, 10):
        page.line(x0 + pos(tick), y0, x0 + pos(tick), y0 - 4)
        page.text(x0 + pos(tick) - 8, y0 - 16, str(tick), size=8)
        page.line(x0, y0 + pos(tick), x0 - 4, y0 + pos(tick))
        page.text(x0 - 28, y0 + pos(tick) - 3, str(tick), size=8)
    page.text(x0 + size / 2 - 30, y0 - 34, "Baseline", size=9)
    page.text(x0 - 28, y0 + size + 12, visit.title(), size=9)
    arms = [a for a, _ in _arms(adsl)]
    for _, row in data.iterrows():
        page.square(x0 + pos(row["BASE"]), y0 + pos(row["AVAL"]), size=5, filled=row["TRTA"] != "Placebo")
    legend_y = y0 + size - 10
    for arm in arms:
        page.square(x0 + size + 40, legend_y + 3, size=5, filled=arm != "Placebo")
        page.text(x0 + size + 50, legend_y, arm, size=9)
        legend_y -= 14


def t_ae_rel(adsl, adae):
    doc = Document("t_ae_rel: treatment-emergent adverse events by relationship to study drug")
    header, rows = ae_by_relationship(adsl, adae)
    table_pages(
        doc,
        "14.3.1.2",
        "Subjects with treatment-emergent adverse events by relationship to study drug",
        header,
        rows,
        ["A subject is counted once per row, at any relationship reported for them."],
    )
    return doc


def t_vscat(adsl, advs):
    doc = Document("t_vscat: systolic blood pressure, baseline against week 8")
    scatter_page(doc, "14.3.4.1", adsl, advs)
    return doc


def study_report(adsl, adae, advs):
    doc = Document("Safety tables and figures")
    header, rows = ae_by_soc_pt(adsl, adae)
    table_pages(
        doc,
        "14.3.1.1",
        "Subjects with treatment-emergent adverse events by system organ class and preferred term",
        header,
        rows,
    )
    header, rows = ae_by_relationship(adsl, adae)
    table_pages(
        doc, "14.3.1.2", "Subjects with treatment-emergent adverse events by relationship to study drug", header, rows
    )
    header, rows = vitals_change(adsl, advs)
    table_pages(doc, "14.3.4.2", "Vital signs: change from baseline", header, rows)
    scatter_page(doc, "14.3.4.1", adsl, advs)
    return doc
