"""The command line of CONTRACT.md §1: `python -m data_access COMMAND …`.

With --json a command prints exactly one JSON object on stdout; logs and progress go to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import logging
import os
import sys
from collections.abc import Sequence
from decimal import Decimal

# SQLAlchemy, SQLModel and the models load inside the commands: `import` first starts reading its file in a
# child process (uploads/prefetch.py), which then need not load them.

log = logging.getLogger("data_access")
_IMPORTED = False  # main ran `import` as the program: the process may end without tearing its objects down
KINDS = ("projects", "monitoring", "evaluations", "findings", "ex-ante", "indicators")


def _parser() -> argparse.ArgumentParser:
    db_help = "SQLAlchemy URL (default: DATABASE_URL, else data/performance.db); before or after the command"
    p = argparse.ArgumentParser(prog="python -m data_access",
                                description="预算绩效数据库命令行 / performance database CLI")
    p.add_argument("--db", help=db_help)
    # `--db URL` is typed both before and after the command: every command takes it too, and
    # SUPPRESS leaves the value given before the command alone when none follows it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help=db_help)
    sub = p.add_subparsers(dest="command", required=True)
    add = functools.partial(sub.add_parser, parents=[common])

    add("init", help="create or upgrade the schema (Alembic migrations)")

    s = add("seed", help="load the sample data of both seed districts (idempotent)")
    s.add_argument("--synthetic-projects", type=int, metavar="N", help="add N deterministic synthetic projects instead")
    s.add_argument("--regions", type=int, default=1, metavar="K", help="spread the synthetic projects over K regions")

    i = add("import", help="validate and import an upload file (all rows or none)")
    i.add_argument("kind", choices=KINDS)
    i.add_argument("file")
    i.add_argument("--dry-run", action="store_true")
    i.add_argument("--user", default=None)
    i.add_argument("--json", action="store_true")

    k = add("kpis", help="the headline figures")
    k.add_argument("--year", type=int, required=True)
    k.add_argument("--region")
    k.add_argument("--as-of", type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
    k.add_argument("--json", action="store_true")

    t = add("template", help="write the blank upload template for KIND")
    t.add_argument("kind", choices=KINDS)
    t.add_argument("out")

    u = add("create-user", help="create a user (password asked, or PERF_PASSWORD)")
    u.add_argument("--role", required=True, choices=("admin", "finance", "leader"))
    u.add_argument("--region", metavar="R", help="the region of --department")
    u.add_argument("--department", action="append", default=[], metavar="D",
                   help="a department the finance user may write for (repeat for more); needs --region")
    u.add_argument("username")

    r = add("report", help="draft the annual performance report (.docx), or write its tables (.xlsx)")
    r.add_argument("--year", type=int, required=True)
    r.add_argument("--region", required=True)
    r.add_argument("--as-of", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                   help="date the figures are counted at (default: 31 December of a past year, else today)")
    r.add_argument("--out", required=True, help="FILE.docx for the draft, FILE.xlsx for its tables")
    return p


def cmd_init(url: str) -> int:
    """Create the database (the only command that may) or bring its schema to this program's."""
    from data_access.db import make_engine
    from data_access.migrate import head_revisions, upgrade

    before = upgrade(make_engine(url, create=True))
    if not before:
        print(f"已创建数据库结构：{_safe(url)}", file=sys.stderr)
    elif before == head_revisions():
        print(f"数据库结构已是最新：{_safe(url)}", file=sys.stderr)
    else:
        print(f"已升级到最新（原为 {'、'.join(sorted(before))}）：{_safe(url)}", file=sys.stderr)
    return 0


def cmd_seed(url: str, synthetic: int | None, regions: int) -> int:
    from data_access.db import make_engine
    from data_access.migrate import upgrade
    from data_access.seed import SeedConflict, seed_sample, seed_synthetic

    engine = make_engine(url)
    upgrade(engine)
    if synthetic is not None:
        if synthetic < 1 or regions < 1:
            print("--synthetic-projects 和 --regions 须为正整数", file=sys.stderr)
            return 1
        added = seed_synthetic(engine, projects=synthetic, regions=regions)
        print(f"已添加合成数据：{added} 个项目" if added else "合成数据已存在，未作改动", file=sys.stderr)
        return 0
    try:
        loaded = seed_sample(engine)
    except SeedConflict as exc:
        print(f"示例数据未导入：{exc} 已有非示例数据，为免混淆，拒绝写入。", file=sys.stderr)
        return 1
    print("示例数据已导入（黄埔区 2021–2022，荔湾区 2020）" if loaded else "示例数据已存在，未作改动", file=sys.stderr)
    _demo_users(engine)
    return 0


def _demo_users(engine) -> None:  # type: ignore[no-untyped-def]
    """First start: demo accounts with random passwords, printed once to the console."""
    from sqlmodel import Session

    from data_access.auth import create_demo_users

    with Session(engine) as session:
        created = create_demo_users(session)
    if created:
        print("演示账号（密码只显示这一次，请妥善保存）/ demo accounts, passwords shown once:", file=sys.stderr)
        for username, password in created.items():
            print(f"  {username}: {password}", file=sys.stderr)


def cmd_kpis(url: str, year: int, region: str | None, as_of: dt.date | None, as_json: bool) -> int:
    from sqlalchemy import inspect
    from sqlmodel import Session

    from data_access.db import make_engine
    from data_access.queries.kpis import kpis, region_names, to_json

    engine = make_engine(url)
    if not inspect(engine).has_table("region"):
        print(f"数据库尚未初始化（{_safe(url)}）：请先运行 python -m data_access init", file=sys.stderr)
        return 1
    with Session(engine) as session:
        if region is not None and region not in region_names(session=session):
            print(f"未找到行政区“{region}”；现有：{'、'.join(region_names(session=session)) or '无'}", file=sys.stderr)
            return 1
        data = kpis(session=session, year=year, region=region, as_of=as_of)
    if as_json:
        print(to_json(data))
    else:
        print(_kpis_table(data))
    return 0


