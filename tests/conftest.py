"""Shared fixtures: real databases (SQLite always, PostgreSQL when configured), the app.

Every storage test is parametrised over both backends. PostgreSQL runs when
STUDY_TEST_POSTGRES_URL is set; with STUDY_REQUIRE_POSTGRES=1 (set by .ci/run)
a missing PostgreSQL fails the run instead of skipping. Each test gets its own
fresh, migrated database: a copy of a SQLite template file, or a PostgreSQL
database created from a migrated template database.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from study.db import Database, migrate

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).parent
DATA = TESTS / "data"
#: REFI-QDA test files: the 1.0 schemas and peer programs' exports.
REFIQDA = DATA / "refiqda"
POSTGRES_URL = os.environ.get("STUDY_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("STUDY_REQUIRE_POSTGRES") == "1"
REQUIRE_BROWSER = os.environ.get("STUDY_REQUIRE_BROWSER") == "1"
CHROMIUM = os.environ.get("STUDY_CHROMIUM", "/usr/bin/chromium")


#: Markers whose tests make up the slow tier: ``./test.sh`` leaves them out, ``--all`` runs them.
SLOW_MARKERS = ("browser", "postgres", "server", "peer")
#: Fixtures that start the real app in its own process.
SERVER_FIXTURES = frozenset({"live_app", "live_demo_app"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow tier: browser, PostgreSQL, live-server and peer-program tests."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.server)
        if any(item.get_closest_marker(name) for name in SLOW_MARKERS):
            item.add_marker(pytest.mark.slow)


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_POSTGRES and not POSTGRES_URL:
        raise pytest.UsageError("STUDY_REQUIRE_POSTGRES=1 but STUDY_TEST_POSTGRES_URL is not set.")


def _admin_connection():
    import psycopg

    return psycopg.connect(POSTGRES_URL, autocommit=True)


def _postgres_url_for(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def create_postgres_database(template: str | None = None) -> str:
    """Create a uniquely named PostgreSQL database (optionally from a template); return its URL."""
    name = f"study_test_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return _postgres_url_for(name)


def drop_postgres_database(url: str) -> None:
    """Drop a test database, closing whatever still holds a connection to it."""
    name = make_url(url).database
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _need_postgres() -> None:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("PostgreSQL tests must run here, but STUDY_TEST_POSTGRES_URL is not set.")
        pytest.skip("STUDY_TEST_POSTGRES_URL is not set")


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that tests copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database(f"sqlite:///{path}")
    migrate(database)
    database.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template():
    """A migrated PostgreSQL database that tests clone; None without PostgreSQL."""
    if not POSTGRES_URL:
        yield None
        return
    url = create_postgres_database()
    database = Database(url)
    migrate(database)
    database.dispose()
    yield make_url(url).database
    drop_postgres_database(url)


@pytest.fixture(scope="session")
def sqlite_demo_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the demo study loaded once per test run."""
    from study.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    with database.transaction() as session:
        load_demo(session)
    with database.engine.connect() as conn:  # fold the WAL into the file before copying it
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_demo_template(postgres_template):
    """A PostgreSQL database with the demo study loaded once per test run."""
    if not POSTGRES_URL:
        yield None
        return
    from study.demo import load_demo

    url = create_postgres_database(template=postgres_template)
    database = Database(url)
    with database.transaction() as session:
        load_demo(session)
    database.dispose()
    yield make_url(url).database
    drop_postgres_database(url)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """'sqlite' or 'postgresql'."""
    if request.param == "postgresql":
        _need_postgres()
    return request.param


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path):
    """URL of an empty, unmigrated database on the current backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, sqlite_template: Path, postgres_template):
    """URL of a fresh database migrated to the newest schema, on the current backend."""
    if backend == "sqlite":
        path = tmp_path / "study.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = create_postgres_database(template=postgres_template)
    yield url
    drop_postgres_database(url)


@pytest.fixture
def database(database_url: str, monkeypatch: pytest.MonkeyPatch):
    """A fresh migrated :class:`Database`; STUDY_DATABASE_URL points at it too."""
    monkeypatch.setenv("STUDY_DATABASE_URL", database_url)
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def demo_database(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request):
    """A fresh copy of a database with the demo study loaded (cheap: cloned from a template)."""
    if backend == "sqlite":
        path = tmp_path / "demo.db"
        shutil.copy(request.getfixturevalue("sqlite_demo_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = create_postgres_database(template=request.getfixturevalue("postgres_demo_template"))
    monkeypatch.setenv("STUDY_DATABASE_URL", url)
    db = Database(url)
    yield db
    db.dispose()
    if backend != "sqlite":
        drop_postgres_database(url)


@pytest.fixture(scope="session")
def sqlite_coded_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory):
    """A SQLite file holding the generated coded study (tests/suggestion_study.py), built once."""
    from suggestion_study import coded_study

    folder = tmp_path_factory.mktemp("coded")
    path = folder / "coded.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    corpus = coded_study(database, folder)
    with database.engine.connect() as conn:  # fold the WAL into the file before copying it
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path, corpus


@pytest.fixture(scope="session")
def postgres_coded_template(postgres_template, tmp_path_factory: pytest.TempPathFactory):
    """The generated coded study in a PostgreSQL database, built once per test run."""
    if not POSTGRES_URL:
        yield None, None
        return
    from suggestion_study import coded_study

    url = create_postgres_database(template=postgres_template)
    database = Database(url)
    corpus = coded_study(database, tmp_path_factory.mktemp("coded-pg"))
    database.dispose()
    yield make_url(url).database, corpus
    drop_postgres_database(url)


@pytest.fixture
def coded(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request):
    """(Database, Corpus): a fresh copy of the generated coded study (12 interviews, two
    coders; see tests/suggestion_study.py); STUDY_DATABASE_URL points at it."""
    if backend == "sqlite":
        template, corpus = request.getfixturevalue("sqlite_coded_template")
        path = tmp_path / "coded.db"
        shutil.copy(template, path)
        url = f"sqlite:///{path}"
    else:
        template, corpus = request.getfixturevalue("postgres_coded_template")
        url = create_postgres_database(template=template)
    monkeypatch.setenv("STUDY_DATABASE_URL", url)
    db = Database(url)
    yield db, corpus
    db.dispose()
    if backend != "sqlite":
        drop_postgres_database(url)


@pytest.fixture
def second_database(empty_database_url):
    """An empty database on the same backend, migrated: the target of an import."""
    database = Database(empty_database_url)
    migrate(database)
    yield database
    database.dispose()


@pytest.fixture
def session(database: Database):
    """A session in a transaction that commits at the end of the test."""
    with database.transaction() as s:
        yield s


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(url: str, tmp_path: Path, *, port: int | None = None, env: dict | None = None):
    """Serve the real app with `study serve` on a free port against ``url``; yield its base URL.

    ``port`` serves on a given port (a restart on the same address); ``env`` adds
    environment variables.
    """
    import subprocess
    import sys
    import time
    import urllib.request

    port = port or _free_port()
    env = {
        **os.environ,
        "STUDY_DATABASE_URL": url,
        "STUDY_BASE_URL": f"http://127.0.0.1:{port}",
        **(env or {}),
    }
    log_path = tmp_path / f"app-{port}.log"
    log = log_path.open("a")
    # Its own process group: `study serve` starts Streamlit as a child, which must stop too.
    process = subprocess.Popen(
        [sys.executable, "-m", "study.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            import contextlib
            import signal

            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            pytest.fail(f"the app did not start:\n{log_path.read_text()}")
        time.sleep(0.3)
    yield base
    import contextlib
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    log.close()


@pytest.fixture
def live_app(database_url: str, tmp_path: Path):
    """The real app served by `study serve` on a free port against the test database."""
    yield from _serve(database_url, tmp_path)


@pytest.fixture
def live_coded_app(coded, tmp_path: Path):
    """The real app served against a fresh copy of the generated coded study (``coded``)."""
    yield from _serve(coded[0].url, tmp_path)


@pytest.fixture
def live_demo_app(demo_database: Database, tmp_path: Path):
    """The real app served against a fresh copy of the demo study (see ``demo_database``)."""
    yield from _serve(demo_database.url, tmp_path)


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright."""
    if not Path(CHROMIUM).exists():
        if REQUIRE_BROWSER:
            pytest.fail(f"Browser tests must run here, but {CHROMIUM} is missing.")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser page (desktop size)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def fresh_streamlit_caches():
    """Clear Streamlit's caches around every test that has loaded Streamlit (AppTest runs)."""

    def clear() -> None:
        if "streamlit" in sys.modules:
            import streamlit as st

            st.cache_resource.clear()
            st.cache_data.clear()

    clear()
    yield
    clear()


