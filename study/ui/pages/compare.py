"""Compare organisations: means with intervals, answer distributions, agreement, Welch's ANOVA."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from study.admin.accounts import AccountInfo
from study.analysis.aggregation_indices import AGGREGATION_CUTOFFS, MISSING_VALUE_HANDLING
from study.analysis.behaviour import behaviour_beside_scales
from study.analysis.comparison import ComparisonResult, compare_organisations, comparison_options
from study.config import database_url
from study.surveys.challenges import CHALLENGES
from study.ui.plain_text import markdown_literal
from study.ui.state import current_account, database, errors_shown
from study.ui.widgets import csv_download, number, table

# Red (disagree / never) to blue (agree / daily), grey in the middle: ColorBrewer RdBu.
DIVERGING = {
    2: ["#ca0020", "#0571b0"],
    3: ["#ca0020", "#d9d9d9", "#0571b0"],
    4: ["#ca0020", "#f4a582", "#92c5de", "#0571b0"],
    5: ["#ca0020", "#f4a582", "#d9d9d9", "#92c5de", "#0571b0"],
    7: ["#b2182b", "#ef8a62", "#fddbc7", "#d9d9d9", "#d1e5f0", "#67a9cf", "#2166ac"],
}

# Stretch to the page's width but keep the given height for the rows (Streamlit's
# default "fit" would shrink the rows to make room for axes and legends).
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")

# Every table of an organisation's mean, or alpha, says its statistics the same way.
STATISTICS = {
    "organisation": "Organisation",
    "mean": number("Mean", "%.2f"),
    "sd": number("SD", "%.2f"),
    "se": number("SE", "%.3f"),
    "ci_low": number("95% CI low", "%.2f"),
    "ci_high": number("95% CI high", "%.2f"),
}


@st.cache_data(ttl=120, show_spinner="Computing the comparison…")
def _compare(
    url: str,
    scales: tuple[str, ...],
    items: tuple[str, ...],
    organisations: tuple[str, ...],
    viewer: AccountInfo,
) -> ComparisonResult:
    with database().transaction() as session:
        return compare_organisations(
            session,
            scales=list(scales),
            items=list(items),
            organisations=list(organisations),
            viewer=viewer,
        )


def _download(frame: pd.DataFrame, name: str) -> None:
    csv_download(
        frame, f"Download {name} (CSV)", f"{name.replace(' ', '-')}.csv", key=f"download-{name}"
    )


def _dot_plot(rows: pd.DataFrame, points: int, label: str) -> alt.Chart:
    """Organisation means with 95% intervals, sorted by mean, the grand mean as a line."""
    data = rows.assign(
        size=lambda d: d["n"].map(lambda n: f"n = {n:,}"),
        group=rows["below_min_group"].map(
            {True: "fewer than the minimum group size", False: "reported"}
        ),
    )
    groups = [
        g for g in ("reported", "fewer than the minimum group size") if g in set(data["group"])
    ]
    order = data.sort_values("mean", ascending=False)["organisation"].tolist()
    y = alt.Y("organisation:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    x_scale = alt.Scale(domain=[1, points], nice=False, zero=False)
    tooltip = [
        alt.Tooltip("organisation:N", title="Organisation"),
        alt.Tooltip("n:Q", title="n", format=","),
        alt.Tooltip("mean:Q", title="Mean", format=".2f"),
        alt.Tooltip("ci_low:Q", title="95% CI low", format=".2f"),
        alt.Tooltip("ci_high:Q", title="95% CI high", format=".2f"),
    ]
    bars = (
        alt.Chart(data)
        .mark_rule(strokeWidth=3, color="#7f9cc0")
        .encode(
            y=y,
            x=alt.X(
                "ci_low:Q",
                scale=x_scale,
                title=f"{label}: mean and 95% CI (1-{points})",
                axis=alt.Axis(tickCount=points * 2),
            ),
            x2="ci_high:Q",
            tooltip=tooltip,
        )
    )
    dots = (
        alt.Chart(data)
        .mark_circle(size=110, opacity=1)
        .encode(
            y=y,
            x=alt.X("mean:Q", scale=x_scale),
            color=alt.Color(
                "group:N",
                title=None,
                legend=alt.Legend(orient="bottom", labelLimit=400),
                scale=alt.Scale(
                    domain=groups,
                    range=["#1f4e89", "#aaaaaa"][: len(groups)]
                    if groups[0] == "reported"
                    else ["#aaaaaa"],
                ),
            ),
            tooltip=tooltip,
        )
    )
    counts = (
        alt.Chart(data)
        .mark_text(align="left", dx=8, color="#555555", fontSize=11)
        .encode(y=y, x=alt.X("ci_high:Q", scale=x_scale), text="size:N")
    )
    grand = float((data["mean"] * data["n"]).sum() / data["n"].sum())
    line = (
        alt.Chart(pd.DataFrame({"x": [grand]}))
        .mark_rule(strokeDash=[4, 4], color="#888888")
        .encode(x=alt.X("x:Q", scale=x_scale))
    )
    return (line + bars + dots + counts).properties(height=30 * len(data), autosize=FIT_WIDTH)


def _diverging(likert: pd.DataFrame, item: str) -> alt.Chart:
    """Diverging stacked bars of one item: disagreement left of zero, neutral split at zero."""
    part = likert[likert["item"] == item]
    answers = part.sort_values("point")["answer"].drop_duplicates().tolist()
    colours = DIVERGING.get(len(answers)) or alt.Undefined
    order = part.groupby("organisation")["end"].max().sort_values(ascending=False).index.tolist()
    bars = (
        alt.Chart(part)
        .mark_bar(height={"band": 0.75})
        .encode(
            y=alt.Y("organisation:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X(
                "start:Q",
                title="Share of answers (left of 0: lower answers, right: higher)",
                axis=alt.Axis(format="%", labelExpr="format(abs(datum.value), '.0%')"),
                scale=alt.Scale(domain=[-1, 1]),
            ),
            x2="end:Q",
            color=alt.Color(
                "answer:N",
                title=None,
                sort=answers,
                scale=alt.Scale(domain=answers, range=colours),
                legend=alt.Legend(orient="bottom", columns=len(answers)),
            ),
            order=alt.Order("point:Q"),
            tooltip=[
                alt.Tooltip("organisation:N", title="Organisation"),
                alt.Tooltip("answer:N", title="Answer"),
                alt.Tooltip("share:Q", title="Share", format=".0%"),
                alt.Tooltip("n:Q", title="Answers"),
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#333333").encode(x="x:Q")
    return (bars + zero).properties(height=26 * part["organisation"].nunique(), autosize=FIT_WIDTH)


def _means_tab(result: ComparisonResult) -> None:
    st.caption(
        "Dots are organisation means, lines their 95% confidence intervals (t "
        "distribution); the dashed line is the mean of all respondents. Organisations "
        f"with fewer than {result.min_group} responses are grey: this page is for "
        "researchers only, and their results must not be reported."
    )
    for _, measure in result.measures.iterrows():
        rows = result.descriptives[result.descriptives["measure"] == measure["measure"]]
        if rows.empty:
            continue
        st.markdown(f"**{markdown_literal(measure['label'])}** ({measure['kind']})")
        st.altair_chart(
            _dot_plot(rows.dropna(subset=["ci_low"]), int(measure["points"]), measure["label"]),
            width="stretch",
        )
    table(
        result.descriptives.drop(columns=["measure"]),
        {"label": "Measure", **STATISTICS, "below_min_group": "Below minimum group size"},
    )
    _download(result.descriptives, "descriptives")


def _distribution_tab(result: ComparisonResult, labels: dict[str, str]) -> None:
    if result.likert.empty:
        st.info("No Likert answers for this choice.")
        return
    st.caption(
        "Diverging stacked bars (Robbins & Heiberger, 2011): answers below the middle "
        "of the scale extend left of zero, answers above it right, and the middle "
        "answer is split half on each side. Answers are shown as given (reverse-keyed "
        "items are not recoded), so each bar reads like its statement."
    )
    for item in result.likert["item"].drop_duplicates():
        st.markdown(f"**{markdown_literal(item)}**: {markdown_literal(labels.get(item, item))}")
        st.altair_chart(_diverging(result.likert, item), width="stretch")
    _download(result.likert, "answer distribution")


def _agreement_tab(result: ComparisonResult) -> None:
    st.markdown("**Aggregation: may an organisation mean stand for its employees?**")
    indices = result.aggregation.copy()
    threshold = {row[0]: row[2] for row in AGGREGATION_CUTOFFS}
    indices["meets"] = [
        ", ".join(
            name
            for name, value in (
                ("ICC(1)", r.icc1),
                ("ICC(2)", r.icc2),
                ("mean rwg(j)", r.rwg_mean),
                ("mean awg", r.awg_mean),
            )
            if pd.notna(value) and value >= threshold[name]
        )
        or "none"
        for r in indices.itertuples()
    ]
    # An index that cannot be computed says so in words, with the reason beside it.
    for column, digits in (("icc1", 3), ("icc2", 3), ("rwg_mean", 2), ("awg_mean", 2)):
        indices[column] = [
            f"{v:.{digits}f}" if pd.notna(v) else "undefined" for v in indices[column]
        ]
    table(
        indices.drop(columns=["measure", "rwg_index"]),
        {
            "label": "Measure",
            "organisations": "Organisations",
            "icc1": "ICC(1)",
            "icc2": "ICC(2)",
            "rwg_mean": "Mean rwg(j)",
            "rwg_share_70": number("Organisations with rwg(j) ≥ .70", "percent"),
            "awg_mean": "Mean awg",
            "undefined": "Why undefined",
            "meets": "Meets the rule of thumb",
        },
    )
    st.caption(f"Missing answers: {MISSING_VALUE_HANDLING[result.missing]}")
    _download(result.aggregation, "aggregation indices")
    st.markdown(
        "Rules of thumb (rwg(j) is rwg for a single item):\n"
        + "\n".join(
            f"- **{name} {rule}**: {source}" for name, rule, _, source in AGGREGATION_CUTOFFS
        )
    )
    with st.expander("rwg(j) and awg per organisation"):
        table(result.agreement)
        _download(result.agreement, "agreement per organisation")
    st.markdown("**Reliability: Cronbach's alpha with Feldt 95% interval**")
    if result.reliability.empty:
        st.info("Alpha is computed for scales; choose scales to see it.")
        return
    table(
        result.reliability.drop(columns=["measure"]),
        {"label": "Scale", **STATISTICS, "k": "Items", "alpha": number("Alpha", "%.2f")},
    )
    _download(result.reliability, "reliability")


def _differences_tab(result: ComparisonResult) -> None:
    st.caption(
        "Welch's ANOVA does not assume equal variances or sizes; omega squared is the "
        "share of variance explained by the organisation (about .01 small, .06 medium, "
        ".14 large; Kirk, 1996). Games-Howell compares every pair of organisations with "
        "p adjusted for the whole family of pairs."
    )
    if result.anova.empty:
        st.info("Too few organisations with varying answers for Welch's ANOVA.")
        return
    table(
        result.anova.drop(columns=["measure"]),
        {
            "label": "Measure",
            "F": number("F", "%.2f"),
            "df2": number("df2", "%.1f"),
            "p": number("p", "%.4g"),
            "omega_squared": number("ω²", "%.3f"),
            "n_groups": "Organisations",
            "n": "Respondents",
        },
    )
    _download(result.anova, "welch anova")
    labels = dict(zip(result.anova["measure"], result.anova["label"]))
    chosen = st.selectbox("Post hoc pairs for", list(labels), format_func=labels.get)
    pairs = result.post_hoc[result.post_hoc["measure"] == chosen].drop(columns=["measure", "label"])
    only = st.toggle("Only pairs with p < .05", value=False)
    if only:
        pairs = pairs[pairs["p"] < 0.05]
    table(
        pairs,
        {
            "A": "Organisation A",
            "B": "Organisation B",
            "mean_A": number("Mean A", "%.2f"),
            "mean_B": number("Mean B", "%.2f"),
            "diff": number("A - B", "%+.2f"),
            "se": STATISTICS["se"],
            "T": number("T", "%.2f"),
            "df": number("df", "%.1f"),
            "p": number("p", "%.4f"),
        },
    )
    _download(result.post_hoc, "games-howell")


def _excluded_tab(result: ComparisonResult) -> None:
    small = result.descriptives[result.descriptives["below_min_group"]]
    if not small.empty:
        st.warning(
            f"Fewer than {result.min_group} responses: "
            f"{', '.join(sorted(small['organisation'].unique()))}. Their results are "
            "shown here for analysis but must not be reported."
        )
    if result.excluded.empty:
        st.success("Every organisation could be used in every analysis.")
        return
    st.caption(
        "A method leaves an organisation out when it cannot use it: fewer than 2 "
        "answers, or answers that never vary where the method divides by the variance."
    )
    table(result.excluded)
    _download(result.excluded, "excluded")


def _behaviour_tab(scales: list[str], organisations: list[str], labels: dict[str, str]) -> None:
    with errors_shown(stop=True), database().transaction() as session:
        frame = behaviour_beside_scales(session, scales=scales, organisations=organisations)
    if frame.drop(columns="organisation").filter(like="share").isna().all().all():
        st.info(
            "None of these organisations has a platform export yet "
            "(Platform activity page, or `study import platform`)."
        )
        return
    st.caption(
        "Survey scale means (what employees say) beside what people do on the "
        "platform (Slack or Viva Engage export); definitions on the Platform activity "
        "page."
    )
    config = {
        c: number(labels.get(c[5:], c[5:]), "%.2f") for c in frame.columns if c.startswith("mean:")
    }
    config.update(
        {
            c: number(c.replace("_", " ").capitalize(), "percent")
            for c in frame.columns
            if c.endswith("share") or c == "weekly_regularity"
        }
    )
    table(frame, config)
    _download(frame, "survey and platform")


def render() -> None:
    """Choose measures and organisations, then show every comparison table and chart."""
    st.title("Compare organisations")
    with errors_shown(stop=True), database().transaction() as session:
        options = comparison_options(session)
    if len(options.organisations) < 2:
        st.info("Comparisons need complete survey responses from at least two organisations.")
        return
    mode = st.segmented_control("Compare", ["Scales", "Items"], default="Scales")
    scales: list[str] = []
    items: list[str] = []
    if mode == "Items":
        items = st.multiselect(
            "Items",
            list(options.items),
            default=list(options.items)[:2],
            format_func=lambda i: f"{i}: {options.items[i]}",
        )
    else:
        default = [c.scale for c in CHALLENGES if c.scale in options.scales] or list(
            options.scales
        )[:1]
        scales = st.multiselect(
            "Scales", list(options.scales), default=default, format_func=options.scales.get
        )
    organisations = st.multiselect(
        "Organisations", options.organisations, default=options.organisations
    )
    if not scales and not items:
        st.info("Choose at least one scale or item.")
        return
    if len(organisations) < 2:
        st.info("Choose at least two organisations.")
        return
    with errors_shown(stop=True):
        result = _compare(
            database_url(), tuple(scales), tuple(items), tuple(organisations), current_account()
        )
    tabs = st.tabs(
        [
            "Means",
            "Answer distribution",
            "Reliability and agreement",
            "Differences",
            "Excluded",
            "Platform behaviour",
        ]
    )
    with tabs[0]:
        _means_tab(result)
    with tabs[1]:
        _distribution_tab(result, options.items)
    with tabs[2]:
        _agreement_tab(result)
    with tabs[3]:
        _differences_tab(result)
    with tabs[4]:
        _excluded_tab(result)
    with tabs[5]:
        _behaviour_tab(scales, organisations, options.scales)


render()
