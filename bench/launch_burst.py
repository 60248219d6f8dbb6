"""Launch burst: a class launching at once, over real HTTP, side by side with a reference tool and an empty app.

One command (needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379, as CI has them):

    .venv/bin/python bench/launch_burst.py [--levels 1,50,300] [--rounds 1]

Servers, all under gunicorn with the same settings (gthread, SS_WEB_WORKERS x SS_WEB_THREADS, backlog):
- ``tool``: Stepping Stones exactly as shipped, ``gunicorn -c config/gunicorn.conf.py``, SS_ENV=production
  (PostgreSQL + Redis, a TLS proxy simulated by X-Forwarded-Proto/Host from loopback);
- ``reference`` / ``reference+keycache``: a tool written the pylti1p3 Flask-example way (bench/reference/pylti_app.py),
  without and with pylti1p3's public key caching;
- ``minimal``: only the work no LTI 1.3 launch can skip (bench/reference/minimal_app.py: signed state, RS256
  verify, nonce, one Redis SET NX, signed token) with no checks, headers, logs or limits: the floor of the work;
- ``empty``: an empty Flask app (bench/reference/empty_app.py), the floor of the framework.

The load generator plays the platform: for each flow it GETs /lti/login, reads state and nonce from the
redirect, signs an RS256 id_token with that nonce and POSTs it with the state and the login's cookies to
/lti/launch, following one redirect. A flow counts only when every step answered as a browser expects.
It is an asyncio client on raw sockets (cheap per request); its own CPU is measured so it is not the
bottleneck. Server CPU per flow is the gunicorn master's and workers' utime+stime from /proc, divided by
the flows (PostgreSQL's and Redis's own CPU is not included). Levels run interleaved server by server.

Prints a table and writes bench/results/launch_burst.json.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import os
import platform
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
ISSUER, CLIENT_ID, DEPLOYMENT = "https://platform.bench.example", "bench-client", "bench-deployment"
PUBLIC_HOST = "tool.bench.example"  # the tool's public https address; the simulated proxy sends it
PG_BASE = os.environ.get("SS_TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_BASE = "redis://127.0.0.1:6379"
RESULTS = ROOT / "bench" / "results"
# A flow ends with the launch's answer (the tool's 303 to its page, the reference's JSON, the empty app's
# page); --follow also loads the page the tool redirects to.
FOLLOW_LANDING = False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the load generator ------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name), None)

    def cookies(self) -> dict[str, str]:
        jar = {}
        for key, value in self.headers:
            if key.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                name, _, val = pair.partition("=")
                jar[name.strip()] = val.strip()
        return jar


async def http(port: int, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> Response:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        lines = [f"{method} {target} HTTP/1.1", "Connection: close", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        raw = await reader.read(-1)
    finally:
        writer.close()
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split(" ")[1])
    parsed = [tuple(x.strip() for x in line.split(":", 1)) for line in head[1:] if ":" in line]
    return Response(status, parsed)  # type: ignore[arg-type]


@dataclass
class Target:
    name: str
    port: int
    host: str  # Host header (the public name behind the simulated proxy)
    launch_url: str  # target_link_uri / redirect_uri as the platform knows it
    pid: int = 0


class Platform:
    """The LMS side: one RSA key, its JWKS served over loopback by a separate process."""

    def __init__(self, workdir: Path) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key())) | {"kid": self.kid, "alg": "RS256"}
        (workdir / "jwks.json").write_text(json.dumps({"keys": [jwk]}))
        self.port = free_port()
        self.server = subprocess.Popen(
            [PYTHON, "-m", "http.server", str(self.port), "--bind", "127.0.0.1", "--directory", str(workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.jwks_url = f"http://127.0.0.1:{self.port}/jwks.json"
        self.auth_url = f"http://127.0.0.1:{self.port}/auth"

    def id_token(self, nonce: str, n: int, launch_url: str) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER, "aud": CLIENT_ID, "sub": f"student-{n}", "iat": now, "exp": now + 300, "nonce": nonce,
            "name": f"Student {n}", "given_name": "Student", "family_name": str(n),
            LTI + "deployment_id": DEPLOYMENT, LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0", LTI + "target_link_uri": launch_url,
            LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            LTI + "resource_link": {"id": "rl-1"}, LTI + "context": {"id": "course-101", "title": "Year 8"},
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def stop(self) -> None:
        self.server.terminate()
        self.server.wait(10)


async def one_flow(target: Target, platform_: Platform, n: int) -> float | str:
    """One complete login + launch; seconds, or a short error description."""
    base = {"Host": target.host, "X-Forwarded-Proto": "https", "X-Forwarded-For": f"10.0.{n // 250}.{n % 250 + 1}"}
    started = time.perf_counter()
    try:
        query = urlencode({"iss": ISSUER, "client_id": CLIENT_ID, "login_hint": f"student-{n}",
                           "target_link_uri": target.launch_url, "lti_deployment_id": DEPLOYMENT})
        login = await http(target.port, "GET", f"/lti/login?{query}", base)
        if login.status not in (302, 303) or not login.header("location"):
            return f"login {login.status}"
        auth = {k: v[0] for k, v in parse_qs(urlsplit(login.header("location") or "").query).items()}
        token = platform_.id_token(auth["nonce"], n, target.launch_url)
        cookies = login.cookies()
        body = urlencode({"id_token": token, "state": auth["state"]}).encode()
        headers = base | {"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://" + ISSUER[8:]}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        launched = await http(target.port, "POST", urlsplit(auth["redirect_uri"]).path, headers, body)
        if launched.status in (302, 303) and FOLLOW_LANDING:
            landing = urlsplit(launched.header("location") or "")
            follow = base | ({"Cookie": headers["Cookie"]} if cookies else {})
            page = await http(target.port, "GET", landing.path + ("?" + landing.query if landing.query else ""), follow)
            if page.status != 200:
                return f"landing {page.status}"
        elif launched.status not in (200, 302, 303):
            return f"launch {launched.status}"
    except (TimeoutError, OSError, KeyError, IndexError, ValueError) as exc:
        return type(exc).__name__
    return time.perf_counter() - started


def server_cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its children (gunicorn master and workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        pids += [int(c) for c in children]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


@dataclass
class Row:
    server: str
    concurrency: int
    flows: int
    errors: int
    seconds: float
    throughput: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    server_cpu_ms_per_flow: float
    client_cpu_ms_per_flow: float
    error_kinds: dict[str, int]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


async def burst(target: Target, platform_: Platform, concurrency: int, flows: int, start: int) -> Row:
    cpu_before = server_cpu_seconds(target.pid)
    client_before = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    queue = iter(range(start, start + flows))
    results: list[float | str] = []

    async def worker() -> None:
        for n in queue:
            results.append(await asyncio.wait_for(one_flow(target, platform_, n), timeout=120))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    client_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = server_cpu_seconds(target.pid) - cpu_before
    client_cpu = (client_after.ru_utime + client_after.ru_stime) - (client_before.ru_utime + client_before.ru_stime)
    times = [r for r in results if isinstance(r, float)]
    errors: dict[str, int] = {}
    for r in results:
        if isinstance(r, str):
            errors[r] = errors.get(r, 0) + 1
    return Row(
        target.name, concurrency, flows, flows - len(times), elapsed, len(times) / elapsed,
        pct(times, 0.5), pct(times, 0.95), pct(times, 0.99),
        cpu * 1000 / flows, client_cpu * 1000 / flows, errors,
    )


# -- the servers -------------------------------------------------------------------------------


def gunicorn_settings() -> dict[str, str]:
    from config.settings import Settings

    defaults = Settings(env="test", instance_dir=Path(tempfile.gettempdir()))
    workers = defaults.web_workers or 2 * (os.cpu_count() or 1)
    return {"workers": str(workers), "threads": str(defaults.web_threads), "backlog": str(defaults.web_backlog)}


def wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not listen:\n{log.read_text()[-3000:]}")


def fresh_database() -> str:
    from sqlalchemy import create_engine, text

    name = f"ss_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    atexit.register(_drop_database, name)  # benches run again and again: never leave databases behind
    return PG_BASE.rsplit("/", 1)[0] + "/" + name


def _drop_database(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except Exception as exc:  # cleaning up must never hide the bench's own result
        print(f"could not drop {name}: {exc}", file=sys.stderr)
    finally:
        admin.dispose()


def start_tool(workdir: Path, platform_: Platform) -> tuple[Target, subprocess.Popen[bytes]]:
    port = free_port()
    # The server settings (SS_WEB_WORKERS, SS_WEB_THREADS, ...) pass through, as gunicorn_settings() gives them
    # to the other servers; nothing else of the caller's SS_ configuration does.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SS_") or k.startswith("SS_WEB_")}
    env.update(
        SS_ENV="production",
        SS_INSTANCE_DIR=str(workdir / "tool-instance"),
        SS_BASE_URL=f"https://{PUBLIC_HOST}",
        SS_SECRET_KEY=secrets.token_urlsafe(48),
        SS_KEY_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        SS_DATABASE_URL=fresh_database(),
        SS_BROKER_URL=f"{REDIS_BASE}/10",
        SS_CACHE_URL=f"{REDIS_BASE}/11",
        SS_DEVLMS_ENABLED="0",
        SS_TRUSTED_PROXY_HOPS="1",
        SS_WEB_BIND=f"127.0.0.1:{port}",
        SS_DEPLOYMENTS_START_ACTIVE="1",
    )
    subprocess.run([str(ROOT / "docker" / "entrypoint.sh"), "migrate"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    register = (
        "from tool import create_app\n"
        "from tool.lti.runtime import get_runtime\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    get_runtime(app).registry.save_registration(issuer={ISSUER!r}, client_id={CLIENT_ID!r},"
        f" auth_login_url={platform_.auth_url!r}, auth_token_url={platform_.auth_url!r},"
        f" jwks_url={platform_.jwks_url!r}, deployment_ids=({DEPLOYMENT!r},), deployments_active=True)\n"
        "    get_runtime(app).tool_keys.signing_key()\n"
    )
    subprocess.run([PYTHON, "-c", register], env=env, cwd=ROOT, check=True)
    log = workdir / "tool.log"
    with open(log, "ab") as out:
        process = subprocess.Popen([PYTHON, "-m", "gunicorn", "--config", str(ROOT / "config" / "gunicorn.conf.py")],
                                   env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    wait_listening(port, process, log)
    return Target("tool", port, PUBLIC_HOST, f"https://{PUBLIC_HOST}/lti/launch", process.pid), process


def start_reference(workdir: Path, platform_: Platform, name: str, module: str, **env_extra: str
                    ) -> tuple[Target, subprocess.Popen[bytes]]:
    port = free_port()
    launch_url = f"http://127.0.0.1:{port}/lti/launch"
    private = workdir / "ref-private.key"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    config = workdir / f"{name}.json"
    config.write_text(json.dumps({ISSUER: [{
        "default": True, "client_id": CLIENT_ID, "auth_login_url": platform_.auth_url,
        "auth_token_url": platform_.auth_url, "key_set_url": platform_.jwks_url, "key_set": None,
        "private_key_file": str(private), "deployment_ids": [DEPLOYMENT],
    }]}))
    env = dict(os.environ, REF_CONFIG=str(config), REF_REDIS_URL=f"{REDIS_BASE}/9", **env_extra)
    g = gunicorn_settings()
    log = workdir / f"{name}.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "--worker-class", "gthread", "--workers", g["workers"], "--threads",
             g["threads"], "--backlog", g["backlog"], "--bind", f"127.0.0.1:{port}", module],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )
    wait_listening(port, process, log)
    return Target(name, port, f"127.0.0.1:{port}", launch_url, process.pid), process


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "python": platform.python_version(),
            "kernel": platform.release(), "load_before": os.getloadavg(), "gunicorn": gunicorn_settings()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,50,300", help="concurrent flows per burst")
    parser.add_argument("--flows", type=int, default=0, help="flows per burst (default: max(level, 100) x 2)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the interleaved levels")
    parser.add_argument("--out", default=str(RESULTS / "launch_burst.json"))
    parser.add_argument("--follow", action="store_true", help="also load the page a launch redirects to")
    parser.add_argument("--servers", default="tool,reference,reference+keycache,minimal,empty",
                        help="which servers to run (comma-separated; the ratios need tool, empty, reference+keycache)")
    args = parser.parse_args()
    global FOLLOW_LANDING
    FOLLOW_LANDING = args.follow
    levels = [int(x) for x in args.levels.split(",")]

    workdir = Path(tempfile.mkdtemp(prefix="launch-burst-"))
    import redis

    for db in (9, 10, 11):
        redis.Redis.from_url(f"{REDIS_BASE}/{db}").flushdb()
    platform_ = Platform(workdir)
    processes: list[subprocess.Popen[bytes]] = []
    rows: list[Row] = []
    try:
        targets = []
        starters = {
            "tool": lambda: start_tool(workdir, platform_),
            "reference": lambda: start_reference(workdir, platform_, "reference", "bench.reference.pylti_app:app"),
            "reference+keycache": lambda: start_reference(
                workdir, platform_, "reference+keycache", "bench.reference.pylti_app:app", REF_KEY_CACHING="1"),
            "empty": lambda: start_reference(workdir, platform_, "empty", "bench.reference.empty_app:app"),
            "minimal": lambda: start_reference(
                workdir, platform_, "minimal", "bench.reference.minimal_app:app",
                REF_JWKS_URL=platform_.jwks_url, REF_AUTH_URL=platform_.auth_url),
        }
        for name in args.servers.split(","):
            target, process = starters[name.strip()]()
            targets.append(target)
            processes.append(process)
        counter = 0
        for target in targets:  # warm-up: every worker process imports, connects, fetches keys
            row = asyncio.run(burst(target, platform_, 16, 64, counter))
            counter += 64
            if row.errors:
                log = (workdir / f"{target.name}.log").read_text()[-3000:]
                raise SystemExit(f"warm-up of {target.name} failed: {row.error_kinds}\n{log}")
        for _ in range(args.rounds):
            for level in levels:
                flows = args.flows or max(level, 100) * 2
                for target in targets:
                    row = asyncio.run(burst(target, platform_, level, flows, counter))
                    counter += flows
                    rows.append(row)
                    print(f"  {row.server:>20} x{level:<4} {row.throughput:8.1f} flows/s  p95 {row.p95_ms:8.1f} ms"
                          f"  errors {row.errors}", flush=True)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        platform_.stop()

    report(rows, levels, Path(args.out))


def report(rows: list[Row], levels: list[int], out: Path) -> None:
    header = (f"{'server':>20} {'conc':>5} {'flows':>6} {'err':>4} {'flows/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
              f" {'p99 ms':>8} {'srv CPU ms/flow':>16} {'client CPU ms/flow':>19}")
    print("\n" + header + "\n" + "-" * len(header))
    for r in rows:
        print(f"{r.server:>20} {r.concurrency:>5} {r.flows:>6} {r.errors:>4} {r.throughput:>8.1f} {r.p50_ms:>8.1f}"
              f" {r.p95_ms:>8.1f} {r.p99_ms:>8.1f} {r.server_cpu_ms_per_flow:>16.2f} {r.client_cpu_ms_per_flow:>19.2f}")

    def pick(server: str, level: int) -> list[Row]:
        return [r for r in rows if r.server == server and r.concurrency == level]

    top = max(levels)
    ratios: dict[str, float] = {}
    tool, empty, cached = pick("tool", top), pick("empty", top), pick("reference+keycache", top)
    if tool and empty and cached:
        ratios = {
            "server_cpu_per_flow_tool_over_empty": statistics.fmean(r.server_cpu_ms_per_flow for r in tool)
            / statistics.fmean(r.server_cpu_ms_per_flow for r in empty),
            "p95_tool_over_empty": statistics.fmean(r.p95_ms for r in tool)
            / statistics.fmean(r.p95_ms for r in empty),
            "throughput_tool_over_reference_keycache": statistics.fmean(r.throughput for r in tool)
            / statistics.fmean(r.throughput for r in cached),
        }
        minimal = pick("minimal", top)
        if minimal:
            ratios["server_cpu_per_flow_minimal_over_empty"] = statistics.fmean(
                r.server_cpu_ms_per_flow for r in minimal) / statistics.fmean(r.server_cpu_ms_per_flow for r in empty)
            ratios["server_cpu_per_flow_tool_over_minimal"] = statistics.fmean(
                r.server_cpu_ms_per_flow for r in tool) / statistics.fmean(r.server_cpu_ms_per_flow for r in minimal)
            print(f"\nThe work itself (minimal/empty) = {ratios['server_cpu_per_flow_minimal_over_empty']:.2f};"
                  f" what the tool adds (tool/minimal) = {ratios['server_cpu_per_flow_tool_over_minimal']:.2f}")
        cpu_ratio = ratios["server_cpu_per_flow_tool_over_empty"]
        print(f"\nAt {top} concurrent: server CPU per flow tool/empty = {cpu_ratio:.2f} (target <= 1.5),"
              f" p95 tool/empty = {ratios['p95_tool_over_empty']:.2f} (target <= 2),"
              f" throughput tool/reference+keycache = {ratios['throughput_tool_over_reference_keycache']:.2f}"
              " (target >= 2)")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "rows": [asdict(r) for r in rows], "ratios": ratios}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
