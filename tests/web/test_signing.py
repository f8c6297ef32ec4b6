"""Signed form fields: what a POST must carry before the survey acts on it."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from study.web import signing

KEY = signing.derive_key("a" * 64)


def test_a_signed_form_round_trips_with_its_page_and_answer_hashes():
    value = signing.sign_form(
        KEY, "page", 17, page=3, shown={"uf1": 4, "uses": ["news"], "x": None}
    )
    state = signing.check_form(KEY, value, "page")
    assert (state.kind, state.bound, state.page) == ("page", "17", 3)
    assert state.shown == {
        "uf1": signing.answer_digest(4),
        "uses": signing.answer_digest(["news"]),
        "x": signing.answer_digest(None),
    }


@pytest.mark.parametrize(
    "change",
    [
        lambda v: v.replace("page|17|", "page|18|"),  # another response
        lambda v: v.replace("|3|", "|4|", 1),  # another page
        lambda v: v[:-1] + ("0" if v[-1] != "0" else "1"),  # another signature
        lambda v: "",
        lambda v: "page|17|3|1|",
    ],
)
def test_an_altered_form_is_refused(change):
    value = signing.sign_form(KEY, "page", 17, page=3, shown={"uf1": 4})
    with pytest.raises(signing.BadForm) as refused:
        signing.check_form(KEY, change(value), "page")
    assert not refused.value.expired


def test_a_form_for_something_else_or_from_another_key_is_refused():
    value = signing.sign_form(KEY, "start", signing.token_binding("t" * 32))
    with pytest.raises(signing.BadForm):
        signing.check_form(KEY, value, "page")
    with pytest.raises(signing.BadForm):
        signing.check_form(signing.derive_key("b" * 64), value, "start")


def test_an_old_form_is_refused_as_expired():
    value = signing.sign_form(KEY, "page", 1, now=1_000_000)
    assert signing.check_form(KEY, value, "page", now=1_000_000 + signing.FORM_SECONDS).page == 0
    with pytest.raises(signing.BadForm) as refused:
        signing.check_form(KEY, value, "page", now=1_000_000 + signing.FORM_SECONDS + 1)
    assert refused.value.expired


def test_the_key_is_derived_with_a_purpose_label_not_the_secret_itself():
    secret = "c" * 64
    assert signing.derive_key(secret) not in (secret.encode(), bytes.fromhex(secret))
    assert (
        signing.derive_key(secret)
        == hmac.new(secret.encode(), b"ism-study/survey-form/v1", hashlib.sha256).digest()
    )


def test_no_answer_hashes_the_same_however_it_is_empty():
    assert signing.answer_digest(None) == signing.answer_digest("") == signing.answer_digest([])
    assert signing.answer_digest(4) != signing.answer_digest(5)
