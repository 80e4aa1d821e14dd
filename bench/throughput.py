"""The API under load: this tree against a baseline commit, served the production way.

Each version is served by ``bin/serve`` (gunicorn with ``--no-control-socket``, 2 web processes
of 4 threads, a Celery worker and beat) on the same PostgreSQL database, each on its own port
(``BENCH_PORT`` and the next), both on Redis database ``BENCH_REDIS_DB`` (8), served at once
but driven one at a time by 8 concurrent clients (threads of this process, one
keep-alive connection each, standard library only) for 30 s per operation:

- ``list``: ``GET /api/v1/projects/?page=N`` (pages 1-20 in turn), as a platform's content
  manager (token);
- ``detail``: ``GET /api/v1/projects/{id}/`` over 500 of the scope's projects;
- ``transition``: ``POST .../transitions/take_down/`` on a released project of each client's
  own, put back (released, its take-down row deleted) by the client between requests, outside
  the timed request but inside the 30 s, so its requests per second are lower than the server's
  capacity; its latencies are the requests'.

The versions alternate operation by operation, the order reversed every round (this tree then
the baseline, the baseline then this tree...), so that the load of other processes on a shared
machine hits both alike.
Reported per version and operation: requests per second, p50/p95/p99 latency and errors (any
answer but 2xx, or a failed connection), the median over rounds, and the ratio of this tree's
list throughput to the baseline's (target >= 2).

The baseline is a git worktree of ``BASELINE`` (the commit before the read path's changes) in
``var/bench/baseline``, made once, its ``.venv`` linked to this tree's.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mdprod_h8bench \\
    CACHE_URL=redis://127.0.0.1:6379/8 python bench/throughput.py
"""

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASELINE = "2c00443"
CLIENTS = 8
SECONDS = 30
ROUNDS = 3
WEB_PROCESSES = 2
PORT = int(os.environ.get("BENCH_PORT", "8781"))
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "8"))
OPERATIONS = ("list", "detail", "transition")
BENCH_USER = "load_platform1_content_manager1"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


# Serving ------------------------------------------------------------------------------------------


def baseline_tree() -> Path:
    tree = ROOT / "var" / "bench" / "baseline"
    if not tree.exists():
        subprocess.run(  # noqa: S603
            ["git", "worktree", "add", "--detach", str(tree), BASELINE],  # noqa: S607
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    venv = tree / ".venv"
    if not venv.exists():
        venv.symlink_to((ROOT / ".venv").resolve())
    return tree


def server_env(tree: Path, port: int, redis_db: int) -> dict:
    var = ROOT / "var" / "bench" / f"serve-{tree.name}"
    var.mkdir(parents=True, exist_ok=True)
    cache = f"redis://127.0.0.1:6379/{redis_db}"
    return {
        **os.environ,
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "CACHE_URL": cache,
        "CELERY_BROKER_URL": cache,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "0",
        "MDPROD_INSECURE_HTTP": "1",
        "MDPROD_VAR_DIR": str(var),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(WEB_PROCESSES),
        "CELERY_CONCURRENCY": "1",
        # One user drives thousands of requests a minute: the throttles out of the way.
        "MDPROD_THROTTLE_USER": "100000000/min",
        "MDPROD_THROTTLE_KEY": "100000000/min",
        "MDPROD_THROTTLE_ANON": "100000000/min",
    }


class Server:
    def __init__(self, tree: Path, port: int, redis_db: int):
        self.tree = tree
        self.port = port
        self.redis_db = redis_db
        self.process = None

    def __enter__(self):
        env = server_env(self.tree, self.port, self.redis_db)
        log = open(ROOT / "var" / "bench" / f"serve-{self.tree.name}.log", "a")  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603
            [str(self.tree / "bin" / "serve")],
            cwd=self.tree,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"bench: bin/serve in {self.tree} ended; see {log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.3)
        else:
            sys.exit(f"bench: bin/serve in {self.tree} did not listen on {self.port}")
        return self

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    time.sleep(0.3)
            except OSError:
                return


# The data the clients use -------------------------------------------------------------------------


def _token(conn, username: str) -> str:
    """The user's token, valid for the whole run whatever the token lifetime."""
    (user_id,) = conn.execute("SELECT id FROM auth_user WHERE username = %s", [username]).fetchone()
    row = conn.execute("SELECT key FROM authtoken_token WHERE user_id = %s", [user_id]).fetchone()
    if row is None:
        key = secrets.token_hex(20)
        conn.execute(
            "INSERT INTO authtoken_token (key, user_id, created) VALUES (%s, %s, now())",
            [key, user_id],
        )
        return key
    conn.execute("UPDATE authtoken_token SET created = now() WHERE key = %s", [row[0]])
    return row[0]


def picks() -> dict:
    """The bench user's token, 500 project ids of its scope, and a released project per client
    for the transitions (put back first)."""
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        key = _token(conn, BENCH_USER)
        (user_id,) = conn.execute(
            "SELECT id FROM auth_user WHERE username = %s", [BENCH_USER]
        ).fetchone()
        (platform_id,) = conn.execute(
            "SELECT organisation_id FROM workflow_membership WHERE user_id = %s", [user_id]
        ).fetchone()
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM workflow_project WHERE platform_id = %s AND submitted_at IS NOT "
                "NULL ORDER BY id LIMIT 500",
                [platform_id],
            )
        ]
        movers = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM workflow_project WHERE platform_id = %s AND submitted_at IS NOT "
                "NULL AND state IN ('released', 'taken_down') ORDER BY id LIMIT %s",
                [platform_id, CLIENTS],
            )
        ]
        for project_id in movers:
            put_back(conn, project_id)
    if len(movers) < CLIENTS:
        sys.exit("bench: too few released OTHER-tier projects for the transition clients")
    return {"token": key, "ids": ids, "movers": movers}


