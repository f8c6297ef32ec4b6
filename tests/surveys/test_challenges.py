"""The four challenges, named once, are the survey's scales, the scheme's codes and measures."""

from __future__ import annotations

from study.interviews.schemes import load_schemes
from study.platforms.measures import MEASURES
from study.surveys.challenges import CHALLENGES
from study.surveys.instruments import DEFAULT_INSTRUMENTS_DIRECTORY, load_instruments


def test_each_challenge_is_a_survey_scale_an_interview_code_and_a_platform_measure():
    survey = load_instruments(DEFAULT_INSTRUMENTS_DIRECTORY)["ism-adoption-survey"]
    scheme = load_schemes()["ism-adoption-challenges"]
    scales = {scale.id for scale in survey.scales}
    codes = {code.id for code in scheme.codes}
    measures = {measure.key for measure in MEASURES}
    assert len(CHALLENGES) == 4
    for challenge in CHALLENGES:
        assert challenge.scale in scales
        assert challenge.code in codes
        assert challenge.measure in measures
    assert {s for s in scales if s.startswith("challenge_")} == {c.scale for c in CHALLENGES}
