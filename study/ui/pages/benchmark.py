"""Benchmark report: an organisation's scale means against all others, and the spreadsheet.

Researchers choose an organisation (or all of them), see the current results or
a published edition, and publish new editions; a practitioner always gets their
own organisation's version of the newest published edition, with no chooser,
and never sees another organisation's name: the page shows only their rows and
the pooled benchmark.
"""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import streamlit as st

from study.admin.permissions import is_practitioner
from study.analysis.reports.benchmark_activity import ACTIVITY_COLUMNS, activity_table
from study.analysis.reports.benchmark_data import (
    BenchmarkFrames,
    benchmark_frames,
    benchmark_summary,
    benchmark_workbook_bytes,
    min_benchmark_orgs,
)
from study.analysis.reports.benchmark_editions import (
    EditionInfo,
    edition_frames,
    edition_readiness,
    list_benchmark_editions,
    publish_benchmark,
)
from study.analysis.reports.benchmark_export import NOTHING_PUBLISHED, benchmark_scope
from study.analysis.reports.benchmark_text import Notices, withdrawn_sentence
from study.config import database_url, int_setting
from study.platforms.measures import MEASURES
from study.ui.plain_text import markdown_literal
from study.ui.state import current_account, database, errors_shown

ALL = "All organisations (researchers' version)"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(ttl=120, show_spinner="Loading survey results…")
def _frames(url: str) -> BenchmarkFrames:
    with database().transaction() as session:
        return benchmark_frames(session)


@st.cache_data(ttl=600, show_spinner="Loading the published benchmark…")
def _edition(url: str, number: int) -> tuple[EditionInfo, BenchmarkFrames]:
    with database().transaction() as session:
        return edition_frames(session, number)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "organisation"


