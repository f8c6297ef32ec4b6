"""axe-core finds no WCAG 2.0, 2.1 or 2.2 A/AA violation on any survey page, in either language.

axe-core is pinned in tests/axe/package-lock.json (``./test.sh --all`` runs ``npm ci``
there) and injected into the real pages served by `study serve`: the consent page,
every page of the survey (every item type: a Likert table on a desktop and radio
groups on a phone, choices, a number, text), a page with a validation error, the
resume form with an error, the thank-you page, the respondent's own answers and the
withdrawal page (also with an error) and a message page.
"""

from __future__ import annotations

import json

import pytest

from study.web.texts import text

from survey_forms import NEXT, START, SUBMIT, SURVEY, THANKS, open_token

pytestmark = pytest.mark.browser
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RESUME = {"en": "Continue", "da": "Fortsæt"}
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def violations(page, axe_source: str, where: str) -> list[str]:
    """axe-core's violations on the page as it is now, one line each."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    found = page.evaluate(
        """async (tags) => (await axe.run(document, {
        runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})).violations
        .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))""",
        TAGS,
    )
    return [f"{where}: {v['id']} ({v['impact']}) at {json.dumps(v['nodes'][:3])}" for v in found]


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("language", ["en", "da"])
def test_no_survey_page_violates_wcag_a_or_aa(
    database, live_app, browser, axe_source, language, size
):
    token = open_token(database)
    # The pages forbid every script (CSP); only the test's axe-core is let in.
    context = browser.new_context(
        viewport=SIZES[size], bypass_csp=True, is_mobile=size == "phone", has_touch=size == "phone"
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    found: list[str] = []
    page.goto(f"{live_app}/survey?t={token}&lang={language}")
    found += violations(page, axe_source, "consent")
    page.get_by_role("button", name=RESUME[language]).click()  # no code typed: an error
    page.locator(".error-summary").wait_for()
    found += violations(page, axe_source, "resume error")
    page.get_by_role("button", name=START[language]).click()
    page.locator("progress").wait_for()
    found += violations(page, axe_source, "page 1")
    page.locator("#minutes-input").fill("many")
    page.get_by_role("button", name=NEXT[language], exact=True).click()  # uf1 is required
    page.locator(".error-summary").wait_for()
    found += violations(page, axe_source, "page 1 with errors")
    page.locator('label[for="uf1-2"]').click()
    page.locator("#minutes-input").fill("30")
    for index in range(len(SURVEY.pages)):
        if index:
            found += violations(page, axe_source, f"page {index + 1}")
        last = index == len(SURVEY.pages) - 1
        page.get_by_role(
            "button", name=SUBMIT[language] if last else NEXT[language], exact=True
        ).click()
        page.wait_for_load_state()
    page.get_by_text(THANKS[language]).wait_for()
    found += violations(page, axe_source, "thank-you page")
    page.get_by_role("link", name=text(language, "see_answers")).click()
    page.locator("dl.mine").wait_for()
    found += violations(page, axe_source, "own answers")
    page.get_by_role("link", name=text(language, "withdraw_link")).click()
    found += violations(page, axe_source, "withdrawal page")
    page.locator("#code-input").fill("WRONG")
    page.get_by_role("button", name=text(language, "withdraw_button")).click()
    page.locator(".error-summary").wait_for()
    found += violations(page, axe_source, "withdrawal with an error")
    page.goto(f"{live_app}/survey?t={'x' * 32}&lang={language}")
    found += violations(page, axe_source, "bad link message")
    # The check can fail: the same page without its language and with grey-on-white text.
    page.evaluate("""() => { document.documentElement.removeAttribute('lang');
        document.querySelector('main p').style.color = '#bbb'; }""")
    broken = violations(page, axe_source, "broken on purpose")
    context.close()
    assert found == []
    assert {line.split(": ")[1].split(" ")[0] for line in broken} == {
        "html-has-lang",
        "color-contrast",
    }
