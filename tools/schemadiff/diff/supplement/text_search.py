"""Text search dictionaries and configurations: not in migra's model."""

from __future__ import annotations

import re

from ...inspect.catalog_model import Ref, Snapshot, TsConfiguration

# An option of pg_ts_dict.dictinitoption: `key = 'quoted value'` or `key = word`.
_OPTION_KEY = re.compile(r"(\w+)\s*=\s*(?:'(?:[^']|'')*'|[^,]*)")


def _option_keys(options: str | None) -> set[str]:
    return {key.lower() for key in _OPTION_KEY.findall(options or "")}


def _create_dictionary(ref: Ref, template: str, options: str | None) -> str:
    extra = f", {options}" if options else ""
    return f"CREATE TEXT SEARCH DICTIONARY {ref.qualified()} (TEMPLATE = {template}{extra});"


def _mappings(ref: Ref, had: TsConfiguration | None, want: TsConfiguration) -> list[str]:
    have = dict(had.mappings) if had is not None else {}
    wanted = dict(want.mappings)
    alter = f"ALTER TEXT SEARCH CONFIGURATION {ref.qualified()}"
    statements = []
    gone = sorted(have.keys() - wanted.keys())
    if gone:
        statements.append(f"{alter} DROP MAPPING IF EXISTS FOR {', '.join(gone)};")
    # Token types that share a dictionary list get one statement.
    by_dicts: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for alias, dicts in sorted(wanted.items()):
        if have.get(alias) != dicts:
            verb = "ALTER" if alias in have else "ADD"
            by_dicts.setdefault((verb, dicts), []).append(alias)
    for (verb, dicts), aliases in by_dicts.items():
        statements.append(f"{alter} {verb} MAPPING FOR {', '.join(aliases)} "
                          f"WITH {', '.join(dicts)};")
    return statements


def text_search(before: Snapshot, after: Snapshot) -> list[str]:
    """Dictionaries first (configurations map token types to them), then configurations."""
    statements = []
    for ref, (template, options) in sorted(after.ts_dictionaries.items()):
        old = before.ts_dictionaries.get(ref)
        if old == (template, options):
            continue
        if old is None or old[0] != template:  # the template cannot be altered
            if old is not None:
                statements.append(f"DROP TEXT SEARCH DICTIONARY {ref.qualified()};")
            statements.append(_create_dictionary(ref, template, options))
            continue
        # ALTER sets the options given and removes those named without a value.
        removed = sorted(_option_keys(old[1]) - _option_keys(options))
        settings = ", ".join(filter(None, [options, *removed]))
        statements.append(f"ALTER TEXT SEARCH DICTIONARY {ref.qualified()} ({settings});")
    for ref, want in sorted(after.ts_configurations.items()):
        had = before.ts_configurations.get(ref)
        if had == want:
            continue
        if had is None or had.parser != want.parser:  # the parser cannot be altered
            if had is not None:
                statements.append(f"DROP TEXT SEARCH CONFIGURATION {ref.qualified()};")
            statements.append(f"CREATE TEXT SEARCH CONFIGURATION {ref.qualified()} "
                              f"(PARSER = {want.parser});")
            had = None
        statements += _mappings(ref, had, want)
    return statements


def dropped_text_search(before: Snapshot, after: Snapshot) -> list[str]:
    """DROP for text search configurations, then dictionaries, no longer declared."""
    configurations = sorted(before.ts_configurations.keys() - after.ts_configurations.keys())
    dictionaries = sorted(before.ts_dictionaries.keys() - after.ts_dictionaries.keys())
    return ([f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {r.qualified()};" for r in configurations]
            + [f"DROP TEXT SEARCH DICTIONARY IF EXISTS {r.qualified()};" for r in dictionaries])
