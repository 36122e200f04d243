"""Finding the UI's messages, to keep the translation catalogs complete (tests and maintainers).

Messages are the string constants passed to ``_()`` and ``ngettext()`` in the templates (read
with Jinja's own parser) and to ``N_()`` in this package's Python modules (read with ``ast``).
``python -m zhengming.entrypoints.web.messages`` rewrites the Chinese catalog: new messages are
added untranslated, unused ones removed, existing translations kept.
"""

from __future__ import annotations

import ast
from pathlib import Path

from jinja2.ext import extract_from_ast

from zhengming.entrypoints.web.i18n import parse_po, po_path
from zhengming.entrypoints.web.rendering import TEMPLATES, build_templates

PACKAGE = Path(__file__).resolve().parent
_HEADER = (
    "Project-Id-Version: zhengming\n"
    "Language-Team: zh_CN\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "Language: zh_CN\n"
    "Plural-Forms: nplurals=1; plural=0;\n"
)


def extract_messages() -> dict[str, list[str]]:
    """Every message the UI shows -> the files using it (no line numbers: they would churn).

    Plural messages are keyed as gettext keys them: ``singular\\0plural``.
    """
    found: dict[str, list[str]] = {}
    environment = build_templates()
    for template in sorted(TEMPLATES.rglob("*.html")):
        source = template.read_text(encoding="utf-8")
        tree = environment.parse(source)
        for _line, _function, message in extract_from_ast(
            tree, gettext_functions=("_", "ngettext"), babel_style=False
        ):
            strings = message if isinstance(message, tuple) else (message,)
            texts = [text for text in strings if isinstance(text, str)]
            if texts:
                key = "\0".join(texts[:2])
                found.setdefault(key, []).append(str(template.relative_to(PACKAGE)))
    for module in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "N_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.setdefault(node.args[0].value, []).append(module.name)
    return found


def render_po(translations: dict[str, str], used: dict[str, list[str]]) -> str:
    """The Chinese catalog for the messages ``used``, with the ``translations`` known."""
    lines = [
        "# Chinese (Simplified) messages of the zhengming web UI.",
        "# Update with: python -m zhengming.entrypoints.web.messages",
        'msgid ""',
        'msgstr ""',
        *(f'"{_quote(line)}\\n"' for line in _HEADER.splitlines()),
        "",
    ]
    for key in sorted(used, key=lambda k: (used[k][0], k)):
        lines.append("#: " + " ".join(dict.fromkeys(used[key])))
        singular, _, plural = key.partition("\0")
        lines.append(f'msgid "{_quote(singular)}"')
        if plural:
            lines.append(f'msgid_plural "{_quote(plural)}"')
            lines.append(f'msgstr[0] "{_quote(translations.get(key, ""))}"')
        else:
            lines.append(f'msgstr "{_quote(translations.get(key, ""))}"')
        lines.append("")
    return "\n".join(lines)


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def main() -> None:
    path = po_path("zh_CN")
    known = parse_po(path.read_text(encoding="utf-8")) if path.exists() else {}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_po(known, extract_messages()), encoding="utf-8")
    missing = [key for key in extract_messages() if not known.get(key)]
    print(f"{path}: {len(missing)} messages without a translation")


if __name__ == "__main__":
    main()
