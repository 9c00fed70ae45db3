"""数据填报 preview: each amount as typed beside the amount understood in 元, and the units read (issue 9 §3)."""

from __future__ import annotations

from tests.test_import_page import XLSX, app_db, login, monthly_file, table

__all__ = ["app_db"]  # the fixture, used by name


def test_preview_shows_each_amount_in_yuan_beside_the_cell_as_typed(app_db: str) -> None:
    at = login("clerk")
    at.selectbox(key="upload_kind").select("monitoring").run()
    data = monthly_file([["HP2022K001", "x", 2022, 12, "12,345.67"], ["HP2022K002", "y", 2022, 12, "-"]])
    at.get("file_uploader")[0].upload("2022-12.xlsx", data, XLSX).run()  # type: ignore[attr-defined]
    assert not at.exception, at.exception
    preview = table(at, "状态")
    assert list(preview["累计支出"]) == ["12,345.67", "-"]
    assert list(preview["累计支出（折合元）"]) == ["123,456,700.00", "0.00"]
    assert any("累计支出 万元（第2行“单位：万元”）" in c.value for c in at.caption)