def open_app_page(account, script: str, *, timeout: int = 60):
    """Run the app in AppTest logged in as ``account`` and switch to ``study/ui/pages/<script>``."""
    from dataclasses import asdict

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.session_state["account"] = asdict(account)
    at.run()
    at.switch_page(f"study/ui/pages/{script}").run()
    return at


@pytest.fixture
def recorded_downloads(monkeypatch):
    """What every download button hands to Streamlit (static bytes, or a deferred callable)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    seen: list[tuple[str, object]] = []
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self, data, mimetype, coordinates, file_name=None, **kwargs):
        if kwargs.get("is_for_static_download"):
            seen.append((file_name or "", data))
        return add(self, data, mimetype, coordinates, file_name=file_name, **kwargs)

    def record_deferred(self, callable_, mimetype, coordinates, file_name=None, **kwargs):
        seen.append((file_name or "", callable_))
        return add_deferred(self, callable_, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return seen


def download_bytes(data: object) -> bytes:
    """The bytes of a recorded download (static data, a file-like or a deferred callable)."""
    if callable(data):
        data = data()
    if hasattr(data, "read"):
        data = data.read()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def import_platform(session, export: Path, organisation: str, platform: str, salt_file, **options):
    """Add ``organisation`` and import a platform export into it (``options``: keep_text, ...)."""
    from study.admin.organisations import add_organisation
    from study.admin.permissions import OPERATOR
    from study.platforms.store import import_platform_export

    add_organisation(session, organisation, actor=OPERATOR)
    return import_platform_export(
        session,
        export,
        organisation=organisation,
        platform=platform,
        salt_file=salt_file,
        actor=OPERATOR,
        **options,
    )


#: A password the account rules accept.
PASSWORD = "a long secret password"


def add_user(session, email: str, role: str, **options):
    """:func:`add_account` by the operator, with :data:`PASSWORD` unless ``password`` is given."""
    from study.admin.accounts import add_account
    from study.admin.permissions import OPERATOR

    options.setdefault("password", PASSWORD)
    return add_account(session, email, role=role, actor=OPERATOR, **options)


@functools.cache
def refiqda_schema(kind: str):
    """The REFI-QDA 1.0 XML schema ``"Project"`` or ``"Codebook"``, read once per run."""
    import xmlschema

    return xmlschema.XMLSchema(str(REFIQDA / f"{kind}.xsd"))


#: axe-core, installed by `npm ci` in tests/axe (./test.sh --all does it).
AXE = TESTS / "axe" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core's script, to inject into a page; missing: a failure in CI, else a skip."""
    if not AXE.exists():
        message = f"{AXE} is missing: run `npm ci` in tests/axe"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def demo_researcher(demo_database) -> str:
    """Rita, a researcher in the demo study (password "a long secret password"): her e-mail."""
    from study.admin.accounts import add_account
    from study.admin.permissions import OPERATOR

    with demo_database.transaction() as session:
        add_account(
            session,
            "rita@example.org",
            role="researcher",
            password="a long secret password",
            actor=OPERATOR,
        )
    return "rita@example.org"