def _kpis_table(d: dict) -> str:
    """The headline figures for people: Chinese labels, amounts in 亿元/万元 as the seeds write them."""
    from data_access.formatting import money
    from data_access.money import yuan_to_fen

    ex, fin = d["execution"], d["evaluation"]["finance"]
    ea, rc, ind = d["ex_ante"], d["rectification"], d["indicators"]

    def pct(v: object) -> str:
        return "—" if v is None else f"{v}%"

    def amount(yuan: int | Decimal) -> str:
        return money(yuan_to_fen(yuan))

    rows = [
        ("行政区 / 年度 / 截至", f"{d['region'] or '全部'} / {d['year']} / {d['as_of']}（第 {ex['as_of_month']} 月）"),
        ("序时进度", pct(ex["time_progress"])),
        ("预算执行率",
         f"{pct(ex['execution_rate'])}（支出 {amount(ex['spent_total'])} / 预算 {amount(ex['budget_total'])}）"),
        ("项目数 / 重点监控 / 预警", f"{ex['projects']} / {ex['key_projects']} / {ex['behind_schedule']}"),
        ("财政评价 优/良/中/差", f"{fin['excellent']}/{fin['good']}/{fin['fair']}/{fin['poor']}，共 {fin['count']} 个，"
                            f"涉及资金 {amount(fin['funds_total'])}"),
        ("优良率", pct(fin["excellent_good_rate"])),
        ("事前评估 项目/单位", f"{ea['projects']} / {ea['departments']}，申报 {amount(ea['requested_total'])}"),
        ("核减金额 / 核减率", f"{amount(ea['cut_total'])} / {pct(ea['cut_rate'])}"),
        ("整改 已整改/整改中/未整改",
         f"{rc['rectified']}/{rc['in_progress']}/{rc['not_started']}，逾期 {rc['overdue']}"),
        ("整改完成率", pct(rc["completion_rate"])),
        ("指标库 通用/个性/核心", f"{ind['general']}/{ind['specific']}/{ind['core']}，共 {ind['total']} 条"),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width, '　')}  {v}" for k, v in rows)


def cmd_report(url: str, year: int, region: str, out: str, as_of: dt.date | None) -> int:
    from sqlmodel import Session

    from data_access.db import make_engine
    from data_access.report import UnsupportedFormat, output_format, write_report

    try:
        output_format(out)  # before the database is opened
    except UnsupportedFormat as exc:
        print(exc, file=sys.stderr)
        return 1
    with Session(make_engine(url)) as session:
        return write_report(session=session, year=year, region=region, out=out, as_of=as_of)


def _command(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> str | None:
    """The command named on a command line that failed to parse, if any."""
    sub = next(a for a in parser._actions if a.dest == "command")  # noqa: SLF001
    return next((a for a in (sys.argv[1:] if argv is None else argv) if a in sub.choices), None)  # type: ignore[operator]


def _safe(url: str) -> str:
    """The URL without a password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main(argv: Sequence[str] | None = None, *, read_ahead: bool = False) -> int:
    """The command line; `read_ahead` (only as a program of its own, never inside a process with threads):
    `import` reads its file in child processes while this one loads the database libraries, and runs without
    the cycle collector."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(message)s")
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        # CONTRACT.md §1: only `import` has a usage-error status (2); every other command
        # reports any failure, a bad argument included, as 1.
        if exc.code == 2 and _command(parser, argv) not in (None, "import"):
            return 1
        raise
    if read_ahead and args.command == "import":
        # A process of its own that ends with the import, whose rows go free by reference counting: the cycle
        # collector's passes over a 100,000-row file's objects cost a tenth of the import and find nothing.
        gc.disable()
        global _IMPORTED
        _IMPORTED = True  # the output is written and the database closed when main returns: see below
        from data_access.uploads import prefetch

        prefetch.start(args.file)
    from sqlalchemy.exc import SQLAlchemyError

    from data_access.db import DatabaseFault, classify, location, resolve_url

    url = resolve_url(args.db)
    try:
        if args.command == "init":
            return cmd_init(url)
        if args.command == "seed":
            return cmd_seed(url, args.synthetic_projects, args.regions)
        if args.command == "kpis":
            return cmd_kpis(url, args.year, args.region, args.as_of, args.json)
        if args.command == "import":
            from data_access.uploads.cli import run_import_cli

            return run_import_cli(args.kind, args.file, url=url, dry_run=args.dry_run, user=args.user,
                                  as_json=args.json)
        if args.command == "template":
            from data_access.uploads.templates import write_template

            write_template(args.kind, args.out)
            print(f"模板已写入 {args.out}", file=sys.stderr)
            return 0
        if args.command == "create-user":
            from data_access.auth import create_user_cli

            return create_user_cli(args.username, args.role, url=url, region=args.region, departments=args.department)
        if args.command == "report":
            return cmd_report(url, args.year, args.region, args.out, args.as_of)
    except (DatabaseFault, SQLAlchemyError) as exc:
        fault = classify(exc, location(url))
        print(f"数据库错误：{fault}" if fault else
              f"数据库错误（{_safe(url)}）：{exc.__class__.__name__}: {exc.orig if hasattr(exc, 'orig') else exc}",
              file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"文件错误：{exc}", file=sys.stderr)
        return 1
    return 2


if __name__ == "__main__":
    status = main(read_ahead=True)
    if _IMPORTED:  # leave without freeing the import's objects one by one (a quarter of a second)
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(status)
    sys.exit(status)
