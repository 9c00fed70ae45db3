"""Text from an upload is text: no stored string renders as markdown or HTML on any page.

Payloads (a link, an image from another server, :red[…], LaTeX, HTML, bold, a heading) go into
every free-text field through the importer with real .xlsx files (tests/payloads.py); then every
page, public and staff (signed in as an admin whose name is a payload too), runs in AppTest and
every string Streamlit would render as markdown is checked: the payload must be there, escaped,
and nowhere live. Strings Streamlit shows as plain text (select options, table cells, chart
data, widget ids) are left out, by element type and field.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from google.protobuf.message import Message
from hypothesis import given
from hypothesis import strategies as hs
from markdown_it import MarkdownIt
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from dashboard.ui import plain
from data_access.auth import create_user
from data_access.db import make_engine
from tests import payloads as P
from tests.apptest import app, nodes, sign_in

# Users are made before the app is opened: remember their argon2 hashes and checks (tests/apptest.py).
pytestmark = pytest.mark.usefixtures("remembered_passwords")

PASSWORD = "payload-admin-password"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PUBLIC = ["portal_home", "portal_evaluations", "portal_findings", "portal_exante", "portal_changes",
          "portal_execution", "portal_department", "portal_project", "portal_search"]
STAFF = ["overview", "execution", "evaluation", "rectification", "exante", "indicators", "report", "upload", "entry",
         "upload_history", "submissions", "publishing", "users", "audit"]
# (protobuf message, field): strings the browser shows as they are, never through markdown.
PLAIN_FIELDS = {
    ("Selectbox", "options"), ("MultiSelect", "options"),  # option lists are plain text
    ("Selectbox", "raw_value"),  # the chosen option, set from the URL: plain text like the options
    ("Dataframe", "columns"), ("VegaLiteChart", "spec"),  # table and chart data
    ("DownloadButton", "url"), ("TextInput", "default"),
}
PLAIN_ANYWHERE = {"id", "form_id"}  # widget identities (keys may hold a region name), never displayed


# ---- the helper ---------------------------------------------------------------------------------
COMMONMARK = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def rendered_text(markdown: str) -> str:
    """The text a CommonMark renderer makes of `markdown`, if it makes nothing but paragraphs and line breaks."""
    out = COMMONMARK.render(markdown)
    body = re.sub(r"<br />\n", "\n", out)
    body = re.sub(r"</p>\n<p>", "\n\n", body)
    assert body.startswith("<p>") and body.endswith("</p>\n") or out == "", out
    body = body.removeprefix("<p>").removesuffix("</p>\n")
    assert "<" not in body, out  # no other element: no link, image, emphasis, heading, html
    return html.unescape(body)


def expected_text(text: str) -> str:
    """What a reader should see: the lines as written, trimmed, with blank runs as one paragraph break."""
    lines = [line.strip() for line in text.splitlines()]
    paragraphs = "\n".join(lines).strip("\n")
    return re.sub(r"\n{2,}", "\n\n", paragraphs)


# What Streamlit's markdown does to the text after parsing, where escapes are gone: GFM autolink
# literals (mdast-util-gfm-autolink-literal), emoji / :material_x: / :streamlit: shortcodes and
# typographic symbols (StreamlitMarkdown.tsx). JavaScript's \w is ASCII, hence re.ASCII.
REWRITES = {
    "autolink_url": re.compile(r"(https?://|www(?=\.))[-.\w]+", re.IGNORECASE | re.ASCII),
    "autolink_email": re.compile(r"[-.\w+]+@[-\w]+(\.[-\w]+)+", re.ASCII),
    "shortcode": re.compile(r":[\w+-]+:", re.ASCII),
    "symbol": re.compile(r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)"),
}


def rewritten(shown: str) -> list[str]:
    return [name for name, pattern in REWRITES.items() if pattern.search(shown)]


@pytest.mark.parametrize("text", [*P.PAYLOADS, P.SUMMARY, P.USERNAME, "# 标题", "1. 第一", "- 列表", "> 引用", "---",
                                  "a | b\n--|--\nc | d", "`代码`", "~~删除~~", "&lt;b&gt; &amp;", "行尾\\", "a\\*b",
                                  "    缩进代码", "标题\n===", "<http://evil.example>", "第一行\n第二行\n\n  第三段"])
def test_plain_renders_as_the_literal_text(text: str) -> None:
    shown = rendered_text(plain(text))
    assert shown.replace("\u2060", "") == expected_text(text)
    assert rewritten(shown) == []


@given(hs.text(hs.characters(blacklist_categories=("Cs", "Cc"),
                             blacklist_characters="\u2060") | hs.sampled_from("\n\t")))
def test_plain_renders_any_text_as_itself(text: str) -> None:
    shown = rendered_text(plain(text))
    assert shown.replace("\u2060", "") == expected_text(text)
    assert rewritten(shown) == []


@pytest.mark.parametrize(("text", "live"), [
    # Streamlit's :color[…] directives and $…$ LaTeX start at an unescaped : or $.
    (":red[红字]", ":red["), (":blue-background[字]", ":blue-background["), ("$\\frac{1}{2}$", "$\\frac"),
    ("$$x$$", "$$"), ])
def test_plain_escapes_what_starts_a_streamlit_extension(text: str, live: str) -> None:
    assert live not in plain(text)
    assert rendered_text(plain(text)) == text


@pytest.mark.parametrize("text", [
    "http://evil.example/x", "见 HTTPS://evil.example", "www.evil.example", "联系 x@evil.example", ":smile:", ":+1:",
    ":material_home:", ":streamlit:", "10:30:00", "a -> b", "<-> x", "a <- b", "a -- b", "a >= b", "a <= b", "a ~= b",
])
def test_plain_splits_what_streamlit_rewrites_after_parsing(text: str) -> None:
    assert rewritten(text) != []  # the case is one Streamlit would rewrite
    shown = rendered_text(plain(text))
    assert rewritten(shown) == []
    assert shown.replace("\u2060", "") == text


def test_plain_of_nothing_and_numbers() -> None:
    assert plain(None) == "" and plain(12) == "12" and plain("区教育局") == "区教育局"


# ---- every page --------------------------------------------------------------------------------
@pytest.fixture
def payload_url(seeded_url: str) -> str:
    engine = make_engine(seeded_url)
    P.import_payloads(engine)
    with Session(engine) as session:
        create_user(session, P.USERNAME, "admin", PASSWORD)
    engine.dispose()
    return seeded_url


def _strings(message: Message) -> Iterator[tuple[str, str, str]]:
    """(message name, field name, value) of every string in a protobuf message, nested ones included."""
    for field, value in message.ListFields():
        for item in value if field.is_repeated else [value]:
            if field.type == field.TYPE_MESSAGE:
                yield from _strings(item)
            elif field.type == field.TYPE_STRING:
                yield type(message).__name__, field.name, item


def markdown_texts(at: AppTest) -> list[tuple[str, str]]:
    """(element type, text) of every string on the page that Streamlit renders as markdown."""
    found = []
    for node in nodes(at):
        proto = getattr(node, "proto", None)
        if proto is None or node.type in ("arrow_data_frame", "arrow_table"):
            continue
        for message, field, value in _strings(proto):
            if field not in PLAIN_ANYWHERE and (message, field) not in PLAIN_FIELDS:
                found.append((node.type, value))
    return found


def live_payloads(texts: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    return [(kind, name, text[:120]) for kind, text in texts for name, pattern in P.RAW.items() if pattern.search(text)]


# Where each page shows a stored string through markdown: it must be there, escaped.
SHOWN = {
    "portal_home": [P.REGION],
    "portal_evaluations": [P.REGION, P.KEY_SUBJECT, P.DEPARTMENT, P.EVALUATOR, P.SUMMARY],
    "portal_department": [P.DEPARTMENT],  # its title
    "portal_project": [P.KEY_SUBJECT],
    "overview": [P.REGION],
    "execution": [P.REGION],
    "evaluation": [P.DEPARTMENT],
    "submissions": [P.DEPARTMENT],
    "report": [P.REGION, P.KEY_SUBJECT, P.DEPARTMENT, P.SUMMARY],
}


@pytest.mark.slow  # every page, twice
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_renders_an_imported_payload(monkeypatch: pytest.MonkeyPatch, payload_url: str, lang: str) -> None:
    at = app(monkeypatch, payload_url)
    at.query_params.update({"region": P.REGION, "year": str(P.YEAR), "lang": lang})
    at.run()
    sign_in(at, P.USERNAME, PASSWORD)
    live: list[tuple[str, str, str, str]] = []
    missing: list[tuple[str, str]] = []
    # In English, staff pages only in Chinese: AppTest re-formats a select's value outside the script
    # run, where a format function that calls t() falls back to Chinese and the value is "not in list".
    for page in PUBLIC + (STAFF if lang == "zh" else []):
        at.query_params.update({"region": P.REGION, "year": str(P.YEAR), "annex": "3", "since": "2000-01-01",
                                "dept": P.DEPARTMENT, "project": P.KEY_SUBJECT, "q": P.KEY_SUBJECT[:6]})
        at.switch_page(f"../pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        texts = markdown_texts(at)
        live += [(page, *hit) for hit in live_payloads(texts)]
        # Each stored string the page shows through markdown, escaped; and the signed-in user's name in the sidebar.
        missing += [(page, stored[:40]) for stored in SHOWN.get(page, [])
                    if not any(plain(stored) in text for _k, text in texts)]
        if not any(plain(P.USERNAME) in text for kind, text in texts if kind == "caption"):
            missing.append((page, "signed-in user"))
    assert sorted({hit[:3] for hit in live}) == []
    assert missing == []


def test_upload_errors_quoting_payload_cells_and_file_name(monkeypatch: pytest.MonkeyPatch, payload_url: str) -> None:
    """The importer's messages quote the cell as typed (…的值“…”); the page shows them as text."""
    at = app(monkeypatch, payload_url)
    at.run()
    sign_in(at, P.USERNAME, PASSWORD)
    at.switch_page("../pages/upload.py").run()
    at.selectbox(key="upload_kind").select("evaluations").run()
    rows = [P.FILES["evaluations"][0],
            [P.KEY_SUBJECT, P.PAYLOADS[2], "# 未知单位 " + P.PAYLOADS[0], P.REGION, P.YEAR, P.PAYLOADS[1],
             P.PAYLOADS[3], None, P.EVALUATOR, "<img src=x onerror=alert(1)>", "是", P.SUMMARY]]
    at.get("file_uploader")[0].upload(P.FILE_NAME, P.xlsx(rows), XLSX).run()  # type: ignore[attr-defined]
    assert not at.exception, at.exception
    messages = next(d.value for d in at.dataframe if "说明" in d.value.columns)["说明"]
    assert any(f"的值“{P.PAYLOADS[1]}”" in m for m in messages)  # quoted verbatim, in a table cell
    assert live_payloads(markdown_texts(at)) == []
    at.switch_page("../pages/upload_history.py").run()
    assert not at.exception, at.exception
    assert live_payloads(markdown_texts(at)) == []


