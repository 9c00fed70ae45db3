"""The README and docs/cli.md document every command, setting and upload column (Datasette's test_docs)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from data_access.__main__ import KINDS, _parser
from data_access.settings import Settings, from_env
from data_access.uploads import SPECS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
CLI = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    sub = next(a for a in _parser()._actions if a.dest == "command")  # noqa: SLF001
    return list(sub.choices)


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_documented(command: str) -> None:
    """docs/cli.md has a row for each command; the README names each and points there."""
    assert f"| `{command}" in CLI
    assert f"`{command}`" in README[README.index("## Command line"):]


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Settings)])
def test_every_setting_is_documented(name: str) -> None:
    assert f"`{name}`" in README


def test_settings_from_environment() -> None:
    s = from_env({"PERF_GAP_RED": "20", "PERF_EXECUTION_RULE": "ratio", "PERF_KEY_FUND_SOURCES": "专项债券, 涉农资金"})
    assert s.gap_red == 20 and s.execution_rule == "ratio" and s.key_fund_sources == ("专项债券", "涉农资金")
    with pytest.raises(ValueError, match="gap or ratio"):
        from_env({"PERF_EXECUTION_RULE": "mean"})


def test_the_docs_stand_alone() -> None:
    """README and docs/ are read by people who have only this repository: no pointer outside it,
    and every relative link lands on a file that exists."""
    import re

    root = Path(__file__).resolve().parent.parent
    for path in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        assert "../shared" not in text and "shared/CONTRACT" not in text and "DOMAIN.md" not in text, path.name
        for target in re.findall(r"\]\(([^)#:]+)\)", text):
            assert (path.parent / target).exists(), f"{path.name} links to missing {target}"


# ---- upload kinds: the README's column tables are the specs' ----------------------------------------
def _kind_section(kind: str) -> str:
    start = README.index(f"### `{kind}` (")
    end = min(i for i in (README.find("\n### ", start + 1), README.find("\n## ", start + 1)) if i > 0)
    return README[start:end]


@pytest.mark.parametrize("kind", list(SPECS))
def test_every_upload_column_is_documented(kind: str) -> None:
    spec = SPECS[kind]
    section = _kind_section(kind)
    key = ", ".join(f"`{k}`" for k in spec.key)
    heading = f"### `{kind}` ({spec.title}) → `{spec.model.__tablename__}`, keyed by {key}"
    assert section.splitlines()[0] == heading
    lines = section.splitlines()
    rows = {line for line in lines if line.startswith("| ") and not line.startswith(("| column", "| ---"))}
    need = {True: "required", False: "optional"}
    expected = {f"| {c.zh} | `{c.alias}` | {need[c.required]} | `{c.field}` |" for c in spec.columns}
    assert rows == expected, (sorted(expected - rows), sorted(rows - expected))


def test_the_command_lines_kinds_are_the_specs() -> None:
    assert KINDS == tuple(SPECS)


def test_the_deployment_guide_shows_the_nginx_config_the_replica_test_runs() -> None:
    root = Path(__file__).resolve().parent.parent
    conf = (root / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    guide = (root / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert f"```nginx\n{conf}```" in guide
