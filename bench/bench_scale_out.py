"""Scale-out: 2 app processes behind nginx (round robin, no sticky sessions) on PostgreSQL.

N respondents (default 1,000) answer the survey through Debian's nginx configured by
``deploy/nginx-ism-study.conf`` in front of ``study serve --workers 2``; a few seconds
in, one app process is killed outright (SIGKILL) and the supervisor restarts it. Every
respondent must finish: lost (thanked but not stored complete with 45 answers) and
failed must be 0. The comparison, in the same run, is one process behind the same
nginx. ``speedup`` = completed/s with 2 processes / with 1 (on 2 cores, one process
plus PostgreSQL nearly fills the machine, so expect little more than 1).

    .venv/bin/python bench/bench_scale_out.py --postgres postgresql://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from bench_respondents import _campaign, _crowd, _database, _free_port, _lost  # noqa: E402

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _nginx(workdir: Path, listen: int, ports: list[int]) -> subprocess.Popen:
    site = (ROOT / "deploy" / "nginx-ism-study.conf").read_text()
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=3s;\n" for p in ports)
    sticky = "".join(f"    server 127.0.0.1:{p};\n" for p in ports)
    site = site.replace(
        "    server 127.0.0.1:8501 max_fails=1 fail_timeout=3s;\n"
        "    server 127.0.0.1:8502 max_fails=1 fail_timeout=3s;\n",
        servers,
    )
    site = site.replace("    server 127.0.0.1:8501;\n    server 127.0.0.1:8502;\n", sticky)
    folder = workdir / f"nginx-{len(ports)}"
    folder.mkdir()
    (folder / "site.conf").write_text(site)
    temp = "".join(
        f"{kind}_temp_path {folder / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\nworker_processes 1;\n"
        f"events {{ worker_connections 4096; }}\nhttp {{\naccess_log off;\n{temp}"
        f"include {folder / 'site.conf'};\n}}\n"
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"]
    )
    time.sleep(0.5)
    return process


def _run(url: str, workdir: Path, workers: int, n: int, think, kill_after: float | None) -> dict:
    first = _free_port()
    while any(_port_busy(first + i) for i in range(workers)):
        first = _free_port()
    ports = [first + i for i in range(workers)]
    env = {**os.environ, "STUDY_DATABASE_URL": url, "STUDY_BASE_URL": f"http://127.0.0.1:{first}"}
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "study.cli",
            "serve",
            "--workers",
            str(workers),
            "--port",
            str(first),
        ],
        cwd=ROOT,
        env=env,
        stdout=(workdir / f"serve-{workers}.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    listen = _free_port()
    nginx = None
    killed = []
    try:
        for port in ports:
            _wait_healthy(port)
        nginx = _nginx(workdir, listen, ports)
        token = _campaign(url)
        if kill_after is not None:

            def kill() -> None:
                time.sleep(kill_after)
                children = Path(f"/proc/{serve.pid}/task/{serve.pid}/children").read_text()
                victim = int(children.split()[0])
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

            threading.Thread(target=kill, daemon=True).start()
        result = asyncio.run(_crowd(listen, f"/survey?t={token}", n, think, f"{workers}"))
        whole, lost = _lost(url, token, result["markers"])
        result.update(whole=whole, lost=lost, killed=killed)
        return result
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(timeout=60)


def _wait_healthy(port: int) -> None:
    import urllib.request

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the app on port {port} did not start")


def _port_busy(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="URL of an empty PostgreSQL database")
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument(
        "--kill-after",
        type=float,
        default=8.0,
        help="seconds into the 2-process run when one process is killed",
    )
    args = parser.parse_args()
    think = (0.2, 0.6)
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-out-"))
    url = _database(args.postgres, workdir)
    print(f"backend=postgresql n={args.n} think={think[0]}-{think[1]} s, nginx round robin")
    print("| processes | p50 | p95 | completed/s | completed | lost | failed | killed |")
    print("|---|---|---|---|---|---|---|---|")
    rates = {}
    for workers, kill in ((1, None), (2, args.kill_after)):
        r = _run(url, workdir, workers, args.n, think, kill)
        rates[workers] = r["rate"]
        print(
            f"| {workers} | {r['p50'] * 1000:.0f} ms | {r['p95'] * 1000:.0f} ms | "
            f"{r['rate']:.1f} | {r['done']} / {args.n} | {r['lost']} | {len(r['failed'])} | "
            f"{'one, restarted' if r['killed'] else '-'} |",
            flush=True,
        )
        for error in r["failed"][:3]:
            print(f"  failed: {error!r}")
    print(f"speedup={rates[2] / rates[1]:.2f}")


if __name__ == "__main__":
    main()
