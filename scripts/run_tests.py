"""Run the test suite on SQLite, then on PostgreSQL when a server is reachable.

PostgreSQL is found at $GUANXI_TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test.
With GUANXI_REQUIRE_POSTGRES=1 (as CI sets it) an unreachable server is a failure, so a
green run always means both databases were tested. Extra arguments go to pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/test"


def postgres_url() -> str | None:
    url = os.environ.get("GUANXI_TEST_DATABASE_URL") or DEFAULT_PG
    try:
        import psycopg

        dsn = url.replace("postgres://", "postgresql://", 1)
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        print(f"PostgreSQL not reachable at {url}: {exc}".strip(), flush=True)
        return None
    return url


def run(label: str, env: dict[str, str], args: list[str]) -> int:
    print(f"\n=== tests on {label} ===", flush=True)
    with tempfile.TemporaryDirectory(prefix="guanxi-test-") as home:
        env = {**os.environ, **env, "GUANXI_HOME": home, "GUANXI_ENV": "test"}
        return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def main() -> int:
    args = sys.argv[1:]
    env_sqlite = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    os.environ.clear()
    os.environ.update(env_sqlite)
    failed = []
    if run("SQLite", {}, args) != 0:
        failed.append("SQLite")
    url = postgres_url()
    if url is None:
        if os.environ.get("GUANXI_REQUIRE_POSTGRES") == "1":
            print("GUANXI_REQUIRE_POSTGRES=1 but PostgreSQL is not reachable: failing.")
            return 1
        print("Skipping the PostgreSQL leg (no server).")
    elif run("PostgreSQL", {"DATABASE_URL": url}, args) != 0:
        failed.append("PostgreSQL")
    else:
        print("PostgreSQL leg: passed.", flush=True)
    if failed:
        print(f"Failed on: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
