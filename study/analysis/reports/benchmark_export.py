"""Write the benchmark workbook file, of the current data or of a published edition.

Above both :mod:`~study.analysis.reports.benchmark_data` (the current data) and
:mod:`~study.analysis.reports.benchmark_editions` (the frozen ones), which builds on
the first: so neither imports the other in a circle. The CLI's ``study export
benchmark`` calls :func:`export_benchmark`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from study.admin.accounts import current_actor
from study.admin.organisations import organisation_row
from study.admin.permissions import Actor, is_practitioner, organisation_scope, require
from study.analysis.reports.benchmark_data import BenchmarkFrames, benchmark_frames, write_frames
from study.analysis.reports.benchmark_editions import edition_frames, list_benchmark_editions
from study.analysis.survey_data import DEFAULT_INSTRUMENT
from study.config import int_setting
from study.db.models import OrganisationRow
from study.errors import InvalidInput, NotFound, PermissionDenied

__all__ = ["BenchmarkScope", "benchmark_scope", "export_benchmark"]

NOTHING_PUBLISHED = (
    "No benchmark has been published yet. The researchers publish one when "
    "enough organisations have taken part."
)


@dataclass(frozen=True)
class BenchmarkScope:
    """What a viewer gets: the organisation named (None: all) and the edition (None: current)."""

    organisation: str | None
    edition: int | None


def benchmark_scope(
    session: Session,
    *,
    viewer: Actor,
    organisation: str | None = None,
    edition: int | None = None,
    instrument: str = DEFAULT_INSTRUMENT,
) -> BenchmarkScope:
    """Decide which benchmark ``viewer`` may see: the one rule for page, download and CLI.

    Researchers and admins get what they ask for. A practitioner always gets their own
    organisation's version of the newest published edition: asking for another
    organisation, an older edition or the current (unpublished) data is
    :class:`PermissionDenied`; with nothing published yet, :class:`NotFound`.
    """
    viewer = current_actor(session, viewer)
    require(viewer, "download_benchmark")
    if not is_practitioner(viewer):
        return BenchmarkScope(organisation, edition)
    own = session.get(OrganisationRow, organisation_scope(viewer)).name
    if organisation is not None and organisation_row(session, organisation).name != own:
        raise PermissionDenied("You can see your own organisation's benchmark only.")
    editions = list_benchmark_editions(session, instrument=instrument, viewer=viewer)
    if not editions:
        raise NotFound(NOTHING_PUBLISHED)
    if edition is not None and edition != editions[0].number:
        raise PermissionDenied("Practitioners see the newest published benchmark edition only.")
    return BenchmarkScope(own, editions[0].number)


def export_benchmark(
    session: Session,
    out: str | os.PathLike[str],
    *,
    viewer: Actor,
    organisation: str | None = None,
    min_group: int | None = None,
    campaign_id: int | None = None,
    instrument: str = DEFAULT_INSTRUMENT,
    language: str = "en",
    edition: int | None = None,
) -> Path:
    """Write the benchmark workbook to ``out`` and return its path.

    Parameters
    ----------
    viewer : AccountInfo or OPERATOR
        Who downloads (required): a practitioner gets their own organisation's version of
        the newest published edition only (:func:`benchmark_scope`).
    organisation : str, optional
        Practitioners' version: only this organisation is named; all others
        are pooled as "Benchmark". Omit for the researchers' version with
        every organisation listed.
    min_group : int, optional
        Groups with fewer responses show "fewer than N responses" (default:
        the STUDY_MIN_GROUP_SIZE setting).
    campaign_id : int, optional
        Use this campaign for its organisation instead of the newest one.
    edition : int, optional
        Write this published edition (the frozen data practitioners see)
        instead of the current data; ``campaign_id`` does not apply then.
    """
    scope = benchmark_scope(
        session, viewer=viewer, organisation=organisation, edition=edition, instrument=instrument
    )
    if campaign_id is not None and is_practitioner(current_actor(session, viewer)):
        raise PermissionDenied("Practitioners see the newest published benchmark edition only.")
    organisation, edition = scope.organisation, scope.edition
    generated = None
    if edition is not None:
        if campaign_id is not None:
            raise InvalidInput(
                "A published edition has its campaigns fixed: give --edition "
                "or --campaign, not both."
            )
        info, frames = edition_frames(session, edition, instrument=instrument, language=language)
        generated = info.published_on
    else:
        frames = benchmark_frames(
            session, campaign_id=campaign_id, instrument=instrument, language=language
        )
    return write_frames(
        frames,
        out,
        organisation=_focus(frames, session, organisation),
        min_group=_min_group(min_group),
        generated=generated,
    )


def _focus(frames: BenchmarkFrames, session: Session, organisation: str | None) -> str | None:
    if organisation is None:
        return None
    name = organisation_row(session, organisation).name
    if name not in set(frames.participation["organisation"]):
        raise NotFound(f"{name} has no survey campaign yet, so there is no benchmark for it.")
    return name


def _min_group(min_group: int | None) -> int:
    if min_group is None:
        return int_setting("STUDY_MIN_GROUP_SIZE")
    if isinstance(min_group, bool) or not isinstance(min_group, int) or min_group < 1:
        raise InvalidInput(
            f"The minimum group size must be a whole number of at least 1, not {min_group!r}."
        )
    return min_group
