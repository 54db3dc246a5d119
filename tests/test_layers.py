"""Data flows one way (README, "Development"): `slack/` → domain → `starleads/` and `store/`.

Read from the source with `ast`, so a stray import fails here rather than in review: the Slack side
reaches the store and the webhooks only through the domain, the store imports nothing above it (but the
caches' one piece, `bot.caching`, which imports nothing of the bot), and other packages use the store
through its public face (`bot.store`), never its modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "bot"


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[str]:
    """Every module `path` imports, at its top or inside a function, relative imports resolved."""
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            yield ".".join(part for part in (base, node.module or "") if part)


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _violations(importer_in: str, forbidden: tuple[str, ...], allowed: str = "") -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = _module(path)
        if not _within(importer, importer_in):
            continue
        for imported in _imports(path):
            if any(_within(imported, package) for package in forbidden) and imported != allowed:
                found.append(f"{importer} imports {imported}")
    return found


def test_the_slack_side_reaches_the_store_and_the_webhooks_only_through_the_domain() -> None:
    assert _violations("bot.slack", ("bot.store", "bot.webhooks")) == []


def test_the_store_imports_nothing_above_it() -> None:
    outside_the_store = [
        violation
        for violation in _violations("bot.store", ("bot",), allowed="bot.caching")
        if not violation.split(" imports ")[1].startswith("bot.store")
    ]
    assert outside_the_store == []


def test_the_caches_piece_imports_nothing_of_the_bot() -> None:
    """bot.caching sits under the store and the domain alike."""
    assert _violations("bot.caching", ("bot",)) == []


def test_other_packages_use_the_store_through_its_public_face() -> None:
    reaching_in = [
        violation
        for violation in _violations("bot", ("bot.store",), allowed="bot.store")
        if not violation.startswith("bot.store")
    ]
    assert reaching_in == []


def test_the_domain_knows_neither_slack_nor_http() -> None:
    """Campaigns, schedules, call results and workspaces decide; Slack, the web server and HTTP only carry."""
    outside = ("bot.slack", "bot.webhooks", "bot.server", "bot.wiring", "slack_sdk", "slack_bolt")
    transport = ("starlette", "uvicorn", "httpx", "aiohttp")
    assert [
        violation
        for domain in ("bot.campaigns", "bot.schedule", "bot.call_results", "bot.workspaces")
        for violation in _violations(domain, outside + transport)
    ] == []


def test_the_languages_import_nothing_of_the_bot() -> None:
    """bot.i18n sits under everything that speaks, so anything may use it without a cycle."""
    assert _violations("bot.i18n", ("bot",)) == []
