"""Generate realistic demo survey responses with known, planted differences between organisations.

Demo data lets every page, export and statistic be tried before real data
exists, and lets tests check that a comparison finds what was planted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from study.errors import InvalidInput
from study.surveys.instruments.survey import Instrument, Item

#: Planted shifts of the latent scale mean, in points of a 5-point scale, by the
#: organisation's position in the list (cycling after the fifth).
PLANTED_PROFILES: tuple[dict[str, float], ...] = (
    {},
    {"challenge_not_work": 1.0, "challenge_not_routine": 0.3},
    {"challenge_self_censorship": 1.0, "challenge_management_words": 0.3},
    {
        "challenge_not_work": -0.5,
        "challenge_self_censorship": -0.3,
        "challenge_not_routine": -1.0,
        "challenge_management_words": -0.5,
    },
    {"challenge_self_censorship": 0.3, "challenge_management_words": 1.2},
)
#: Scales that move opposite to a challenge by the same amount (a realistic link).
MIRRORED = {
    "leadership_action": "challenge_management_words",
    "use_frequency": "challenge_not_routine",
}
BASELINE_MEAN = {
    "challenge_not_work": 2.9,
    "challenge_self_censorship": 2.9,
    "challenge_not_routine": 2.9,
    "challenge_management_words": 2.9,
    "use_frequency": 3.4,
    "leadership_action": 3.1,
    "training_policy": 3.0,
    "imc_integration": 3.2,
    "brand_ambassador": 3.0,
    "commitment": 3.7,
}
PERSON_SD = 0.7  # spread of respondents' latent scores around their organisation's mean
ITEM_NOISE_SD = 0.55  # item-specific noise; gives alpha around .8 for four items
INCOMPLETE_SHARE = 0.08
SKIP_SHARE = 0.03
TEXT_SHARE = 0.25

_COMMENTS = {
    "en": [
        "I don't have time for it during the day.",
        "Older posts are hard to find.",
        "More answers from management would help.",
        "E-mail still works better for most things.",
        "I like the project groups.",
        "I'm not sure what I'm allowed to post.",
        "It would help if it was built into the tools we already use.",
        "Good for news, less for discussion.",
    ],
    "da": [
        "Jeg har ikke tid til det i løbet af dagen.",
        "Det er svært at finde ældre opslag.",
        "Flere svar fra ledelsen ville hjælpe.",
        "Mail fungerer stadig bedre til det meste.",
        "Jeg er glad for projektgrupperne.",
        "Jeg er usikker på, hvad jeg må skrive.",
        "Det ville hjælpe, hvis det var bygget ind i de værktøjer, vi allerede bruger.",
        "God til nyheder, mindre god til diskussion.",
    ],
}


@dataclass(frozen=True)
class DemoResponses:
    """Demo answers in long form and one row of metadata per respondent.

    Attributes
    ----------
    answers : DataFrame
        ``respondent``, ``organisation``, ``item_id``, ``value`` (stored form).
    respondents : DataFrame
        ``respondent``, ``organisation``, ``language``, ``complete`` (bool),
        ``pages_answered`` (int), then one column per demographic item.
    """

    answers: pd.DataFrame
    respondents: pd.DataFrame


def planted_shift(position: int, scale: str) -> float:
    """The planted shift of ``scale`` for the organisation at 0-based ``position``."""
    profile = PLANTED_PROFILES[position % len(PLANTED_PROFILES)]
    if scale in MIRRORED:
        return -profile.get(MIRRORED[scale], 0.0)
    return profile.get(scale, 0.0)


def _to_points(values: np.ndarray, points: int) -> np.ndarray:
    """Map continuous answers on the 1-5 metric to whole points 1..points."""
    stretched = 1 + (values - 1) * (points - 1) / 4
    return np.clip(np.rint(stretched), 1, points).astype(int)


def _counts(
    organisations: list[str], respondents: int | Mapping[str, int] | None, rng: np.random.Generator
) -> list[int]:
    if respondents is None:
        return [int(n) for n in rng.integers(15, 301, size=len(organisations))]
    if isinstance(respondents, int):
        counts = [respondents] * len(organisations)
    else:
        absent = [o for o in organisations if o not in respondents]
        if absent:
            raise InvalidInput(f"No respondent count for {', '.join(absent)}.")
        counts = [int(respondents[o]) for o in organisations]
    if any(n < 1 for n in counts):
        raise InvalidInput("Every organisation needs at least one respondent.")
    return counts


def _choice_weights(item: Item, rng: np.random.Generator) -> np.ndarray:
    weights = rng.dirichlet(np.full(len(item.options or []), 4.0))
    for i, option in enumerate(item.options or []):
        if option.id == "nosay":
            weights[i] = 0.04
    return weights / weights.sum()


def _other_value(
    item: Item, rng: np.random.Generator, weights: dict[str, np.ndarray], language: str
) -> object:
    options = [o.id for o in item.options or []]
    if item.type == "likert":
        return int(_to_points(np.array([rng.normal(3.0, 0.9)]), item.points or 5)[0])
    if item.type == "single_choice":
        return options[int(rng.choice(len(options), p=weights[item.id]))]
    if item.type == "multiple_choice":
        picked = rng.random(len(options)) < weights[item.id]
        return [o for o, chosen in zip(options, picked) if chosen]
    if item.type == "number":
        low = item.min if item.min is not None else 0.0
        high = item.max if item.max is not None else low + 100.0
        return float(np.clip(np.rint(low + rng.gamma(2.0, (high - low) / 40)), low, high))
    comments = _COMMENTS.get(language, _COMMENTS["en"])
    return comments[int(rng.integers(len(comments)))]


def generate_demo_responses(
    instrument: Instrument,
    organisations: list[str],
    *,
    respondents: int | Mapping[str, int] | None = None,
    seed: int = 2017,
) -> DemoResponses:
    """Generate answers to ``instrument`` for ``organisations`` with planted differences.

    Each respondent has a latent score per scale, drawn around the
    organisation's mean (baseline plus planted shift) with SD 0.7; each item is
    that score plus item noise (SD 0.55), rounded and clipped to the item's
    points, so items of a scale correlate. Reverse-keyed items are answered
    consistently (``points + 1 -`` the consistent answer). About 8% of
    respondents stop early (later pages unanswered, ``complete`` False) and 3%
    of other non-required answers are skipped. Everything is drawn from one
    generator seeded with ``seed``, so the same arguments give the same data.

    Planted differences (shift of the organisation's mean on the 1-5 scale;
    higher challenge score = more of the challenge; the organisation's position
    in ``organisations`` decides its profile, repeating after the fifth):

    ========  ========  ===============  ===========  ================  =========================
    position  not_work  self_censorship  not_routine  management_words  profile
    ========  ========  ===============  ===========  ================  =========================
    1st       0         0                0            0                 reference
    2nd       +1.0      0                +0.3         0                 "ISM is not real work"
    3rd       0         +1.0             0            +0.3              fear of the visible arena
    4th       -0.5      -0.3             -1.0         -0.5              ISM built into routines
    5th       0         +0.3             0            +1.2              managers only talk
    ========  ========  ===============  ===========  ================  =========================

    ``leadership_action`` moves opposite to ``management_words`` and
    ``use_frequency`` opposite to ``not_routine`` by the same amount. Rounding
    and clipping to 1-5 shrink observed differences slightly (about 10%).

    Parameters
    ----------
    instrument : Instrument
        Any survey; planted shifts apply to the scale ids above when present.
    organisations : list of str
        Organisation names, in the order that decides their profiles.
    respondents : int or mapping, optional
        Respondents per organisation (one number for all, or per name). By
        default each organisation gets 15 to 300, drawn from the seed.
    seed : int, default 2017
    """
    if not organisations:
        raise InvalidInput("Give at least one organisation.")
    if len(set(organisations)) != len(organisations):
        raise InvalidInput("An organisation is listed twice.")
    rng = np.random.default_rng(seed)
    counts = _counts(list(organisations), respondents, rng)
    pages = [instrument.page_items(page) for page in instrument.pages]
    page_of = {item.id: p for p, items in enumerate(pages) for item in items}
    items = instrument.all_items()
    scale_items = {s.id: instrument.scale_items(s.id) for s in instrument.scales}
    languages = list(instrument.languages)
    language_p = np.array([0.7 if lang == "da" else 1.0 for lang in languages])
    if "da" in languages and len(languages) > 1:
        language_p[[i for i, lang in enumerate(languages) if lang != "da"]] = 0.3 / (
            len(languages) - 1
        )
    language_p = language_p / language_p.sum()

    answer_rows: list[tuple[str, str, str, object]] = []
    people: list[dict[str, object]] = []
    for position, (organisation, n) in enumerate(zip(organisations, counts)):
        weights = {
            item.id: (
                _choice_weights(item, rng)
                if item.type == "single_choice"
                else rng.uniform(0.2, 0.7, len(item.options or []))
            )
            for item in items
            if item.options
        }
        scale_values: dict[str, np.ndarray] = {}
        for scale_id, members in scale_items.items():
            mean = BASELINE_MEAN.get(scale_id, 3.0) + planted_shift(position, scale_id)
            latent = rng.normal(mean, PERSON_SD, size=n)
            noisy = latent[:, None] + rng.normal(0.0, ITEM_NOISE_SD, size=(n, len(members)))
            for j, item in enumerate(members):
                points = item.points or 5
                consistent = _to_points(noisy[:, j], points)
                scale_values[item.id] = points + 1 - consistent if item.reverse else consistent
        stops = rng.random(n) < INCOMPLETE_SHARE
        stop_page = rng.integers(1, max(len(pages), 2), size=n)
        for r in range(n):
            key = f"o{position + 1}-r{r + 1:04d}"
            language = languages[int(rng.choice(len(languages), p=language_p))]
            pages_answered = int(stop_page[r]) if stops[r] and len(pages) > 1 else len(pages)
            person: dict[str, object] = {
                "respondent": key,
                "organisation": organisation,
                "language": language,
                "complete": pages_answered == len(pages),
                "pages_answered": pages_answered,
            }
            for item in items:
                value: object
                if page_of[item.id] >= pages_answered:
                    value = None
                elif not item.required and rng.random() < SKIP_SHARE:
                    value = None
                elif item.id in scale_values:
                    value = int(scale_values[item.id][r])
                elif item.type == "text" and rng.random() >= TEXT_SHARE:
                    value = None
                else:
                    value = _other_value(item, rng, weights, language)
                if item.demographic:
                    person[item.id] = value
                if value is not None:
                    answer_rows.append((key, organisation, item.id, value))
            people.append(person)
    answers = pd.DataFrame(answer_rows, columns=["respondent", "organisation", "item_id", "value"])
    answers = answers.astype(
        {"respondent": object, "organisation": object, "item_id": object, "value": object}
    )
    return DemoResponses(answers=answers, respondents=pd.DataFrame(people))