def test_user_names_in_messages_are_text(monkeypatch: pytest.MonkeyPatch, payload_url: str) -> None:
    at = app(monkeypatch, payload_url)
    at.run()
    sign_in(at, P.USERNAME, PASSWORD)
    name = "![x](http://evil.example/u.png)$\\frac{1}{2}$"
    for attempt in range(2):  # created, then refused as a duplicate: both messages name the user
        at.switch_page("../pages/users.py").run()
        at.text_input(key="users_new_name").input(name)
        at.text_input(key="users_new_password").input("a-long-enough-password")
        next(b for b in at.button if b.proto.is_form_submitter).click()
        at.run()
        assert not at.exception, at.exception
        shown = at.success if attempt == 0 else at.error
        assert any(plain(name) in e.value for e in shown), [e.value for e in shown]
        assert live_payloads(markdown_texts(at)) == []


def test_the_drafted_report_writes_payloads_as_text(payload_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """python-docx writes runs of text: the summary lands in the .docx as typed, with no hyperlink or picture."""
    import zipfile

    import docx

    from data_access.report import write_report

    out = tmp_path / "report.docx"
    with Session(make_engine(payload_url)) as session:
        assert write_report(session=session, year=P.YEAR, region=P.REGION, out=str(out)) == 0
    paragraphs = [p.text for p in docx.Document(str(out)).paragraphs]
    assert P.SUMMARY in paragraphs and any(P.KEY_SUBJECT in p for p in paragraphs)
    xml = zipfile.ZipFile(out).read("word/document.xml").decode()
    assert "<w:hyperlink" not in xml and "<w:drawing" not in xml and "<script" not in xml
