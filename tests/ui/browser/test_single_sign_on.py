"""Single sign-on end to end: st.login against a real OpenID Connect provider.

The provider is panva's ``oidc-provider`` (npm; tests/oidc, installed by ./test.sh)
on Node.js, started by the test on 127.0.0.1. The app reads its ``[auth]`` section
from a secrets file named by STREAMLIT_SECRETS_FILES. Signing in maps the provider's
e-mail to an existing account and never creates one.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request

import pytest
from sqlalchemy import func, select

from study.admin.accounts import add_account
from study.admin.permissions import OPERATOR
from study.db.models import AccountRow, LoginSessionRow

from conftest import REQUIRE_BROWSER, TESTS, _free_port, _serve

pytestmark = pytest.mark.browser
OIDC = TESTS / "oidc"
OVERVIEW = "Demo: internal social media in ten organisations"


def _node() -> str:
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        if REQUIRE_BROWSER:
            pytest.fail("Node.js and npm must be installed here for the single-sign-on test.")
        pytest.skip("Node.js is not installed (apt-get install nodejs npm): no OIDC provider")
    if not (OIDC / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=OIDC,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return node


@pytest.fixture
def identity_provider(tmp_path):
    """A running oidc-provider; yields (issuer, client_id, client_secret, app_port)."""
    node = _node()
    port, app_port = _free_port(), _free_port()
    client = ("ism-study", "a-test-client-secret-0123456789")
    log = (tmp_path / "oidc.log").open("w")
    process = subprocess.Popen(
        [node, "provider.mjs", str(port), *client, f"http://127.0.0.1:{app_port}/oauth2callback"],
        cwd=OIDC,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"oidc-provider did not start:\n{(tmp_path / 'oidc.log').read_text()}")
            time.sleep(0.2)
    yield issuer, *client, app_port
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture
def sso_app(identity_provider, demo_database, tmp_path):
    issuer, client_id, client_secret, app_port = identity_provider
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'''[auth]
redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"
cookie_secret = "a-test-cookie-secret-for-st-login-0123456789"
client_id = "{client_id}"
client_secret = "{client_secret}"
server_metadata_url = "{issuer}/.well-known/openid-configuration"
client_kwargs = {{ prompt = "login" }}
''')
    yield from _serve(
        demo_database.url,
        tmp_path,
        port=app_port,
        env={"STREAMLIT_SECRETS_FILES": str(secrets), "STUDY_SSO_NAME": "Example University"},
    )


def sign_in_at_provider(page, app: str, email: str) -> None:
    page.goto(app)
    page.get_by_role("button", name="Sign in with Example University").click()
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill("whatever the provider wants")
    page.locator("button[type=submit]").click()
    consent = page.locator("button[type=submit]", has_text="Continue")
    try:
        consent.wait_for(timeout=5_000)
        consent.click()
    except Exception:  # no consent screen: straight back to the app
        pass


def test_single_sign_on_logs_an_invited_person_in_and_never_creates_accounts(
    sso_app, demo_database, page
):
    with demo_database.transaction() as session:
        add_account(session, "rita@example.org", role="researcher", password=None, actor=OPERATOR)
        accounts = session.scalar(select(func.count(AccountRow.id)))

    sign_in_at_provider(page, sso_app, "stranger@example.org")
    page.get_by_text("There is no ISM Study account for stranger@example.org").wait_for()
    assert page.get_by_role("heading", name=OVERVIEW).count() == 0
    with demo_database.transaction() as session:
        assert session.scalar(select(func.count(AccountRow.id))) == accounts

    page.context.clear_cookies()
    sign_in_at_provider(page, sso_app, "rita@example.org")
    page.get_by_role("heading", name=OVERVIEW).wait_for()
    names = {c["name"] for c in page.context.cookies()}
    assert "study_session" in names
    assert not {n for n in names if n.startswith("_streamlit_user")}  # identity cookie spent
    with demo_database.transaction() as session:
        assert (
            session.scalar(select(LoginSessionRow.method).where(LoginSessionRow.ended_at.is_(None)))
            == "sso"
        )
    page.reload()
    page.get_by_role("heading", name=OVERVIEW).wait_for()

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="Sign in with Example University").wait_for()
    assert page.get_by_role("heading", name=OVERVIEW).count() == 0
