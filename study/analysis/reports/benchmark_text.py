"""The words of the benchmark workbook: the About and Method sheets and notices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from study.analysis.reports.benchmark_tables import COMPLEMENT, FEW_ORGS, SMALL

COMPLEMENT_NOTICE = "hidden to protect a smaller group"
#: What an open link's Invitations cell says: it has no invitations (nothing is hidden).
OPEN_LINK = "open link"


@dataclass(frozen=True)
class Notices:
    """What a hidden cell says instead of a number, by status code."""

    min_group: int
    min_orgs: int

    def words(self, status: str) -> str | None:
        return {
            SMALL: f"fewer than {self.min_group} responses",
            COMPLEMENT: COMPLEMENT_NOTICE,
            FEW_ORGS: f"fewer than {self.min_orgs} organisations",
        }.get(status)


Row = tuple[str, object, str | None]


def withdrawn_sentence(withdrawn: int) -> str:
    """What a workbook and the Benchmark page say about responses withdrawn since publication."""
    return (
        f"n changed after publication: {withdrawn} response{'s were' if withdrawn != 1 else ' was'} "
        "withdrawn by the respondent since this edition was published, and every figure "
        "leaves them out. Which organisations they came from is not said."
    )


def about_rows(
    *,
    focus_org: str | None,
    generated: dt.date,
    instrument: str,
    notices: Notices,
    top: int,
    counts: list[Row],
    activity: bool = False,
    withdrawn: int = 0,
) -> list[Row]:
    """Plain-language explanation of the workbook for practitioners.

    ``activity``: the workbook has an Activity sheet (platform measures), which the
    list of sheets then names. ``withdrawn``: responses of a published edition that
    their respondents withdrew since, said without saying whose organisation lost them.
    """
    m = notices.min_group
    if focus_org is None:
        what = (
            "Employee survey on internal social media (ISM): results of every "
            "organisation in the study, each against the benchmark of all "
            f"organisations with at least {m} responses."
        )
        benchmark = (
            f"All organisations with at least {m} responses on that scale or "
            "item. Each organisation's mean counts once, whatever its size."
        )
        head: list[Row] = []
    else:
        what = (
            "Employee survey on internal social media (ISM): your organisation's "
            "results against the benchmark, which pools all other organisations "
            "in the study. No other organisation is named in this workbook."
        )
        benchmark = (
            "All other organisations in the study, taken together. For scale "
            "means each organisation with enough responses counts once; for "
            "items all their respondents are pooled."
        )
        head = [("Organisation", focus_org, "user")]
    return [
        ("ISM Study benchmark", what, None),
        *head,
        ("Generated", generated, "date"),
        ("Instrument version", instrument, "user"),
        ("Minimum group size", m, "count"),
        *counts,
        *(
            [("Changed after publication", withdrawn_sentence(withdrawn), None)]
            if withdrawn
            else []
        ),
        ("", None, None),
        ("How to read the numbers", "", None),
        (
            "Mean",
            "The average scale score of the people who answered: higher means "
            "more of what the scale measures.",
            None,
        ),
        ("Benchmark", benchmark, None),
        (
            "Benchmark mean, median, top quartile",
            "The average of the organisation means; the middle organisation mean; and "
            "the organisation mean that the best quarter of organisations reach or "
            "exceed.",
            None,
        ),
        (
            "Difference to benchmark mean",
            "The mean minus the benchmark mean: orange cells are above the benchmark, blue "
            "cells below. The colour shows direction, not good or bad: on the four "
            "challenge scales a higher score means more of the challenge.",
            None,
        ),
        (
            "Percentile rank",
            "The share of organisations that score lower (equal scores count half): 80 "
            "means higher than about 80 of every 100 organisations.",
            None,
        ),
        (
            "Percent favourable",
            f"The share of people who chose one of the top {top} answers of an item "
            "(for example 4 or 5 on a five-point scale), with a 95% confidence interval: "
            "the range the true share is likely to lie in.",
            None,
        ),
        (
            "Response rate",
            "Responses divided by invitations. Open survey links have no "
            f"invitation count, so no response rate: their Invitations cell says "
            f'"{OPEN_LINK}" (nothing is hidden there) and their response rate is empty.',
            None,
        ),
        (
            notices.words(SMALL) or "",
            f"Results of any group with fewer than {m} responses are hidden so that "
            "nobody can be identified from them.",
            None,
        ),
        (
            COMPLEMENT_NOTICE,
            "A larger group hidden as well, so that a hidden small group cannot be worked "
            "out by subtracting the shown groups from a total.",
            None,
        ),
        (
            notices.words(FEW_ORGS) or "",
            f"The benchmark is shown only when it pools at least {notices.min_orgs} "
            "organisations, so it never stands for one identifiable organisation.",
            None,
        ),
        (
            "Sheets",
            "Summary (scale means), Items (percent favourable), Participation, "
            "Charts, Demographics (if collected), "
            + ("Activity (what people do on the platform), " if activity else "")
            + "and Method (formulas).",
            None,
        ),
    ]


def method_rows(*, focus_org: str | None, notices: Notices, top: int) -> list[Row]:
    """The formulas and rules in words, for researchers who check the numbers."""
    m, k = notices.min_group, notices.min_orgs
    if focus_org is None:
        pool = (
            "Researchers' version: the benchmark holds only results that are "
            "themselves shown (organisations and cells with at least "
            f"{m} responses), so no hidden result can be recovered by subtracting "
            "the listed organisations from the benchmark."
        )
        comparison = "N = number of organisations in the benchmark for that scale."
    else:
        pool = (
            "Practitioners' version: the benchmark pools every organisation except "
            "the named one. Organisations with fewer than "
            f"{m} responses contribute their respondents to pooled item results "
            "(nothing else about them is shown), but not their mean to the "
            "distribution of organisation means, because a mean of so few people "
            "does not stand for an organisation."
        )
        comparison = (
            "N = number of organisations in the benchmark for that scale plus "
            "the named organisation."
        )
    return [
        (
            "Scale score",
            "Each respondent's score on a scale, as scored by the survey "
            "(reverse-keyed items recoded before scoring).",
            None,
        ),
        (
            "Organisation mean",
            "Sum of the scale scores of the organisation's respondents divided by their number n.",
            None,
        ),
        ("Benchmark pool", pool, None),
        (
            "Benchmark mean",
            "Sum of the organisation means in the benchmark divided by "
            "their number K (each organisation weighs the same).",
            None,
        ),
        (
            "Benchmark median and top quartile",
            "The 50th and 75th percentiles of the K organisation means, interpolating "
            "linearly between neighbouring ordered means (Hyndman & Fan, 1996, "
            "definition 7; the default of R's quantile and numpy's percentile).",
            None,
        ),
        (
            "Difference",
            "Organisation mean minus benchmark mean, in scale points; for "
            "items, percent favourable minus benchmark percent favourable, in "
            "percentage points.",
            None,
        ),
        (
            "Percentile rank",
            "100 x (B + E/2) / N, where B = number of organisations with a lower mean, "
            "E = number with an equal mean (the organisation itself included) and "
            f"{comparison} Same as scipy.stats.percentileofscore(kind='mean').",
            None,
        ),
        (
            "Percent favourable",
            f"f / n, where f = respondents who chose one of the top {top} answer points "
            "of the item and n = respondents who answered the item.",
            None,
        ),
        (
            "Missing answers",
            "A skipped item is not an answer. Items: each item uses everyone who answered "
            "it (pairwise deletion). Scales: a respondent's score is the mean of the scale "
            "items they answered, given only when they answered at least the scale's minimum "
            "share of its items (half unless the instrument says otherwise); respondents "
            "without a score are left out of that scale. This workbook has no agreement "
            "indices; where the Compare page reports rwg(j) and awg, it leaves out "
            "respondents who skipped any item of the scale (listwise deletion, as R package "
            "multilevel) unless pairwise deletion is chosen.",
            None,
        ),
        (
            "Wilson 95% interval",
            "(p + z^2/(2n) +/- z * sqrt(p(1-p)/n + z^2/(4n^2))) / (1 + z^2/n) with "
            "p = f/n and z = 1.96 (Wilson, 1927).",
            None,
        ),
        (
            "Benchmark percent favourable",
            "Respondents pooled: sum of f over the benchmark organisations divided by "
            "the sum of n, with its Wilson interval.",
            None,
        ),
        (
            "Response rate and share of headcount",
            "Responses / invitations and responses / headcount. The benchmark row sums "
            "responses and invitations (headcount) over the organisations whose "
            "invitations (headcount) are known; open links have none.",
            None,
        ),
        (
            "Suppression: small groups",
            f"Any organisation, cell or demographic group with fewer than {m} responses "
            "shows no statistic. An organisation counts as small when either its "
            "respondents in the data or its reported responses are fewer than "
            f"{m}. A small organisation's responses and rates are hidden too; its "
            "invitations and headcount describe the organisation, not its people, and "
            "are shown.",
            None,
        ),
        (
            "Suppression: benchmark",
            f"A benchmark figure needs at least {k} organisations and {m} responses in the pool.",
            None,
        ),
        (
            "Suppression: complementary",
            "Within one organisation the categories of a demographic variable (people "
            "without an answer form '(not answered)') add up to the organisation's "
            "total. If any category is hidden, the next-smallest categories are hidden "
            f"too until the hidden ones hold at least {m} people together, so no small "
            "group can be worked out by subtraction. Each scale column is protected "
            "this way separately. Tables for different variables are protected one by "
            "one; combining them with outside knowledge may narrow groups further.",
            None,
        ),
        (
            "About counts",
            "In the researchers' version the About sheet counts "
            "respondents of reported organisations only, so small "
            "organisations' counts cannot be worked out from a total.",
            None,
        ),
    ]
