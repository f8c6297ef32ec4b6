"""A benchmark study with a tiny organisation, shared by the report, CLI and page tests."""

from __future__ import annotations

from comparison_study import ALFA, BETA, add_organisation_with_answers

DELTA = [[2, 3, 3, 3], [3, 3, 4, 2], [2, 2, 3, 4], [4, 3, 3, 3], [3, 4, 2, 3], [2, 3, 3, 2]]


ROLE = ["staff", "staff", "manager", "staff", "manager", "staff"]
EPSILON = [[4, 4, 3, 2], [3, 4, 4, 2], [5, 4, 4, 1], [3, 3, 4, 3], [4, 5, 3, 2]]


TINY = [[5, 4, 2, 1], [3, 2, 5, 4], [4, 5, 3, 2]]


OTHERS = ["Beta Kommune", "Delta Energi", "Epsilon Software", "Tiny Co"]


def build_benchmark_study(session) -> dict[str, int]:
    """Five organisations (6, 7, 6, 5 and 3 respondents); Epsilon by personal invitation."""
    return {
        "Alfa Bank": add_organisation_with_answers(
            session, "Alfa Bank", ALFA, extra={"role": ROLE}
        ),
        "Beta Kommune": add_organisation_with_answers(session, "Beta Kommune", BETA),
        "Delta Energi": add_organisation_with_answers(session, "Delta Energi", DELTA),
        "Epsilon Software": add_organisation_with_answers(
            session, "Epsilon Software", EPSILON, invitations=10
        ),
        "Tiny Co": add_organisation_with_answers(session, "Tiny Co", TINY),
    }