def _focus_chart(summary: pd.DataFrame, organisation: str) -> alt.Chart:
    """Per scale: the organisation's mean, the benchmark mean, and its median to top quartile."""
    data = summary.dropna(subset=["bench_mean"]).copy()
    order = data["scale_label"].tolist()
    y = alt.Y("scale_label:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    values = data[["mean", "bench_mean", "bench_median", "bench_p75"]].to_numpy().ravel()
    low, high = float(pd.Series(values).min()), float(pd.Series(values).max())
    # Zoom to the data, in half points, so differences of a tenth are visible.
    x_scale = alt.Scale(
        domain=[max(1.0, (low - 0.25) // 0.5 * 0.5), min(5.0, -((-(high + 0.25)) // 0.5) * 0.5)],
        nice=False,
    )
    band = (
        alt.Chart(data)
        .mark_bar(height=14, color="#d6dde8")
        .encode(
            y=y,
            x=alt.X("bench_median:Q", scale=x_scale, title="Mean score (1-5)"),
            x2="bench_p75:Q",
            tooltip=[
                alt.Tooltip("scale_label:N", title="Scale"),
                alt.Tooltip("bench_median:Q", title="Benchmark median", format=".2f"),
                alt.Tooltip("bench_p75:Q", title="Benchmark top quartile", format=".2f"),
            ],
        )
    )
    legend = alt.Legend(orient="bottom", title=None)
    marks = pd.concat(
        [
            data.assign(who="Benchmark mean", value=data["bench_mean"]),
            data.dropna(subset=["mean"]).assign(who=organisation, value=lambda d: d["mean"]),
        ]
    )
    colour = alt.Color(
        "who:N",
        legend=legend,
        scale=alt.Scale(domain=[organisation, "Benchmark mean"], range=["#1f4e89", "#888888"]),
    )
    points = (
        alt.Chart(marks)
        .mark_point(filled=True, size=140)
        .encode(
            y=y,
            x=alt.X("value:Q", scale=x_scale),
            color=colour,
            shape=alt.Shape(
                "who:N",
                legend=legend,
                scale=alt.Scale(
                    domain=[organisation, "Benchmark mean"], range=["circle", "diamond"]
                ),
            ),
            tooltip=[
                alt.Tooltip("scale_label:N", title="Scale"),
                alt.Tooltip("who:N", title=""),
                alt.Tooltip("value:Q", title="Mean", format=".2f"),
            ],
        )
    )
    # fit-x: stretch to the page's width, keep the given height for the rows
    return (band + points).properties(
        height=34 * len(data), autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
    )


def _summary_table(summary: pd.DataFrame, min_group: int) -> pd.DataFrame:
    notices = Notices(min_group=min_group, min_orgs=min_benchmark_orgs())  # the workbook's words
    table = pd.DataFrame(
        {
            "Scale": summary["scale_label"],
            "Responses": summary["n"].where(summary["status"] == "", None),
            "Mean": summary["mean"],
            "Benchmark mean": summary["bench_mean"],
            "Benchmark median": summary["bench_median"],
            "Benchmark top quartile": summary["bench_p75"],
            "Difference": summary["difference"],
            "Percentile rank": summary["percentile_rank"],
            "Note": summary["status"].map(lambda status: notices.words(status) or ""),
        }
    )
    return table


def _researchers_overview(summary: pd.DataFrame) -> alt.Chart:
    """Difference to the benchmark mean for every organisation and scale, as a heatmap."""
    data = summary.dropna(subset=["difference"])
    y = alt.Y(
        "organisation:N",
        title=None,
        sort=sorted(data["organisation"].unique()),
        axis=alt.Axis(labelLimit=240),
    )
    x = alt.X(
        "scale_label:N",
        title=None,
        sort=list(dict.fromkeys(data["scale_label"])),
        axis=alt.Axis(
            orient="top", labelAngle=-40, labelLimit=230, labelAlign="left", labelOverlap=False
        ),
    )
    limit = max(0.3, float(data["difference"].abs().max())) if len(data) else 1.0
    base = alt.Chart(data).properties(
        width=70 * data["scale_label"].nunique(), height=30 * data["organisation"].nunique()
    )
    cells = base.mark_rect().encode(
        x=x,
        y=y,
        color=alt.Color(
            "difference:Q",
            title="Mean minus benchmark mean",
            scale=alt.Scale(scheme="redblue", domain=[-limit, limit]),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("organisation:N", title="Organisation"),
            alt.Tooltip("scale_label:N", title="Scale"),
            alt.Tooltip("mean:Q", title="Mean", format=".2f"),
            alt.Tooltip("bench_mean:Q", title="Benchmark mean", format=".2f"),
            alt.Tooltip("difference:Q", title="Difference", format="+.2f"),
        ],
    )
    text = base.mark_text(fontSize=10).encode(
        x=x,
        y=y,
        text=alt.Text("difference:Q", format="+.2f"),
        color=alt.condition(
            f"abs(datum.difference) > {0.6 * limit}", alt.value("white"), alt.value("black")
        ),
    )
    # Streamlit's default autosize "fit" would squeeze the rows to make room for the labels.
    return (cells + text).properties(autosize=alt.AutoSizeParams(type="pad"))


def _editions_section(frames: BenchmarkFrames, editions: list[EditionInfo]) -> None:
    """Researchers: the published editions, and the button that publishes the next one."""
    st.subheader("Published editions")
    st.caption(
        "Practitioners see and download only the newest published edition, frozen "
        "when it was published. A new edition needs at least "
        f"{min_benchmark_orgs()} organisations that are not in the last one, so no "
        "two downloads differ by one organisation."
    )
    with errors_shown(stop=True), database().transaction() as session:
        readiness = edition_readiness(session, frames=frames)
    if st.button(
        "Publish a new edition",
        icon=":material/publish:",
        disabled=not readiness.ready,
        help=readiness.sentence(),
    ):
        with errors_shown(stop=True), database().transaction() as session:
            info = publish_benchmark(session, actor=current_account().id)
        st.session_state["benchmark_published"] = info.number
        st.rerun()
    published = st.session_state.pop("benchmark_published", None)
    if published:
        st.success(f"Published benchmark edition {published}; practitioners now see it.")
    st.caption(readiness.sentence())
    if editions:
        st.dataframe(
            pd.DataFrame([e.as_dict() for e in editions]).rename(
                columns={
                    "number": "Edition",
                    "instrument": "Survey",
                    "published_on": "Published",
                    "published_by": "By",
                    "organisations": "Organisations",
                    "responses": "Responses",
                }
            ),
            hide_index=True,
        )


def _shown(value: object, kind: str) -> str:
    """A cell of the activity table as the sheet shows it: a number, or why it is hidden."""
    if value is None or isinstance(value, str):
        return value or ""
    if kind == "percent":
        return f"{value:.0%}"
    return f"{value:,.0f}" if kind == "count" else f"{value:,.2f}"


def _activity_section(frames: BenchmarkFrames, organisation: str | None, min_group: int) -> None:
    """What people do on the platform (the Activity sheet), where a platform export exists."""
    if frames.activity is None or frames.activity.empty:
        return
    if organisation is not None and organisation not in set(frames.activity["organisation"]):
        return
    table = activity_table(
        frames.activity, min_group=min_group, min_orgs=min_benchmark_orgs(), focus_org=organisation
    )
    labels = {m.key: m.label for m in MEASURES}
    shown = pd.DataFrame(
        {"Organisation": table["organisation"]}
        | {labels[key]: [_shown(v, kind) for v in table[key]] for key, kind in ACTIVITY_COLUMNS}
    )
    st.subheader("Activity on the platform")
    st.caption(
        "From the organisation's own platform export (Slack or Viva Engage), "
        "pseudonymised at import. The Method sheet defines every measure."
    )
    st.dataframe(shown.set_index("Organisation").T, width="stretch")


def render() -> None:
    """Show the chosen (or the practitioner's own) organisation against the benchmark."""
    st.title("Benchmark report")
    account = current_account()
    min_group = int_setting("STUDY_MIN_GROUP_SIZE")
    practitioner = is_practitioner(account)
    with errors_shown(stop=True), database().transaction() as session:
        editions = list_benchmark_editions(session, viewer=account)
        # The library decides what this viewer may see (a practitioner: their organisation,
        # newest published edition); the page only shows it.
        scope = benchmark_scope(session, viewer=account) if practitioner and editions else None
    edition = None
    if practitioner:
        if scope is None:
            st.info(NOTHING_PUBLISHED)
            return
        organisation = scope.organisation
        with errors_shown(stop=True):
            edition, frames = _edition(database_url(), scope.edition)
        if organisation not in frames.organisations:
            st.info(
                f"{markdown_literal(organisation)} is not in the current benchmark (edition "
                f"{edition.number}); it will be in the next edition."
            )
            return
    else:
        with errors_shown(stop=True):
            live = _frames(database_url())
        choice = st.selectbox("Organisation", [ALL] + live.organisations)
        organisation = None if choice == ALL else choice
        frames = live
        if editions:
            versions = ["Current results"] + [
                f"Edition {e.number} ({e.published_on:%d %b %Y})" for e in editions
            ]
            shown = st.radio(
                "Results",
                versions,
                horizontal=True,
                help="Practitioners see the newest published edition.",
            )
            if shown != versions[0]:
                with errors_shown(stop=True):
                    edition, frames = _edition(
                        database_url(), editions[versions.index(shown) - 1].number
                    )
                if organisation is not None and organisation not in frames.organisations:
                    st.info(f"{markdown_literal(organisation)} is not in edition {edition.number}.")
                    _editions_section(live, editions)
                    return
    where = (
        f"Benchmark edition {edition.number}, published on {edition.published_on:%d %B %Y}. "
        + (withdrawn_sentence(edition.withdrawn) + " " if edition.withdrawn else "")
        if edition
        else ""
    )
    st.caption(
        f"{where}Results of any group with fewer than {min_group} responses are "
        f"hidden, and benchmark figures need at least {min_benchmark_orgs()} other "
        "organisations. The benchmark pools the other organisations; its mean is the "
        "average of their organisation means. The Method sheet of the spreadsheet gives "
        "every formula."
    )
    with errors_shown(stop=True):
        summary = benchmark_summary(frames, organisation=organisation, min_group=min_group)
    if organisation is not None:
        st.subheader(f"{markdown_literal(organisation)} against the benchmark")
        if summary["mean"].notna().any() and summary["bench_mean"].notna().any():
            st.altair_chart(_focus_chart(summary, organisation), width="stretch")
            st.caption(
                "The shaded band runs from the benchmark median to its top quartile. "
                "On the four challenge scales a higher score means more of the "
                "challenge."
            )
        table = _summary_table(summary, min_group)
    else:
        st.altair_chart(_researchers_overview(summary), width="content")
        table = pd.concat(
            [
                summary[["organisation"]].rename(columns={"organisation": "Organisation"}),
                _summary_table(summary, min_group),
            ],
            axis=1,
        )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            name: st.column_config.NumberColumn(name, format="%.2f")
            for name in ("Mean", "Benchmark mean", "Benchmark median", "Benchmark top quartile")
        }
        | {
            "Difference": st.column_config.NumberColumn("Difference", format="%+.2f"),
            "Percentile rank": st.column_config.NumberColumn("Percentile rank", format="%.0f"),
        },
    )
    _activity_section(frames, organisation, min_group)
    name = (
        f"benchmark-{_slug(organisation)}.xlsx"
        if organisation
        else "benchmark-all-organisations.xlsx"
    )
    generated = edition.published_on if edition else None

    def workbook() -> bytes:
        return benchmark_workbook_bytes(
            frames, organisation=organisation, min_group=min_group, generated=generated
        )

    st.download_button(
        "Download the benchmark spreadsheet (.xlsx)",
        workbook,
        file_name=name,
        mime=XLSX,
        icon=":material/download:",
        type="primary",
    )
    if not practitioner:
        _editions_section(live, editions)


render()
