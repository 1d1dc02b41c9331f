"""HTTP load benchmark of a strato service on PostgreSQL (``make bench``).

Starts a one-resource service in this process, served by waitress on a
free port of 127.0.0.1, fills a collection with 10,000 objects, then runs
each workload for a few seconds with several client threads and prints
requests per second and latency percentiles. Not a test: numbers depend on
the machine, and nothing is asserted.

Environment:

- ``STRATO_BENCH_POSTGRESQL_URL`` (default
  ``postgresql://postgres@127.0.0.1:5432/test``); the benchmark works in
  its own schema ``strato_bench``, dropped and re-created at each run;
- ``STRATO_BENCH_SECONDS`` per workload (default 8);
- ``STRATO_BENCH_CLIENTS`` concurrent client threads (default 8).
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import os
import random
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import waitress
from pyramid.config import Configurator
from sqlalchemy import BigInteger, false, func, insert, literal, make_url, select
from sqlalchemy.schema import CreateSchema, DropSchema

import strato
from strato.components import get_components
from strato.resource import Resource, register_resource
from strato.sql import EngineSettings, SQLClient, build_engine
from strato.sql.schema import objects

URL = os.environ.get("STRATO_BENCH_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA = "strato_bench"
SECONDS = float(os.environ.get("STRATO_BENCH_SECONDS", "8"))
CLIENTS = int(os.environ.get("STRATO_BENCH_CLIENTS", "8"))
COLLECTION_SIZE = 10_000
AUTH = "Basic " + base64.b64encode(b"bench:secret").decode()


class Item(Resource):
    """Schemaless objects: ``{"n": int, "group": int, "title": str}``."""


def _schema_url() -> str:
    separator = "&" if "?" in URL else "?"
    return f"{URL}{separator}options={quote(f'-csearch_path={SCHEMA}')}"


def reset_schema() -> None:
    admin = SQLClient(build_engine(EngineSettings(url=URL, pool_size=1)))
    with admin.connect(write=True, join=False) as conn:
        conn.execute(DropSchema(SCHEMA, cascade=True, if_exists=True))
        conn.execute(CreateSchema(SCHEMA))
    admin.dispose()


def make_app() -> Any:
    url = _schema_url()
    settings = {
        "storage_backend": "strato.storage.sql",
        "storage_url": url,
        "storage_auto_migrate": "true",
        "storage_pool_size": str(CLIENTS + 2),
        "permission_backend": "strato.permission.sql",
        "permission_url": url,
        "permission_auto_migrate": "true",
        "cache_backend": "strato.cache.sql",
        "cache_url": url,
        "cache_auto_migrate": "true",
        "multiauth.policies": "basicauth",
        "userid_hmac_secret": "bench",
        "paginate_by": "100",
        # The seeded ids are readable names (bench-42), not UUIDs.
        "item_id_generator": "strato.storage.generators.RelaxedUUID",
    }
    config = Configurator(settings=settings)
    strato.initialize(config, version="1.0.0", project_name="bench", environ={})
    register_resource(config, Item)
    return config.make_wsgi_app()


def fill(app: Any) -> int:
    """Insert the collection server-side in one statement; return its newest timestamp."""
    storage = get_components(app.registry).storage
    number = func.generate_series(1, COLLECTION_SIZE).column_valued("n")
    base = time.time_ns() // 1_000_000 - COLLECTION_SIZE
    rows = select(
        literal("item"),
        literal(""),
        func.concat("bench-", number),
        literal(base, BigInteger) + number,
        false(),
        func.jsonb_build_object(
            "n", number, "group", number % 100, "title", func.concat("title ", number)
        ),
    )
    columns = ["resource_name", "parent_id", "id", "last_modified", "deleted", "data"]
    with storage.client.connect(write=True) as conn:
        conn.execute(insert(objects).from_select(columns, rows))
    with storage.client.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.exec_driver_sql("ANALYZE strato_objects")
    return storage.create("item", "", {"n": 0, "group": 0, "title": "seed"})["last_modified"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0

    def line(self) -> str:
        if not self.latencies:
            return f"{self.name:<28} no successful request ({self.errors} errors)"
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return (
            f"{self.name:<28} {len(ordered) / self.elapsed:8.1f} req/s   "
            f"p50 {statistics.median(ordered) * 1000:7.2f} ms   p99 {p99 * 1000:7.2f} ms   "
            f"({len(ordered)} requests, {self.errors} errors)"
        )


Request = Callable[[random.Random], tuple[str, str, bytes | None, int]]


def run(name: str, port: int, make_request: Request) -> Result:
    result = Result(name)
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def client(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies, errors = [], 0
        while time.monotonic() < deadline:
            method, path, body, expected = make_request(rng)
            headers = {"Authorization": AUTH, "Content-Type": "application/json"}
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status == expected:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1
        conn.close()
        with lock:
            result.latencies += latencies
            result.errors += errors

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.monotonic() - started
    return result


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("request.summary").setLevel(logging.WARNING)
    # Clients keep the server busy on purpose: queueing is expected.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    print(f"PostgreSQL: {make_url(URL).render_as_string(hide_password=True)} (schema {SCHEMA})")
    reset_schema()
    app = make_app()
    newest = fill(app)
    port = free_port()
    server = waitress.create_server(app, host="127.0.0.1", port=port, threads=CLIENTS)
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    print(f"{COLLECTION_SIZE} objects, {CLIENTS} clients, {SECONDS:g} s per workload\n")

    def create(rng: random.Random) -> tuple[str, str, bytes | None, int]:
        data = {"n": rng.randrange(10**6), "group": rng.randrange(100), "title": "new"}
        return "POST", "/v1/items", json.dumps({"data": data}).encode(), 201

    def get(rng: random.Random) -> tuple[str, str, bytes | None, int]:
        return "GET", f"/v1/items/bench-{rng.randrange(1, COLLECTION_SIZE + 1)}", None, 200

    def page(rng: random.Random) -> tuple[str, str, bytes | None, int]:
        return "GET", "/v1/items?_limit=100", None, 200

    def filtered(rng: random.Random) -> tuple[str, str, bytes | None, int]:
        return "GET", f"/v1/items?group={rng.randrange(100)}&_sort=-n&_limit=100", None, 200

    def since(rng: random.Random) -> tuple[str, str, bytes | None, int]:
        ts = newest - rng.randrange(50)
        return "GET", f"/v1/items?_since={ts}&_sort=last_modified", None, 200

    try:
        for name, workload in (
            ("create", create),
            ("get one", get),
            ("list page of 100", page),
            ("filter + sort, 100", filtered),
            ("_since poll", since),
        ):
            print(run(name, port, workload).line(), flush=True)
    finally:
        server.close()
        get_components(app.registry).storage.client.dispose()
    return 0


if __name__ == "__main__":
    if urlsplit(URL).scheme.split("+")[0] != "postgresql":
        sys.exit("STRATO_BENCH_POSTGRESQL_URL must be a postgresql:// URL")
    sys.exit(main())
