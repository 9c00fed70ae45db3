"""Deterministic sample data that reproduces both seed reports (DOMAIN.md §9).

One builder serves `seed`, the tests and the demos (Datasette's fixtures.py pattern). Every
figure the seeds print is constructed exactly (amounts in fen, grades by score), the rest is
drawn from a fixed-seed random generator so two runs give byte-identical databases.

`builder` holds the rows both districts share, `huangpu` and `liwan` one district each (loaded in
that order from one random stream), `names` the Chinese names they use, `synthetic` the
benchmarks' generated data.
"""

from __future__ import annotations

import random

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from data_access.models import AuditLog, Region
from data_access.seed import huangpu, liwan, workflow
from data_access.seed import names as N
from data_access.seed.builder import SEED_ACTOR, Builder, SeedConflict
from data_access.seed.synthetic import SYNTHETIC_YEAR, seed_synthetic

__all__ = ["SEED_ACTOR", "SYNTHETIC_YEAR", "SeedConflict", "sample_loaded", "seed_sample", "seed_synthetic"]


def sample_loaded(session: Session) -> bool:
    """True when the sample has been loaded into this database."""
    return session.execute(select(col(AuditLog.id)).where(col(AuditLog.action) == "seed_sample")
                           .limit(1)).first() is not None


def seed_sample(engine: Engine) -> bool:
    """Load both seed districts in one transaction; a second run changes nothing.

    Returns True when it loaded the data, False when it was already there. Raises
    SeedConflict when the sample regions already hold data that the sample did not load.
    """
    with Session(engine) as session:
        if sample_loaded(session):
            return False
        existing = session.execute(select(col(Region.name))
                                   .where(col(Region.name).in_((N.HUANGPU, N.LIWAN)))).scalars().all()
        if existing:
            raise SeedConflict("、".join(existing))
        b = Builder(session=session, rng=random.Random(20221231))
        huangpu.load(b)
        liwan.load(b)
        workflow.load(b)
        session.add(AuditLog(actor=SEED_ACTOR, action="seed_sample", detail_json='{"regions": ["黄埔区", "荔湾区"]}'))
        session.commit()
    return True

