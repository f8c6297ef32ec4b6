"""Who may see or do what: the roles, their permissions, and the rules that use them.

This is the one place where a role is compared. Pages, the CLI and the library
ask :func:`can` / :func:`require` with the acting account (an
:class:`~study.admin.accounts.AccountInfo`, or :data:`OPERATOR` for someone running
the command line or a script against the database, who holds every right), and
the library functions that return or change study data enforce the rules themselves,
so a page that forgets a check cannot leak:

- **practitioner scoping**: a practitioner sees only their own organisation
  (:func:`organisation_scope`);
- **blind coding**: while a scheme is blind, a coder sees only their own codings and
  memos of it (:func:`sees_others_codings`, used by
  :mod:`study.interviews.coding.blind`);
- **coder edit rights**: a coder changes only their own codings
  (:func:`require_coding_change`).

The table :data:`PERMISSIONS` (permission -> roles, and what it allows) is printed in
ARCHITECTURE.md; a test checks that the printed table is this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from study.errors import PermissionDenied


class Role(StrEnum):
    """The four roles an account can have."""

    ADMIN = "admin"
    RESEARCHER = "researcher"
    CODER = "coder"
    PRACTITIONER = "practitioner"


ADMIN, RESEARCHER, CODER, PRACTITIONER = Role.ADMIN, Role.RESEARCHER, Role.CODER, Role.PRACTITIONER
ROLES: tuple[str, ...] = tuple(role.value for role in Role)
_STAFF = frozenset({ADMIN, RESEARCHER, CODER})
_RESEARCH = frozenset({ADMIN, RESEARCHER})
_EVERYONE = frozenset(Role)


@dataclass(frozen=True)
class Permission:
    """A thing some roles may do."""

    roles: frozenset[Role]
    allows: str


#: permission -> the roles that have it and what it allows. The only role table.
PERMISSIONS: dict[str, Permission] = {
    "see_overview": Permission(
        _EVERYONE, "the study overview (a practitioner: their organisation's)"
    ),
    "see_all_organisations": Permission(_RESEARCH, "every organisation's data, reports and names"),
    "manage_organisations": Permission(_RESEARCH, "add and edit organisations"),
    "run_surveys": Permission(_RESEARCH, "instruments, campaigns, invitations, e-mail, responses"),
    "manage_transcripts": Permission(_RESEARCH, "import transcripts and choose who codes them"),
    "read_transcripts": Permission(_STAFF, "read transcripts and search them"),
    "code": Permission(_STAFF, "code transcripts and write memos"),
    "change_others_codings": Permission(_RESEARCH, "change or remove another coder's codings"),
    "see_others_codings_when_blind": Permission(
        _RESEARCH, "other coders' codings and memos while a scheme is in blind mode"
    ),
    "edit_codebook": Permission(_RESEARCH, "add, rename, move and merge codes; blind mode on/off"),
    "analyse": Permission(_RESEARCH, "compare organisations, joint display, platform activity"),
    "check_reliability": Permission(_RESEARCH, "inter-coder reliability and consensus"),
    "exchange_projects": Permission(_RESEARCH, "REFI-QDA import and export"),
    "publish_benchmark": Permission(_RESEARCH, "publish benchmark editions"),
    "manage_participant_data": Permission(
        _RESEARCH,
        "withdraw responses, erase interviewees, retention and the record of processing",
    ),
    "download_benchmark": Permission(
        _RESEARCH | {PRACTITIONER},
        "the benchmark workbook (a practitioner: their organisation, newest published edition)",
    ),
    "manage_accounts": Permission(
        frozenset({ADMIN}), "invite, change, lock and deactivate accounts"
    ),
    "manage_own_account": Permission(_EVERYONE, "their own display name and password"),
}


class Actor(Protocol):
    """Who is acting: an account (``AccountInfo``) or the command-line operator."""

    @property
    def id(self) -> int | None: ...
    @property
    def role(self) -> str: ...
    @property
    def organisation_id(self) -> int | None: ...


@dataclass(frozen=True)
class Operator:
    """Someone running the CLI or a script with the database's address: every right.

    Whoever holds the database URL can read every row anyway; the operator's actions
    are audited without an account (``actor_id`` NULL). ``study ... --as EMAIL`` acts
    as an account instead, with that account's rights.
    """

    id: None = None
    role: str = ADMIN.value
    organisation_id: None = None
    email: str = "(command line)"
    display_name: str = "command line"
    organisation_name: None = None


OPERATOR = Operator()


def _role(actor: Actor) -> Role:
    try:
        return Role(actor.role)
    except ValueError:
        raise PermissionDenied("This account has no valid role.") from None


def roles_with(permission: str) -> frozenset[str]:
    """The roles (as strings) that hold ``permission``."""
    return frozenset(role.value for role in PERMISSIONS[permission].roles)


def can(actor: Actor | None, permission: str) -> bool:
    """True when ``actor`` holds ``permission`` (None, a visitor, holds none)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if actor is None:
        return False
    try:
        return _role(actor) in PERMISSIONS[permission].roles
    except PermissionDenied:
        return False


def require(actor: Actor | None, permission: str) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` holds ``permission``."""
    if not can(actor, permission):
        raise PermissionDenied(
            f"Your account's role does not include this: {PERMISSIONS[permission].allows}."
        )


def is_practitioner(actor: Actor) -> bool:
    """True for a practitioner: what they see is their organisation's, from published editions."""
    return _role(actor) is PRACTITIONER


def organisation_scope(actor: Actor) -> int | None:
    """The one organisation ``actor`` may see, or None for every organisation.

    A practitioner is held to their organisation (one without an organisation sees
    nothing: :class:`PermissionDenied`); researchers and admins see all; a coder sees
    organisations only through the transcripts they code.
    """
    if can(actor, "see_all_organisations"):
        return None
    if is_practitioner(actor):
        if actor.organisation_id is None:
            raise PermissionDenied(
                "Your account is not linked to an organisation yet; "
                "ask the research team to link it."
            )
        return int(actor.organisation_id)
    raise PermissionDenied("Your account may not see organisations' reports.")


def require_organisation(actor: Actor, organisation_id: int | None) -> None:
    """Raise unless ``actor`` may see ``organisation_id`` (None: all organisations)."""
    scope = organisation_scope(actor)
    if scope is not None and organisation_id != scope:
        raise PermissionDenied("You can see your own organisation only.")


def sees_others_codings(actor: Actor) -> bool:
    """True when blind mode does not apply to ``actor`` (researchers, admins)."""
    return can(actor, "see_others_codings_when_blind")


def require_coding_change(actor: Actor, coder_id: int) -> None:
    """Raise unless ``actor`` may change a coding made by ``coder_id`` (own, or a researcher)."""
    require(actor, "code")
    if actor.id != coder_id and not can(actor, "change_others_codings"):
        raise PermissionDenied("You can change only your own codings.")


def permission_table() -> list[tuple[str, str, str]]:
    """(permission, roles, what it allows) rows, as ARCHITECTURE.md prints them."""
    return [
        (name, ", ".join(role.value for role in Role if role in entry.roles), entry.allows)
        for name, entry in PERMISSIONS.items()
    ]
