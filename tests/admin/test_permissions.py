"""Who may see what, decided once (study.admin.permissions) and enforced by the library (issue 20)."""

from __future__ import annotations

import inspect
import re

import pytest

import study
from study.admin.organisations import add_organisation
from study.admin.overview import study_overview
from study.admin.permissions import (
    OPERATOR,
    PERMISSIONS,
    ROLES,
    can,
    organisation_scope,
    permission_table,
    require_coding_change,
)
from study.db.models import ROLES as STORED_ROLES
from study.errors import PermissionDenied

from conftest import ROOT, add_user

#: Public functions that take a session or database but no acting account, and why.
#: The survey and login functions are reached by people who have no account yet: the token,
#: link or password is what they hold.
NO_ACTOR = {
    "migrate": "storage set-up, before any account exists",
    "log_in": "the password is the credential; there is no account yet",
    "log_in_with_identity": "the identity provider vouches for the person",
    "change_own_password": "the account changes itself, checked by its current password",
    "use_password_link": "the set-password link is the credential",
    "begin_session": "called with the account log_in just returned",
    "resolve_session": "the session id is the credential",
    "log_out": "the session id is the credential",
    "open_link": "respondent: the survey token is the credential",
    "start_response": "respondent: the survey token is the credential",
    "resume_with_code": "respondent: the survey token and resume code are the credential",
    "save_page": "respondent: the response the token opened",
    "submit_response": "respondent: the response the token opened",
    "opt_out": "respondent: the personal token is the credential",
    "withdraw_response": "respondent: their code is the credential (a researcher passes actor=)",
    "own_answers": "respondent: their code is the credential (subject access)",
    "load_demo": "set-up of a demo database by its operator",
    "record_event": "the audit log itself: every change records who acted",
}
#: Data functions still to be given an actor: none left. A function added without one fails
#: the test below unless it is listed here (or in NO_ACTOR, with its reason).
PENDING_ACTOR: set[str] = set()


def _data_functions() -> dict[str, inspect.Signature]:
    found = {}
    for name in study.__all__:
        obj = getattr(study, name)
        if inspect.isfunction(obj):
            signature = inspect.signature(obj)
            first = next(iter(signature.parameters), None)
            if first in ("session", "database"):
                found[name] = signature
    return found


def _takes_an_actor(signature: inspect.Signature) -> bool:
    return any(
        name in signature.parameters
        and signature.parameters[name].default is inspect.Parameter.empty
        for name in ("viewer", "actor")
    )


def test_every_public_data_function_requires_who_is_acting():
    functions = _data_functions()
    without = {name for name, signature in functions.items() if not _takes_an_actor(signature)}
    unexplained = without - set(NO_ACTOR) - PENDING_ACTOR
    assert not unexplained, f"public data functions without a required viewer/actor: {unexplained}"
    converted = PENDING_ACTOR - without
    assert not converted, f"take these off PENDING_ACTOR, they now require an actor: {converted}"
    assert set(NO_ACTOR) | PENDING_ACTOR <= set(functions)


def test_the_roles_are_the_stored_roles_and_every_role_can_do_something():
    assert ROLES == STORED_ROLES
    for role in ROLES:
        assert any(role in {r.value for r in p.roles} for p in PERMISSIONS.values()), role


def test_architecture_prints_the_permission_table_as_the_module_holds_it():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    printed = re.findall(r"^\| `(\w+)` \| ([^|]+) \| ([^|]+) \|$", text, re.M)
    assert [
        (name, roles.strip(), allows.strip()) for name, roles, allows in printed
    ] == permission_table()


@pytest.mark.parametrize(
    "role, permission, allowed",
    [
        ("coder", "code", True),
        ("coder", "change_others_codings", False),
        ("coder", "see_others_codings_when_blind", False),
        ("practitioner", "code", False),
        ("practitioner", "download_benchmark", True),
        ("practitioner", "analyse", False),
        ("researcher", "manage_accounts", False),
        ("admin", "manage_accounts", True),
    ],
)
def test_can_reads_the_table(role, permission, allowed):
    class Someone:
        id, organisation_id = 7, 1

    Someone.role = role
    assert can(Someone(), permission) is allowed
    assert can(None, permission) is False


def test_a_coder_changes_only_their_own_codings_and_the_operator_anyones():
    class Coder:
        id, role, organisation_id = 7, "coder", None

    require_coding_change(Coder(), 7)
    with pytest.raises(PermissionDenied):
        require_coding_change(Coder(), 8)
    require_coding_change(OPERATOR, 8)


def test_a_practitioner_sees_only_their_organisation_in_the_overview(database):
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
        add_organisation(session, "Riverbend Logistics", actor=OPERATOR)
        nina = add_user(
            session, "nina@example.org", "practitioner", password=None, organisation="Nordlys Bank"
        )
        assert list(study_overview(session, viewer=nina).organisations["organisation"]) == [
            "Nordlys Bank"
        ]
        assert len(study_overview(session, viewer=OPERATOR).organisations) == 2
        assert organisation_scope(nina) == nina.organisation_id


def test_a_practitioner_without_an_organisation_sees_nothing():
    class Unlinked:
        id, role, organisation_id = 9, "practitioner", None

    with pytest.raises(PermissionDenied, match="not linked"):
        organisation_scope(Unlinked())


def test_a_coder_on_a_blind_scheme_counts_only_their_own_codings_in_the_overview(demo_database):
    """Issue 20, finding 1, on the Overview page's numbers."""
    from study.interviews.coding import list_codings, set_blind

    from coding_study import coder_with_one_coding

    with demo_database.transaction() as session:
        carl = coder_with_one_coding(session)
        everyone = study_overview(session, viewer=OPERATOR).totals["codings"]
        assert study_overview(session, viewer=carl).totals["codings"] == everyone  # not blind
        on_the_scheme = len(
            list_codings(session, scheme="ism-adoption-challenges", viewer=OPERATOR)
        )
        set_blind(session, "ism-adoption-challenges", True, actor=OPERATOR)
        # the other schemes' codings still count; of the blind one, only Carl's one
        assert (
            study_overview(session, viewer=carl).totals["codings"] == everyone - on_the_scheme + 1
        )
        assert study_overview(session, viewer=OPERATOR).totals["codings"] == everyone
