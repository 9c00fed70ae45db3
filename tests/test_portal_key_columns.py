"""Issue 12 item 8: the key column of each portal table stays in view at 1440 px however far the
reader scrolls the table sideways: it is pinned to the table's left edge."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session

from data_access.db import make_engine
from data_access.publishing import set_execution_published
from tests.apptest import app

# page, the table's key columns (pinned, in this order, at the left edge), query
KEYS = [
    ("portal_evaluations", ["序号", "评价对象"], {}),
    ("portal_findings", ["问题编号"], {"year": "2021"}),
    ("portal_exante", ["项目名称"], {}),
    ("portal_changes", ["评价对象"], {"since": "2000-01-01"}),
    ("portal_execution", ["预算单位"], {}),
]


@pytest.mark.parametrize(("page", "keys", "query"), KEYS, ids=[k[0] for k in KEYS])
def test_the_key_column_is_pinned(monkeypatch: pytest.MonkeyPatch, seeded_url: str, page: str, keys: list[str],
                                  query: dict[str, str]) -> None:
    with Session(make_engine(seeded_url)) as s:
        set_execution_published(s, "黄埔区", 2022, True, "fin1")  # shown only once published
    at = app(monkeypatch, seeded_url)
    at.query_params.update({"region": "黄埔区", "year": "2022", **query})
    at.run().switch_page(f"../pages/{page}.py").run()
    grid = at.dataframe[0]
    config = json.loads(grid.proto.columns or "{}")
    pinned = [name for name, c in config.items() if c.get("pinned") is True]
    assert pinned == keys and set(keys) <= set(grid.value.columns)
