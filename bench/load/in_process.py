"""Each page of the load run timed in one process (Django's test client, no HTTP server, no
Locust beside it): the server's own cost of a request, and its queries, with the same
production settings, data and signed-in rep as the load run (`world.json`, which run.py
writes; run it once first).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_load_bench \\
        CACHE_URL=redis://127.0.0.1:6379/10 \\
        .venv/bin/python bench/load/in_process.py [--runs 40] [--code /path/to/other/checkout]

`--code` times another checkout's code (a worktree of the code before, with its own
collectstatic) against the same data; run both in turns and compare within a round. The two
writes of the mixed journey ("review save", "vote") are posted as the Locust file posts them.
`--profile N --sort tottime` orders the profile by each function's own time;
PROFILE_CALLERS=name prints who called that function, PROFILE_CPU=1 counts CPU time only,
and SQL_CHARS=N how much of each query. AFTER_WRITE=1 moves the data stamp before each
timed request (as another person's write would), so that no kept page is read: the cost
of drawing and keeping a page, beside KEPT_PAGES=false (drawing alone).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def measure(
    runs: int, only: list[str], profile: int = 0, save: str = "", sort: str = "cumulative"
) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    world = json.loads((HERE / "world.json").read_text())
    me = world["reps"][int(os.environ.get("LOAD_REP", 0))]  # which rep signs in
    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = me["session"]
    pages = {
        "layout only": "/bench/layout/",
        "home": "/",
        "definition": world["definition"],
        "proposal": world["proposal"],
        "proposals list": world["proposals"],
        "meetings list": world["meetings"],
        "meeting": world["meeting"],
        "review queue": me["queue"],
        "lead": me["leads"][0][1],
        "numbers (cached)": world["numbers"],
        # The two writes of the mixed journey, as the Locust file sends them (by htmx).
        "review save": me["queue"] + f"{me['leads'][0][0]}/",
        "vote": world["vote"],
    }
    lead = me["leads"][0][0]
    turns = iter(range(1_000_000))
    after_write = None
    if os.environ.get("AFTER_WRITE"):
        # Each request follows a write, as in the mixed journey: no kept page is read.
        from config.written import _move as after_write

    def request(name: str, url: str):
        """A GET of a page, or a POST of one of the writes, in turns (accept, then recycle)."""
        if name == "review save":
            accept = next(turns) % 2 == 0
            body = {
                f"lead-{lead}-agrees_with_stage": "yes" if accept else "no",
                f"lead-{lead}-decision": "accepted" if accept else "recycled",
            }
            if not accept:
                body[f"lead-{lead}-reasons"] = world["reason"]
            return client.post(url, body, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=f"lead-{lead}")
        if name == "vote":
            position = "agree" if next(turns) % 2 == 0 else "live_with"
            body = {"position": position, "comment": ""}
            return client.post(url, body, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="voting")
        return client.get(url)

    for name, url in pages.items():
        if only and name not in only:
            continue
        for _ in range(3):  # warm: templates, the numbers' cache, connections
            response = request(name, url)
            assert response.status_code == 200, (name, response.status_code)
        times = []
        for _ in range(runs):
            if after_write:
                after_write()  # outside the timing: someone else's write
            start = time.perf_counter()
            request(name, url)
            times.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as queries:
            response = request(name, url)
        # Read now: each request of the profile below empties the connection's query log.
        captured = queries.captured_queries
        if save:
            # The page as served, to compare two checkouts' output (the CSRF token aside).
            Path(save, name.replace(" ", "-") + ".html").write_bytes(response.content)
        if profile:
            # cProfile inflates Python-heavy parts several times over: read it for where
            # the time goes, and time a change plainly.
            import cProfile
            import pstats

            # PROFILE_CPU=1 counts this process's CPU time only: the queries' wait and the
            # other programs of a busy machine drop out of every figure.
            timer = time.process_time if os.environ.get("PROFILE_CPU") else time.perf_counter
            profiler = cProfile.Profile(timer)
            profiler.runcall(lambda n=name, u=url: [request(n, u) for _ in range(10)])
            stats = pstats.Stats(profiler).sort_stats(sort)
            stats.print_stats(profile)
            if os.environ.get("PROFILE_CALLERS"):
                stats.print_callers(os.environ["PROFILE_CALLERS"])
            shown = int(os.environ.get("SQL_CHARS", 140))  # how much of each query to print
            for query in captured:
                print(f"{float(query['time']) * 1000:6.1f} ms  {query['sql'][:shown]}")
        print(
            f"| {name} | {statistics.median(times):.1f} ms | {min(times):.1f} ms "
            f"| {len(captured)} | {len(response.content) // 1024} KB |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--code", type=Path, help="time this checkout's code instead")
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument(
        "--profile", type=int, default=0, help="print this many lines of cProfile per page"
    )
    parser.add_argument("--save", default="", help="write each page's HTML into this folder")
    parser.add_argument(
        "--sort", default="cumulative", help="the profile's order: cumulative or tottime"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.child:
        # A fresh process on the chosen code, with the load run's server settings.
        sys.path.insert(0, str(HERE))
        from run import server_env

        code = (args.code or ROOT).resolve()
        env = server_env(os.environ["DATABASE_URL"], code)
        env["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
        command = [sys.executable, str(Path(__file__).resolve()), "--child"]
        command += ["--runs", str(args.runs), "--only", args.only]
        save = str(Path(args.save).resolve()) if args.save else ""
        command += ["--profile", str(args.profile), "--save", save, "--sort", args.sort]
        print(f"code: {code}\n")
        print("| page | median | fastest | queries | size |\n|---|---:|---:|---:|---:|")
        sys.exit(subprocess.call(command, env=env, cwd=code))
    only = [name for name in args.only.split(",") if name]
    measure(args.runs, only, args.profile, args.save, args.sort)


if __name__ == "__main__":
    main()
