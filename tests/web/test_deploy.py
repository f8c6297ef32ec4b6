"""The deployment recipe in deploy/: `study serve --workers 2` behind Debian's nginx.

Respondents answer the survey through nginx (round robin, no sticky sessions) while one
app process is killed; the supervisor restarts it, nginx retries on the other, and every
survey ends complete with all its answers.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from study.db.models import AnswerRow, ResponseRow

from conftest import ROOT, _free_port
from survey_forms import SURVEY, fill, forms, open_token, planned_answer

pytestmark = [pytest.mark.server, pytest.mark.peer]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
RESPONDENTS = 24


def _wait(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer")


def _nginx_config(tmp_path: Path, listen: int, ports: list[int]) -> Path:
    site = (ROOT / "deploy" / "nginx-ism-study.conf").read_text()
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    site = site.replace("127.0.0.1:8501", f"127.0.0.1:{ports[0]}")
    site = site.replace("127.0.0.1:8502", f"127.0.0.1:{ports[1]}")
    (tmp_path / "site.conf").write_text(site)
    temp = "".join(
        f"{kind}_temp_path {tmp_path / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
        f"events {{}}\nhttp {{\naccess_log off;\n{temp}include {tmp_path / 'site.conf'};\n}}\n"
    )
    return main


def _answer_survey(base: str, token: str, think: float) -> None:
    with httpx.Client(base_url=base, follow_redirects=True, timeout=60) as client:
        page = client.get(f"/survey?t={token}").text
        form = forms(page)[0]
        page = client.post(
            form.action.replace("&amp;", "&"), data={**form.values(), "action": "start"}
        ).text
        for index, survey_page in enumerate(SURVEY.pages):
            time.sleep(think)
            form = forms(page)[0]
            answers = {item.id: planned_answer(item) for item in SURVEY.page_items(survey_page)}
            reply = client.post(
                form.action.replace("&amp;", "&"), data={**fill(form, answers), "action": "next"}
            )
            assert reply.status_code == 200, (index, reply.status_code, reply.text[:300])
            page = reply.text
        assert "Thank you for taking part" in page


def test_two_processes_behind_nginx_finish_every_survey_while_one_is_killed(database, tmp_path):
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (apt-get install nginx)")
    first = _free_port()
    ports = [first, first + 1]
    env = {
        **os.environ,
        "STUDY_DATABASE_URL": database.url,
        "STUDY_BASE_URL": f"http://127.0.0.1:{first}",
    }
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(
        [sys.executable, "-m", "study.cli", "serve", "--workers", "2", "--port", str(first)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    listen = _free_port()
    nginx = None
    try:
        for port in ports:
            _wait(f"http://127.0.0.1:{port}/_stcore/health")
        nginx = subprocess.Popen(
            [
                NGINX,
                "-p",
                str(tmp_path),
                "-c",
                str(_nginx_config(tmp_path, listen, ports)),
                "-g",
                "daemon off;",
            ],
            stderr=subprocess.STDOUT,
            stdout=(tmp_path / "nginx.out").open("w"),
        )
        base = f"http://127.0.0.1:{listen}"
        _wait(f"{base}/_stcore/health", 20)
        token = open_token(database)
        failures: list[BaseException] = []

        def respondent() -> None:
            try:
                _answer_survey(base, token, think=0.3)
            except BaseException as exc:  # noqa: BLE001 - reported below
                failures.append(exc)

        threads = [threading.Thread(target=respondent) for _ in range(RESPONDENTS)]
        for thread in threads:
            thread.start()
            time.sleep(0.05)
        time.sleep(1.0)  # respondents are mid-survey: kill one app process outright
        children = Path(f"/proc/{serve.pid}/task/{serve.pid}/children").read_text().split()
        os.kill(int(children[0]), signal.SIGKILL)
        for thread in threads:
            thread.join(timeout=180)
        assert failures == []
        _wait(f"http://127.0.0.1:{ports[0]}/_stcore/health")  # the supervisor restarted it
        restarted = Path(f"/proc/{serve.pid}/task/{serve.pid}/children").read_text().split()
        assert children[0] not in restarted and len(restarted) == 2
        with database.transaction() as session:
            complete = session.scalar(
                select(func.count(ResponseRow.id)).where(ResponseRow.status == "complete")
            )
            answers = session.scalar(select(func.count(AnswerRow.id)))
        assert complete == RESPONDENTS
        assert answers == RESPONDENTS * len(SURVEY.all_items())
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
        os.killpg(serve.pid, signal.SIGTERM)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
        log.close()
