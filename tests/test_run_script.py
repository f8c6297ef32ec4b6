"""`./run.sh` on an empty database: migrates, loads the demo, prints the admin login, serves."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest
from typer.testing import CliRunner

from study.cli import app

from conftest import ROOT, _free_port


@pytest.mark.server
def test_run_sh_sets_up_an_empty_database_and_serves_the_app(empty_database_url):
    port = _free_port()
    env = {**os.environ, "STUDY_DATABASE_URL": empty_database_url}
    process = subprocess.Popen(
        [str(ROOT / "run.sh"), "--server.port", str(port), "--server.headless", "true"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_stcore/health", timeout=2
                ) as reply:
                    assert reply.read() == b"ok"
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the app did not answer in time"
                time.sleep(0.5)
        result = CliRunner().invoke(
            app, ["org", "list", "--format", "json"], env={"STUDY_DATABASE_URL": empty_database_url}
        )
        assert result.exit_code == 0, result.output
        assert len(json.loads(result.output)) == 10
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    assert "Admin login: admin@study.local / " in output
    assert "Loaded the demo study with 10 organisations, " in output