def taguette_tags(csv_path: Path) -> list[dict]:
    """Taguette's own codebook import (``list_tags``) run on ``csv_path``: its tags.

    Taguette pins SQLAlchemy 1.4, so it lives in ``.venv-taguette`` (.ci/run makes it) or
    wherever STUDY_TAGUETTE_PYTHON points; without it the calling test is skipped.
    """
    import json
    import subprocess

    candidates = [os.environ.get("STUDY_TAGUETTE_PYTHON"), str(ROOT / ".venv-taguette/bin/python")]
    python = next((c for c in candidates if c and Path(c).exists()), None)
    if python is None:
        pytest.skip("Taguette is not installed: .ci/run puts it in .venv-taguette.")
    script = (
        "import json, sys\nfrom taguette.import_codebook import list_tags\n"
        "with open(sys.argv[1], 'rb') as f:\n    print(json.dumps(list_tags(f)))\n"
    )
    done = subprocess.run(
        [python, "-c", script, str(csv_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def at_once(*steps, timeout: float = 120) -> list[BaseException]:
    """Run each step in its own thread, released together; return what they raised.

    Two users doing one thing at the same moment: the tests of locks and upserts.
    """
    import threading

    start = threading.Barrier(len(steps))
    errors: list[BaseException] = []

    def run(step) -> None:
        start.wait()
        try:
            step()
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return errors
