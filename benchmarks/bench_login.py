"""Benchmark: how long a refused sign-in takes for an unknown name and for each kind of real account.

A guesser who could time the answer would tell real usernames from made-up ones; the figures
here show whether the four kinds of refusal cost the same. The cases are interleaved round by
round, so a slow spell of the machine falls on all of them alike.
Prints figures; asserts nothing (speed is measured here, never in timed tests).
    python benchmarks/bench_login.py [--rounds 40] [--db URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import update  # noqa: E402
from sqlmodel import Session, col  # noqa: E402

from data_access import auth  # noqa: E402
from data_access.auth import MAX_FAILURES, authenticate, create_user  # noqa: E402
from data_access.db import make_engine  # noqa: E402
from data_access.migrate import upgrade  # noqa: E402
from data_access.models import User  # noqa: E402

CASES = {
    "unknown name": "nobody",
    "real account, wrong password": "known",
    "locked account, wrong password": "locked",
    "deactivated account, wrong password": "gone",
}


def setup(url: str) -> None:
    """Accounts "known" (fine), "locked" (after MAX_FAILURES wrong passwords) and "gone" (deactivated)."""
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        for name in ("known", "locked", "gone"):
            create_user(session, name, "finance", f"{name}-password", actor="bench")
        for _ in range(MAX_FAILURES):
            authenticate(session, "locked", "not it")
        session.execute(update(User).where(col(User.username) == "gone").values(is_active=False))
        session.commit()


def measure(url: str, rounds: int) -> dict[str, list[float]]:
    """Seconds per authenticate() call for each case, the cases interleaved round by round."""
    runs: dict[str, list[float]] = {label: [] for label in CASES}
    with Session(make_engine(url)) as session:
        authenticate(session, "nobody", "warm-up")
        for i in range(rounds):
            for label, name in CASES.items():
                start = time.perf_counter()
                result = authenticate(session, name, f"wrong-{i}")
                runs[label].append(time.perf_counter() - start)
                assert result.reason == "invalid"
            # Keep "known" from locking (it would then time as a locked account); outside the clock.
            session.execute(update(User).where(col(User.username) == "known").values(failed_attempts=0))
            session.commit()
    return runs


def report(title: str, runs: dict[str, list[float]]) -> None:
    print(title)
    for label, times in runs.items():
        ms = sorted(t * 1000 for t in times)
        print(f"  {label:<38} median {statistics.median(ms):7.2f} ms  "
              f"p10 {ms[len(ms) // 10]:7.2f}  p90 {ms[len(ms) * 9 // 10]:7.2f}  (n={len(ms)})")
    medians = [statistics.median(t) * 1000 for t in runs.values()]
    print(f"  spread of the medians: {max(medians) - min(medians):.2f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--db", help="an empty database URL (default: a temporary SQLite file)")
    args = ap.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    setup(url)
    backend = url.split(":")[0]
    report(f"{args.rounds} rounds on {backend}, one authenticate() call each:", measure(url, args.rounds))
    # The argon2 check dwarfs the rest and its noise hides small gaps: time the database work alone.
    real_verify = auth.verify_password
    auth.verify_password = lambda _stored, _password: False
    try:
        report("the same without the argon2 check (database work only):", measure(url, args.rounds))
    finally:
        auth.verify_password = real_verify


if __name__ == "__main__":
    main()
