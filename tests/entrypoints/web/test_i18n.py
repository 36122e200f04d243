"""Chinese first, English on request: the catalogs are complete and the switch works."""

from __future__ import annotations

import gettext
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.entrypoints.web.conftest import Browser, text_of
from zhengming.domain.customer import CustomerStatus, CustomerType, NameType
from zhengming.domain.matching import Decision
from zhengming.domain.matching.comparisons import LEVELS
from zhengming.domain.names import NameKind
from zhengming.domain.names.rules import Severity
from zhengming.entrypoints.web import labels
from zhengming.entrypoints.web.i18n import (
    catalog,
    compile_mo,
    parse_po,
    po_path,
    translator,
)
from zhengming.entrypoints.web.messages import extract_messages, render_po


def test_every_message_has_a_chinese_translation_and_none_is_unused() -> None:
    used = extract_messages()
    translated = {
        key: value for key, value in parse_po(po_path("zh_CN").read_text()).items() if key
    }
    missing = sorted(set(used) - set(translated))
    unused = sorted(set(translated) - set(used))
    assert not missing, (
        f"run python -m zhengming.entrypoints.web.messages, then translate: {missing}"
    )
    assert not unused, f"run python -m zhengming.entrypoints.web.messages: {unused}"


def test_the_catalog_file_is_as_the_update_command_writes_it() -> None:
    path = po_path("zh_CN")
    assert path.read_text(encoding="utf-8") == render_po(
        parse_po(path.read_text()), extract_messages()
    )


def test_placeholders_survive_translation() -> None:
    for key, value in parse_po(po_path("zh_CN").read_text()).items():
        if not key:
            continue
        for source, target in zip(key.split("\0")[:1], value.split("\0")[:1], strict=True):
            assert sorted(_placeholders(source)) == sorted(_placeholders(target)), key


def _placeholders(text: str) -> list[str]:
    return re.findall(r"%\(\w+\)s", text)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
def test_the_in_memory_compiler_agrees_with_msgfmt(tmp_path: Path) -> None:
    mo = tmp_path / "zh.mo"
    subprocess.run(["msgfmt", "-o", str(mo), str(po_path("zh_CN"))], check=True)
    with mo.open("rb") as file:
        reference = gettext.GNUTranslations(file)
    ours = catalog("zh_CN")
    assert isinstance(ours, gettext.GNUTranslations)
    for key, value in parse_po(po_path("zh_CN").read_text()).items():
        if key and "\0" not in key:
            assert ours.gettext(key) == reference.gettext(key) == value


def test_parse_po_reads_plurals_escapes_and_skips_fuzzy() -> None:
    po = "\n".join(
        [
            'msgid ""',
            'msgstr ""',
            '"Content-Type: text/plain; charset=UTF-8\\n"',
            '"Plural-Forms: nplurals=1; plural=0;\\n"',
            "",
            "#, fuzzy",
            'msgid "Maybe"',
            'msgstr "也许"',
            "",
            'msgid "%(n)s item"',
            'msgid_plural "%(n)s items"',
            'msgstr[0] "%(n)s 项"',
            "",
            'msgid "Say \\"hi\\""',
            'msgstr ""',
            '"说\\"你好\\""',
            "",
            'msgid "Untranslated"',
            'msgstr ""',
        ]
    )
    messages = parse_po(po)
    assert "Maybe" not in messages
    assert "Untranslated" not in messages
    assert messages["%(n)s item\0%(n)s items"] == "%(n)s 项"
    assert messages['Say "hi"'] == '说"你好"'
    translations = gettext.GNUTranslations(io.BytesIO(compile_mo(messages)))
    assert translations.ngettext("%(n)s item", "%(n)s items", 5) == "%(n)s 项"


@pytest.mark.parametrize("bad", ['msgctxt "x"\nmsgid "a"\nmsgstr "b"', 'msgid "a"\n"b', "msgid a"])
def test_parse_po_refuses_what_it_does_not_understand(bad: str) -> None:
    with pytest.raises(ValueError, match="line"):
        parse_po(bad)


def test_translations_escape_values_but_not_the_catalog() -> None:
    chinese = translator("zh_CN")
    assert chinese.gettext("Customers") == "客户"
    assert str(chinese.gettext("owner: %(owner)s", owner="<b>")) == "负责人：&lt;b&gt;"
    assert str(chinese.ngettext("%(n)s customer", "%(n)s customers", 2)) == "共 2 个客户"
    english = translator("en")
    assert str(english.ngettext("%(n)s customer", "%(n)s customers", 1)) == "1 customer"
    assert str(english.ngettext("%(n)s customer", "%(n)s customers", 2)) == "2 customers"
    assert translator("fr").lang == "zh_CN"


@pytest.mark.parametrize(
    ("table", "codes"),
    [
        (labels.STATUS, [member.value for member in CustomerStatus]),
        (labels.TYPE, [member.value for member in CustomerType]),
        (labels.NAME_TYPE, [member.value for member in NameType]),
        (labels.KIND, [member.value for member in NameKind]),
        (labels.DECISION, [member.value for member in Decision]),
        (labels.SEVERITY, [member.value for member in Severity]),
    ],
)
def test_every_code_has_a_label(table: dict[str, str], codes: list[str]) -> None:
    assert sorted(table) == sorted(codes)


def test_every_evidence_level_that_can_count_has_a_reason() -> None:
    expected = {
        (comparison, level)
        for comparison, levels in LEVELS.items()
        for level in levels
        if level not in ("missing", "none")
    }
    assert set(labels.EVIDENCE) == expected


def test_chinese_is_the_default_and_english_is_one_click_away(browser: Browser) -> None:
    page = browser.get("/customers")
    assert '<html lang="zh-CN">' in page.text
    assert "新建客户" in page.text
    switch = 'href="/lang/en?next=%2Fcustomers%3Fq%3D%25E5%25AD%2597"'
    assert switch in browser.get("/customers?q=%E5%AD%97").text

    response = browser.get("/lang/en", params={"next": "/customers?q=字"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/customers?q=%E5%AD%97"
    assert "lang=en" in response.headers["set-cookie"]
    english = browser.get("/customers")
    assert '<html lang="en">' in english.text
    assert "New customer" in english.text
    assert 'href="/lang/zh_CN?next=%2Fcustomers"' in english.text

    browser.get("/lang/zh_CN", params={"next": "/customers"})
    assert "新建客户" in browser.get("/customers").text


def test_the_login_page_switches_too(anonymous: Browser) -> None:
    assert "用户名" in anonymous.get("/login").text
    anonymous.get("/lang/en", params={"next": "/login"})
    assert "Username" in text_of(anonymous.get("/login").text)


def test_an_unknown_language_or_a_foreign_next_changes_nothing(browser: Browser) -> None:
    response = browser.get(
        "/lang/xx", params={"next": "https://evil.example/"}, follow_redirects=False
    )
    assert response.headers["location"] == "/"
    assert "set-cookie" not in response.headers


def test_english_pages_show_service_messages_in_english(browser: Browser) -> None:
    browser.client.cookies.set("lang", "en")
    response = browser.get("/customers/C000000-999999")
    assert "no such customer" in text_of(response.text)
    assert "客户不存在" not in text_of(response.text)
