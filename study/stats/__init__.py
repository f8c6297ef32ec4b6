"""Pure statistics: scale reliability, aggregation, comparisons, nonparametric tests, prevalence.

Long-format DataFrames in, DataFrames or plain values out. Organisations too
small for a method are left out and listed in an ``excluded`` table, never an
error; fewer than two usable organisations raise
:class:`study.errors.InsufficientData`.
"""

from study.stats.aggregation import awg, icc1, icc2, rwg, rwg_j
from study.stats.comparison import compare_to_benchmark, games_howell, welch_anova
from study.stats.descriptives import describe_groups, percent_favourable, wilson_interval
from study.stats.multiple_testing import adjust_p_values
from study.stats.nonparametric import kruskal
from study.stats.prevalence import CodePrevalenceTest, code_prevalence_test
from study.stats.scales import cronbach_alpha, feldt_interval, item_analysis, scale_reliability
from study.stats.studentized_range import studentized_range_sf

__all__ = [
    "CodePrevalenceTest",
    "adjust_p_values",
    "awg",
    "code_prevalence_test",
    "compare_to_benchmark",
    "cronbach_alpha",
    "describe_groups",
    "feldt_interval",
    "games_howell",
    "icc1",
    "icc2",
    "item_analysis",
    "kruskal",
    "percent_favourable",
    "rwg",
    "rwg_j",
    "scale_reliability",
    "studentized_range_sf",
    "welch_anova",
    "wilson_interval",
]