def put_back(database, project_id: int) -> None:
    database.execute(
        "DELETE FROM workflow_projecttransition WHERE project_id = %s AND name = 'take_down'",
        [project_id],
    )
    database.execute("UPDATE workflow_project SET state = 'released' WHERE id = %s", [project_id])


# The clients --------------------------------------------------------------------------------------


def drive(operation: str, data: dict, seconds: float, port: int) -> dict:
    headers = {"Authorization": f"Token {data['token']}", "Accept": "application/json"}
    take_down = {**headers, "Content-Type": "application/json"}
    results: list[tuple[list[float], int, int]] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS + 1)

    def client(number: int) -> None:
        latencies: list[float] = []
        errors = 0
        count = 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        database = None
        if operation == "transition":
            import psycopg

            database = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
        start.wait()
        ends = time.perf_counter() + seconds
        i = number
        while time.perf_counter() < ends:
            if operation == "list":
                request = ("GET", f"/api/v1/projects/?page={i % 20 + 1}", None, headers)
            elif operation == "detail":
                request = ("GET", f"/api/v1/projects/{data['ids'][i % 500]}/", None, headers)
            else:
                body = json.dumps({"comment": "Bench (throughput)."})
                path = f"/api/v1/projects/{data['movers'][number]}/transitions/take_down/"
                request = ("POST", path, body, take_down)
            i += CLIENTS
            began = time.perf_counter()
            try:
                conn.request(*request)
                response = conn.getresponse()
                response.read()
                ok = 200 <= response.status < 300
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            latencies.append(time.perf_counter() - began)
            count += 1
            if not ok:
                errors += 1
            if database is not None:
                put_back(database, data["movers"][number])
        conn.close()
        if database is not None:
            database.close()
        with lock:
            results.append((latencies, errors, count))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies = [value for r in results for value in r[0]]
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "errors": sum(r[1] for r in results),
    }


def warm(data: dict, port: int) -> None:
    # A web process of this tree builds the API schema in the background as it starts: wait
    # for it (a request for it waits until it is built) so that it does not cost the first
    # round. Several requests at once reach both processes.
    def schema(accept: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        conn.request("GET", "/api/schema/", headers={"Accept": accept})
        conn.getresponse().read()
        conn.close()

    for _ in range(2):
        threads = [
            threading.Thread(target=schema, args=(accept,))
            for accept in ("application/vnd.oai.openapi", "application/vnd.oai.openapi+json") * 4
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Token {data['token']}"}
    for page in range(1, 2 * WEB_PROCESSES * 4 + 1):
        conn.request("GET", f"/api/v1/projects/?page={page}", headers=headers)
        conn.getresponse().read()
        conn.request("GET", f"/api/v1/projects/{data['ids'][page]}/", headers=headers)
        conn.getresponse().read()
    conn.close()


def run(seconds: float, rounds: int) -> dict:
    trees = {"this tree": ROOT, "baseline": baseline_tree()}
    runs: dict[str, dict[str, list[dict]]] = {
        version: {op: [] for op in OPERATIONS} for version in trees
    }
    data = picks()
    # The tasks an earlier run queued are not this run's work.
    import redis

    redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}").delete("celery")
    # Both served at once (each on its own port); only one is driven at a
    # time, in alternating order, so that both see the machine's load of the same minutes.
    servers = {
        version: Server(tree, PORT + number, REDIS_DB)
        for number, (version, tree) in enumerate(trees.items())
    }
    for server in servers.values():
        server.__enter__()
    try:
        for server in servers.values():
            warm(data, server.port)
        for number in range(rounds):
            for operation in OPERATIONS:
                order = list(servers) if number % 2 == 0 else list(reversed(servers))
                for version in order:
                    result = drive(operation, data, seconds, servers[version].port)
                    runs[version][operation].append(result)
                    print(
                        f"round {number + 1} {version:9} {operation:10} "
                        f"{result['rps']:7.1f} rps  p50 {result['p50_ms']:6.1f}  "
                        f"p95 {result['p95_ms']:6.1f}  p99 {result['p99_ms']:6.1f} ms  "
                        f"errors {result['errors']}",
                        file=sys.stderr,
                        flush=True,
                    )
    finally:
        for server in servers.values():
            server.__exit__(None, None, None)
    picks()  # the transition projects released again
    summary = {
        version: {
            op: {
                key: statistics.median(r[key] for r in results)
                for key in ("rps", "p50_ms", "p95_ms", "p99_ms")
            }
            | {"errors": sum(r["errors"] for r in results), "runs": results}
            for op, results in by_op.items()
        }
        for version, by_op in runs.items()
    }
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--out", default=str(ROOT / "var" / "bench" / "throughput.json"))
    args = parser.parse_args()
    summary = run(args.seconds, args.rounds)
    summary["settings"] = {
        "clients": CLIENTS,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "web_processes": WEB_PROCESSES,
        "baseline": BASELINE,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    Path(args.out).write_text(json.dumps(summary, indent=1))
    print(
        json.dumps(
            {
                v: {
                    o: {k: round(x, 1) for k, x in r.items() if k != "runs"} for o, r in ops.items()
                }
                for v, ops in summary.items()
                if v != "settings"
            },
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
