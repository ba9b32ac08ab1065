"""Hostile inputs (issue 17): bad input never passes as a result.

A corpus of bad scenarios, options, paths, dates, data files and stores, each run through the CLI (typer's
CliRunner, in a fresh tmp_path as the working folder) and checked for: the exit code (2 for what the user gave,
1 for the environment), one sentence on stderr that names the field or option and the value, no traceback, no
"unexpected", no file written or changed and the run store unchanged. Then a hypothesis fuzz that mutates the
presets' TOML, the store's kill -9 regression, Ctrl-C (SIGINT) on a long run, a run too large for the machine,
and names with terminal escape codes.
"""

from __future__ import annotations

import copy
import errno
import hashlib
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import synthetic_chain_rows, write_chain_csv
from hashpivot.cli import app
from hashpivot.cli.common import EXIT_BAD_INPUT, EXIT_FAILURE, classify_error, printable
from hashpivot.scenarios.toml import load_preset

CHILD_TIMEOUT_S = 120
#: Presets whose TOML the corpus and the fuzz mutate: the default company, RM1 (sell_above_average), the AI
#: pivot (capacity conversions, projects) and a company preset (reported production, ownership).
MUTATED_PRESETS = ("default", "rm1", "ai_pivot", "hut8_2024q2")
SHORT = {"horizon_days": 60, "n_paths": 8, "store_paths": 8, "chunk_paths": 8}


@pytest.fixture(scope="module")
def store_template(tmp_path_factory) -> Path:
    """A run store holding one run (made once; each case works on a copy)."""
    from hashpivot import api
    from hashpivot.analysis.fan import fan_frame
    from hashpivot.io.store import RunStore
    from store_helpers import tiny_result

    path = tmp_path_factory.mktemp("template") / "runs.duckdb"
    result = tiny_result()
    RunStore(path).save_run(result, fan_frame(result.dataset), name="kept")
    assert api  # the facade is importable in the child processes too
    return path


def short_dict(preset: str) -> dict[str, Any]:
    """A preset as a plain dict, cut to 60 days and 8 paths (conversions moved inside the horizon)."""
    data = load_preset(preset).model_dump(mode="python", exclude_none=True)
    data["run"].update(SHORT)
    for plan in [data["policy"]["capacity"], *data.get("compare_capacity", [])]:
        for step in plan.get("conversions", [plan]):
            if "day" in step:
                step["day"] = min(step["day"], 30)
    return data


def write_toml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the hash of its bytes (what a case must leave unchanged)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- the corpus -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A CLI call that must fail: ``args`` (with {tmp}, {store}, {file}, {data}, {scenario}, {bad_store}
    filled in), the exit code, the words its sentence must hold, and an optional setup (monkeypatch)."""

    id: str
    args: tuple[str, ...]
    code: int = EXIT_BAD_INPUT
    words: tuple[str, ...] = ()
    scenario: dict[str, Any] | str | None = None
    setup: Callable[[pytest.MonkeyPatch], None] | None = None
    env: dict[str, str] = field(default_factory=dict)


def _leaves(data: Any, prefix: tuple = ()) -> list[tuple[tuple, Any]]:
    """(path, value) of every scalar leaf of a nested dict/list."""
    if isinstance(data, dict):
        return [leaf for k, v in data.items() for leaf in _leaves(v, (*prefix, k))]
    if isinstance(data, list):
        return [leaf for i, v in enumerate(data) for leaf in _leaves(v, (*prefix, i))]
    return [(prefix, data)]


def _set(data: dict[str, Any], path: tuple, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node = out
    for part in path[:-1]:
        node = node[part]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


_DELETE = object()
#: A valid debt tranche that the structure cases break one field at a time.
_TRANCHE = {"name": "n1", "kind": "note", "principal_usd": 1e6, "rate_per_year": 0.05, "maturity_date": "2030-01-01"}
#: Bad numbers: TOML writes inf and nan as such; 1e308 and -1e308 are past every bound; text is the wrong type.
BAD_NUMBERS = (math.inf, -math.inf, math.nan, 1e308, -1e308, "lots")


def _field_cases() -> list[Case]:
    """Every numeric field of the mutated presets with every bad number: 6 cases a field, deduplicated by the
    dotted path."""
    cases, seen = [], set()
    for preset in MUTATED_PRESETS:
        data = short_dict(preset)
        for path, value in _leaves(data):
            dotted = ".".join(str(p) for p in path)
            if isinstance(value, bool) or not isinstance(value, int | float) or dotted in seen:
                continue
            seen.add(dotted)
            for bad in BAD_NUMBERS:
                cases.append(Case(f"{preset}:{dotted}={bad}", ("run", "{scenario}", "--store", "{store}"),
                                  words=(dotted, repr(bad)), scenario=_set(data, path, bad)))
    return cases


def _structure_cases() -> list[Case]:
    """Missing tables and keys, unknown keys, unknown kinds, wrong types of tables, bad dates and text."""
    base = short_dict("default")
    run = ("run", "{scenario}", "--store", "{store}")
    edits = [
        ("no company", ("company",), _DELETE, ("company", "required")),
        ("no run", ("run",), _DELETE, ("run", "required")),
        ("no market", ("market",), _DELETE, ("market", "required")),
        ("no btc price", ("market", "btc_price"), _DELETE, ("market.btc_price", "required")),
        ("no sites", ("company", "sites"), _DELETE, ("company.sites", "required")),
        ("no fleets", ("company", "fleets"), _DELETE, ("company.fleets", "required")),
        ("empty sites", ("company", "sites"), [], ("company.sites", "[]")),
        ("no start date", ("run", "start_date"), _DELETE, ("run.start_date", "required")),
        ("extra top key", ("surprise",), 1, ("surprise", "unknown key")),
        ("misspelt run key", ("run", "n_path"), 5, ("run.n_path", "unknown key")),
        ("misspelt fleet key", ("company", "fleets", 0, "hashrate"), 5, ("company.fleets.0.hashrate", "unknown key")),
        ("price kind", ("market", "btc_price", "kind"), "levy", ("market.btc_price", "'levy'")),
        ("treasury kind", ("policy", "treasury", "kind"), "yolo", ("policy.treasury", "'yolo'")),
        ("company as text", ("company",), "acme", ("company", "'acme'")),
        ("sites as number", ("company", "sites"), 3, ("company.sites", "3")),
        ("start date 9999", ("run", "start_date"), "9999-12-31", ("run.start_date", "9999-12-31")),
        ("start date 1999", ("run", "start_date"), "1999-01-01", ("run.start_date", "1999-01-01")),
        ("start date text", ("run", "start_date"), "yesterday", ("run.start_date", "'yesterday'")),
        ("start date 02-30", ("run", "start_date"), "2024-02-30", ("run.start_date", "'2024-02-30'")),
        ("cooling kind", ("company", "sites", 0, "cooling"), "lava", ("company.sites.0.cooling", "'lava'")),
        ("fleet on no site", ("company", "fleets", 0, "site"), "nowhere", ("company.fleets", "'nowhere'")),
        ("empty site name", ("company", "sites", 0, "name"), "", ("company.sites.0.name", "''")),
        ("n_paths 0", ("run", "n_paths"), 0, ("run.n_paths", "0")),
        ("horizon 0", ("run", "horizon_days"), 0, ("run.horizon_days", "0")),
        # TOML's true would be read as the number 1 (a one-day horizon, a 1 MW site)
        ("horizon true", ("run", "horizon_days"), True, ("run", "horizon_days=true is a boolean")),
        ("site MW true", ("company", "sites", 0, "power_mw"), True, ("company.sites.0", "power_mw=true")),
        ("fleet name false", ("company", "fleets", 0, "name"), False, ("company.fleets.0", "name=false")),
        ("horizon 200 years", ("run", "horizon_days"), 73_000, ("run.horizon_days", "73000")),
        ("seed negative", ("run", "seed"), -1, ("run.seed", "-1")),
        ("ownership above 1", ("company", "ownership_frac"), {"mining": 1.5}, ("ownership_frac", "1.5")),
        ("ownership inf", ("company", "ownership_frac"), {"mining": math.inf}, ("ownership_frac", "inf")),
        ("shares 1e-300", ("company", "shares_outstanding"), 1e-300, ("shares_outstanding", "1e-300")),
        ("btc above the supply", ("company", "btc_held"), 22e6, ("company.btc_held", "22000000.0")),
        ("covenant with no metric", ("company", "covenants"), [{"threshold": 1e6}],
         ("company.covenants", "no metric", "min_liquidity_usd")),
        ("covenant metric unknown", ("company", "covenants"), [{"metric": "ebitda", "threshold": 1.0}],
         ("company.covenants.0.metric", "'ebitda'")),
        ("maturity before the start", ("company", "debt"), [_TRANCHE | {"maturity_date": "2020-01-01"}],
         ("company.debt.n1.maturity_date", "2020-01-01", "run.start_date")),
        ("negative principal", ("company", "debt"), [_TRANCHE | {"principal_usd": -5.0}],
         ("company.debt.0.principal_usd", "-5.0")),
        ("fleet price new negative", ("company", "fleets", 0, "price_new_usd_per_th"), -3.0,
         ("company.fleets.0.price_new_usd_per_th", "-3.0", "greater than or equal to 0")),
        ("fleet older than 20 years", ("company", "fleets", 0, "age_years"), 25.0,
         ("company.fleets.0.age_years", "25.0", "less than or equal to 20")),
    ]
    cases = [Case(f"structure:{name}", run, words=words, scenario=_set(base, path, value))
             for name, path, value, words in edits]
    # A lease's lease-up and vacancy (ai_pivot's CoreWeave lease): occupancy in (0, 1], initial <= stabilised,
    # whole days >= 0, a renewal probability in [0, 1].
    pivot = short_dict("ai_pivot")
    project = ("compare_capacity", 0, "project")
    dotted = "compare_capacity.0.project"
    lease_edits = [
        ("occupancy 0", "initial_occupancy_frac", 0.0, ("initial_occupancy_frac", "0.0", "greater than 0")),
        ("occupancy above 1", "stabilised_occupancy_frac", 1.2, ("stabilised_occupancy_frac", "1.2")),
        ("lease-up negative", "lease_up_days", -30, ("lease_up_days", "-30")),
        ("re-let lease-up negative", "relet_lease_up_days", -1, ("relet_lease_up_days", "-1")),
        ("renewal above 1", "renewal_prob", 1.5, ("renewal_prob", "1.5")),
    ]
    cases += [Case(f"lease:{name}", run, words=(f"{dotted}.{words[0]}", *words[1:]),
                   scenario=_set(pivot, (*project, key), value)) for name, key, value, words in lease_edits]
    falling = _set(_set(pivot, (*project, "initial_occupancy_frac"), 0.9), (*project, "stabilised_occupancy_frac"), 0.5)
    cases.append(Case("lease:initial above stabilised", run, scenario=falling,
                      words=(dotted, "initial_occupancy_frac=0.9", "stabilised_occupancy_frac=0.5", "allowed")))
    bootstrap = _set(base, ("market", "btc_price"), {"kind": "bootstrap", "start_usd": 64000.0, "since": "2024-03-01"})
    data_run = ("run", "{scenario}", "--store", "{store}", "--data", "{data}")
    for since, words in (("yesterday", ("since", "'yesterday'")), ("2024-02-30", ("since", "'2024-02-30'")),
                         ("1999-01-01", ("since", "1999-01-01")), ("2030-01-01", ("since", "2030-01-01")),
                         ("2024-04-25", ("since", "2024-04-25", "block_days")), (20240301, ("since", "20240301"))):
        cases.append(Case(f"bootstrap since={since}", data_run, words=words,
                          scenario=_set(bootstrap, ("market", "btc_price", "since"), since)))
    for name, text, words in (("not toml", "run = [", ("not valid TOML",)), ("empty file", "", ("required",)),
                              ("binary", "\x00\x01\x02", ("not valid TOML",))):
        cases.append(Case(f"file:{name}", run, words=words, scenario=text))
    return cases


def _option_cases() -> list[Case]:
    """Bad options and paths of every command that takes them."""
    st_ = ("--store", "{store}")
    out_cmds = {
        "run": ("run", "default", "--paths", "8", *st_),
        "compare": ("compare", "default", "--paths", "8", *st_),
        "report": ("report", "1", "--format", "csv", *st_),
        "calibrate": ("calibrate", "--data", "{data}", "--since", "2024-03-01"),
        "hashprice": ("hashprice", "--data", "{data}"),
    }
    cases = []
    for cmd, args in out_cmds.items():
        cases.append(Case(f"{cmd} --out a file", (*args, "--out", "{file}"), words=("--out", "{file}", "is a file")))
        cases.append(Case(f"{cmd} --out under a file", (*args, "--out", "{file}/sub/dir"),
                          words=("--out", "{file}/sub/dir", "under the file")))
    for cmd in ("run", "compare"):
        for flag, value, words in (("--paths", "0", ("--paths", "0")), ("--paths", "-5", ("--paths", "-5")),
                                   ("--paths", "1000000000", ("--paths", "1000000000")),
                                   ("--seed", "-1", ("--seed", "-1")),
                                   ("--stress", "meteor", ("stress", "'meteor'")),
                                   ("--store", "{tmp}", ("run store", "{tmp}")),
                                   ("--store", "{file}/runs.duckdb", ("{file}",)),
                                   ("--data", "{tmp}/missing.csv", ("missing.csv",))):
            base = (cmd, "default", "--paths", "8", "--store", "{store}")
            if flag == "--data":
                base = (cmd, "{scenario}", "--store", "{store}")
            cases.append(Case(f"{cmd} {flag} {value}", (*base, flag, value), words=words,
                              scenario=_set(short_dict("default"), ("market", "btc_price"),
                                            {"kind": "bootstrap", "start_usd": 64000.0}) if flag == "--data" else None))
    cases.append(Case("compare --policy unknown", ("compare", "default", "--paths", "8", *st_, "--policy", "yolo"),
                      words=("policy", "'yolo'")))
    cases.append(Case("run scenario unknown", ("run", "no_such_preset", *st_), words=("scenario", "'no_such_preset'")))
    replay = ("replay", "--company", "default", "--data", "{data}")
    for date_from, date_to, words in (("2024-02-30", "2024-03-10", ("--from", "2024-02-30")),
                                      ("yesterday", "2024-03-10", ("--from", "yesterday")),
                                      ("2024", "2024-03-10", ("--from", "2024")),
                                      ("2024-03-05", "tomorrow", ("--to", "tomorrow")),
                                      ("2024-03-10", "2024-03-05", ("--to", "2024-03-05", "before")),
                                      ("2019-01-01", "2019-02-01", ("2019-01-01",))):
        cases.append(Case(f"replay {date_from}..{date_to}", (*replay, "--from", date_from, "--to", date_to), words=words))
    for args, words in ((("hashprice", "--data", "{data}", "--from", "2024-02-30"), ("--from", "2024-02-30")),
                        (("calibrate", "--data", "{data}", "--since", "someday"), ("--since", "someday")),
                        (("runs", "show", "999", *st_), ("run 999",)), (("runs", "show", "x1", *st_), ("'x1'",)),
                        (("runs", "delete", "999", *st_), ("run 999",)), (("runs", "list", "--limit", "0", *st_),
                                                                          ("--limit", "0")),
                        (("runs", "diff", "1", "42", *st_), ("run 42",)),
                        (("report", "1", "--format", "pdf", *st_), ("--format", "pdf")),
                        (("margins", "--rent-drop", "1.5"), ("--rent-drop", "1.5"))):
        cases.append(Case(f"option {' '.join(args[:3])}", args, words=words))
    return cases


def _data_and_store_cases() -> list[Case]:
    """Bad chain tables (cut off, wrong content) and a damaged (truncated) store under every command."""
    cases = []
    for name, words in (("cut", ("cut off", "{bad_data}")), ("text", ("price_usd", "'cheap'")),
                        ("nocolumn", ("hashrate_ehs",)), ("empty", ("{bad_data}",))):
        for cmd in (("hashprice", "--data", "{bad_data}"), ("replay", "--company", "default", "--data", "{bad_data}",
                                                            "--from", "2024-03-02", "--to", "2024-03-20")):
            cases.append(Case(f"data {name} {cmd[0]}", cmd, words=words, env={"BAD_DATA": name}))
    bad = ("--store", "{bad_store}")
    for args in (("runs", "list"), ("runs", "show", "1"), ("runs", "delete", "1"), ("runs", "diff", "1", "1"),
                 ("report", "1", "--format", "csv"), ("run", "default", "--paths", "8"),
                 ("compare", "default", "--paths", "8"), ("runs", "check")):
        cases.append(Case(f"damaged store {' '.join(args[:2])}", (*args, *bad),
                          words=("{bad_store}", "damaged" if args[1] in ("check",) else "run store")))
    return cases


def _environment_cases() -> list[Case]:
    """Faults of the environment: exit 1 with a sentence, never 'unexpected'."""
    def raising(exc: Exception) -> Callable[[pytest.MonkeyPatch], None]:
        def setup(monkeypatch: pytest.MonkeyPatch) -> None:
            def boom(*args, **kwargs):
                raise exc
            monkeypatch.setattr("hashpivot.report.write_hashprice_charts", boom)
        return setup

    args = ("hashprice", "--data", "{data}", "--out", "{tmp}/charts")
    return [
        Case("env disk full", args, EXIT_FAILURE, ("disk full", "charts"),
             setup=raising(OSError(errno.ENOSPC, "No space left on device", "charts/hashprice.html"))),
        Case("env permission", args, EXIT_FAILURE, ("permission denied", "charts"),
             setup=raising(PermissionError(errno.EACCES, "Permission denied", "charts/hashprice.html"))),
        Case("env read-only fs", args, EXIT_FAILURE, ("charts", "Read-only"),
             setup=raising(OSError(errno.EROFS, "Read-only file system", "charts/hashprice.html"))),
        Case("env network", args, EXIT_FAILURE, ("network", "refused"),
             setup=raising(ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"))),
        Case("env timeout", args, EXIT_FAILURE, ("network", "timed out"),
             setup=raising(TimeoutError(errno.ETIMEDOUT, "timed out"))),
    ]


CORPUS = [*_field_cases(), *_structure_cases(), *_option_cases(), *_data_and_store_cases(), *_environment_cases()]


def _bad_data(kind: str, folder: Path) -> Path:
    rows = synthetic_chain_rows()
    path = write_chain_csv(folder / "bad.csv", rows)
    text = path.read_text()
    if kind == "cut":
        path.write_text(text.rstrip("\n")[:-3])
    elif kind == "text":
        rows[5]["price_usd"] = "cheap"
        write_chain_csv(path, rows)
    elif kind == "nocolumn":
        write_chain_csv(path, rows, tuple(c for c in rows[0] if c != "hashrate_ehs"))
    elif kind == "empty":
        path.write_text("")
    return path


def _fill(text: str, names: dict[str, str]) -> str:
    for key, value in names.items():
        text = text.replace("{" + key + "}", value)
    return text


def test_the_corpus_is_large_and_covers_every_class():
    ids = [c.id for c in CORPUS]
    assert len(ids) == len(set(ids))
    assert len(CORPUS) >= 120
    for prefix in ("default:", "rm1:", "ai_pivot:", "hut8_2024q2:", "structure:", "bootstrap", "file:", "replay",
                   "damaged store", "data cut", "env "):
        assert any(i.startswith(prefix) for i in ids), prefix
    assert any("--out under a file" in i for i in ids) and any("--paths" in i for i in ids)


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_hostile_input_is_refused_in_one_sentence_and_writes_nothing(case, tmp_path, store_template, monkeypatch):
    monkeypatch.chdir(tmp_path)  # default output folders (reports/run-ID) would land here and be seen
    store = tmp_path / "runs.duckdb"
    shutil.copy(store_template, store)
    bad_store = tmp_path / "damaged.duckdb"
    bad_store.write_bytes(store_template.read_bytes()[: 2 * 2**18 + 4096])
    (tmp_path / "afile").write_text("x")
    data = write_chain_csv(tmp_path / "chain.csv", synthetic_chain_rows())
    names = {"tmp": str(tmp_path), "store": str(store), "file": str(tmp_path / "afile"), "data": str(data),
             "scenario": str(tmp_path / "scenario.toml"), "bad_store": str(bad_store)}
    if case.env.get("BAD_DATA"):
        names["bad_data"] = str(_bad_data(case.env["BAD_DATA"], tmp_path))
    if isinstance(case.scenario, dict):
        write_toml(tmp_path / "scenario.toml", case.scenario)
    elif isinstance(case.scenario, str):
        (tmp_path / "scenario.toml").write_text(case.scenario, encoding="utf-8")
    if case.setup:
        case.setup(monkeypatch)
    before = tree(tmp_path)
    result = CliRunner().invoke(app, [_fill(a, names) for a in case.args])
    message = " ".join(result.stderr.split())
    assert result.exit_code == case.code, (result.exit_code, result.output)
    assert message.startswith("error: ") and message.count("error: ") == 1, result.stderr
    assert "Traceback" not in result.output and "unexpected" not in result.output
    for word in case.words:
        assert _fill(word, names) in message, (word, message)
    assert tree(tmp_path) == before, "a file was written or changed"


def test_a_run_name_with_escape_codes_is_stored_as_given_and_printed_without_them(tmp_path):
    from hashpivot.io.store import RunStore

    store = tmp_path / "runs.duckdb"
    name = "\x1b[31mred\x1b[0m\x07[bold]x[/bold]\r"
    runner = CliRunner(env={"COLUMNS": "300"})  # wide enough that rich does not cut the name
    made = runner.invoke(app, ["run", "default", "--paths", "8", "--store", str(store), "--name", name])
    assert made.exit_code == 0, made.output
    assert RunStore(store).list_runs()[0].name == name
    listed = runner.invoke(app, ["runs", "list", "--store", str(store)])
    shown = runner.invoke(app, ["runs", "show", "1", "--store", str(store)])
    for out in (listed, shown):
        assert out.exit_code == 0, out.output
        assert not any(ch in out.output for ch in "\x1b\x07\r")
        assert "\\x1b" in out.output and "[bold]x[/bold]" in out.output.replace("\n", "")
    assert printable("a\x1bb\tc\n") == "a\\x1bb\tc\n"


@pytest.mark.parametrize(("exc", "code", "words"), [
    (FileExistsError(errno.EEXIST, "File exists", "out"), EXIT_BAD_INPUT, ("'out'", "File exists")),
    (NotADirectoryError(errno.ENOTDIR, "Not a directory", "a/b"), EXIT_BAD_INPUT, ("'a/b'",)),
    (PermissionError(errno.EACCES, "Permission denied", "f"), EXIT_FAILURE, ("permission denied", "'f'")),
    (OSError(errno.ENOSPC, "No space left on device", "f"), EXIT_FAILURE, ("disk full", "'f'")),
    (ConnectionResetError(errno.ECONNRESET, "reset"), EXIT_FAILURE, ("network",)),
    (ZeroDivisionError("division by zero"), EXIT_FAILURE, ("unexpected ZeroDivisionError",)),
])
def test_errors_map_to_exit_codes_and_sentences(exc, code, words):
    got, text = classify_error(exc)
    assert got == code
    for word in words:
        assert word in text
    assert ("unexpected" in text) == isinstance(exc, ZeroDivisionError)


# --- the fuzz -------------------------------------------------------------------------------------------

_SCENARIO_WORDS = re.compile(r"\b(run|market|company|policy|compare|compare_capacity)\b|path \d+")


@st.composite
def mutations(draw):
    preset = draw(st.sampled_from(MUTATED_PRESETS))
    data = short_dict(preset)
    tables = [(p, v) for p, v in _leaves(data)] + [((k,), data[k]) for k in data]
    path, value = draw(st.sampled_from(tables))
    how = draw(st.sampled_from(["type", "sign", "magnitude", "delete", "extra"]))
    if how == "type":
        new = draw(st.sampled_from(["text", True, [1, 2], {"x": 1}, 3, 2.5, "2024-01-01"]))
        data = _set(data, path, new)
    elif how == "sign" and isinstance(value, int | float) and not isinstance(value, bool):
        data = _set(data, path, -value if value else -1)
    elif how == "magnitude" and isinstance(value, int | float) and not isinstance(value, bool):
        scale = 10.0 ** draw(st.integers(-300, 300))
        new = value * scale if value else scale
        data = _set(data, path, int(new) if isinstance(value, int) and abs(new) < 2**63 else new)
    elif how == "delete":
        data = _set(data, path, _DELETE)
    else:
        data = _set(data, (*path[:-1], "surplus_key"), 1) if len(path) > 1 else dict(data, surplus_key=1)
        path = (*path[:-1], "surplus_key")
    return preset, path, data


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow,
                                                                                    HealthCheck.function_scoped_fixture])
@given(mutations())
def test_fuzzed_presets_run_finite_or_fail_naming_a_field(tmp_path_factory, mutation):
    preset, path, data = mutation
    folder = tmp_path_factory.mktemp("fuzz")
    scenario = write_toml(folder / "fuzz.toml", json.loads(json.dumps(data, default=str)))
    before = tree(folder)
    result = CliRunner().invoke(app, ["run", str(scenario), "--paths", "8", "--no-store", "--json"])
    assert "Traceback" not in result.output and "unexpected" not in result.output, result.output
    if result.exit_code == 0:
        summary = json.loads(result.stdout)["summary"]
        for row in summary:
            if row["metric"] in ("nav_usd", "btc_held", "cash_usd"):
                assert row["value"] is not None and math.isfinite(row["value"]), row
    else:
        assert result.exit_code == EXIT_BAD_INPUT, result.output
        message = " ".join(result.stderr.split())
        assert message.startswith("error: ")
        key = str(path[-1])
        assert key in message or _SCENARIO_WORDS.search(message), (path, message)
    assert tree(folder) == before


# --- the store under kill -9, Ctrl-C, too much work ---------------------------------------------------

_LOOPING_WRITER = """
    import pickle, sys
    from pathlib import Path
    from hashpivot.analysis.fan import fan_frame
    from hashpivot.io.store import RunStore

    path, pickled = sys.argv[1:3]
    result = pickle.loads(Path(pickled).read_bytes())
    fan = fan_frame(result.dataset)
    store = RunStore(path, busy_timeout_s=30)
    print("READY", flush=True)
    while True:
        print(store.save_run(result, fan, name="loop"), flush=True)
"""


def test_a_writer_killed_at_random_moments_five_times_loses_no_committed_run(tmp_path):
    """kill -9 at seeded random moments while a child writes runs in a loop; after each kill the store reads
    whole, holds every run the child said it committed and no orphan rows, and takes a new run."""
    from hashpivot.io.store import RunStore
    from store_helpers import pickle_result, save, tiny_result

    result = tiny_result()
    store = RunStore(tmp_path / "runs.duckdb")
    pickled = pickle_result(result, tmp_path / "result.pkl")
    rng = random.Random(17)
    committed: set[int] = set()
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_LOOPING_WRITER), str(store.path),
                                 str(pickled)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "READY"
        for _ in range(rng.randint(0, 3)):  # let it commit a few runs, then kill it mid-way through another
            committed.add(int(proc.stdout.readline()))
        try:
            proc.wait(timeout=rng.uniform(0.0, 0.3))
        except subprocess.TimeoutExpired:
            pass
        proc.kill()
        out, _ = proc.communicate(timeout=CHILD_TIMEOUT_S)
        committed |= {int(line) for line in out.split()}
        store.verify()
        ids = {r.run_id for r in store.list_runs()}
        assert committed <= ids
        import duckdb

        con = duckdb.connect(str(store.path), read_only=True)
        try:
            for table in ("summary", "win_rate", "fan"):
                assert con.execute(f"SELECT count(*) FROM {table} WHERE run_id NOT IN "
                                   "(SELECT run_id FROM runs)").fetchone()[0] == 0
        finally:
            con.close()
    assert save(store, result, name="after") > max(committed, default=0)


_INTERRUPTED_RUN = """
    import contextlib, sys
    from hashpivot.cli import common, simulate
    from hashpivot.cli import main

    @contextlib.contextmanager
    def announce(label, total, quiet, unit="paths"):
        said = []
        def progress(done, total):
            if not said:
                said.append(1)
                print("WORKING", flush=True)
        yield progress

    simulate.progress_bar = announce  # the parent sends SIGINT once paths are being simulated
    sys.argv = ["hashpivot", *sys.argv[1:]]
    main()
"""


def test_ctrl_c_stops_a_long_run_with_exit_130_and_nothing_written(tmp_path):
    store, out = tmp_path / "runs.duckdb", tmp_path / "report"
    env = dict(os.environ, HASHPIVOT_MEMORY_LIMIT_BYTES=str(10**12))
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_INTERRUPTED_RUN), "run", "default",
                             "--paths", "2000000", "--store", str(store), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "WORKING"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=CHILD_TIMEOUT_S)  # generous: the point is that it ends at all
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not out.exists() and not store.exists()


def test_a_hundred_million_paths_are_refused_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setenv("HASHPIVOT_MEMORY_LIMIT_BYTES", str(8e9))
    store = tmp_path / "runs.duckdb"
    result = CliRunner().invoke(app, ["run", "default", "--paths", "100000000", "--store", str(store)])
    message = " ".join(result.stderr.split())
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert "run.n_paths=100,000,000" in message and "8.0 GB" in message
    assert "--workers / --scheduler" in message and "docs/scaling.md" in message
    assert not store.exists()


def test_an_overflowing_state_is_refused_with_its_path_and_day():
    """A kernel that returns inf is refused by simulate (the engine never hands inf or NaN on)."""
    import numpy as np

    from hashpivot.engine.run import StateOverflowError, _check_finite

    terminal = np.zeros((2, 5, 30))
    monthly = np.zeros((2, 5, 13, 4), dtype=np.float32)
    terminal[1, 3, 2] = np.inf
    monthly[1, 3, 0, 2:] = np.inf
    with pytest.raises(StateOverflowError, match=r"policy 'b', path 3: .* became inf by day 60"):
        _check_finite(terminal, monthly, np.array([0, 30, 60, 90]), ["a", "b"])
    _check_finite(np.zeros((1, 2, 30)), monthly[:1], np.array([0, 30, 60, 90]), ["a"])


def test_a_price_beyond_a_stored_series_range_is_refused_not_stored_as_inf(tmp_path):
    """The fuzz's 'overflow encountered in cast': a BTC price drifting at 5 % a day (the bound) for ten years
    reaches about 1e8 x exp(0.05 x 3,650) = 1e87 USD, finite in float64 but beyond float32's 3.4e38, the monthly
    series' type. The run is refused (exit 2) naming the policy, path and day, before anything is written."""
    data = load_preset("rm1").model_dump(mode="json", exclude_none=True)
    data["market"]["btc_price"]["drift_per_day"] = 0.05
    data["run"]["n_paths"] = 64
    path = tmp_path / "drift.toml"
    path.write_text(tomli_w.dumps(data))
    store = tmp_path / "runs.duckdb"
    result = CliRunner().invoke(app, ["run", str(path), "--store", str(store), "--out", str(tmp_path / "out")])
    message = " ".join(result.stderr.split())
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert "path 0" in message and "float32" in message and "by day" in message
    assert "unexpected" not in message and "Traceback" not in result.output
    assert not store.exists() and not (tmp_path / "out").exists()



def test_several_problems_on_one_line_are_parted_and_a_union_value_fails_once(tmp_path):
    # piped, an error is one line: the scenario's problems parted by "; " (they ran together), and a sweep
    # value that is no member of the axis's union (float | int | bool | str) is one problem, not one per member
    empty = tmp_path / "empty.toml"
    empty.write_text("name = 'x'\n")
    out = CliRunner().invoke(app, ["run", str(empty), "--paths", "5", "--no-store"])
    assert out.exit_code == EXIT_BAD_INPUT
    assert (f"run: required field is missing; {empty}: market: required field is missing; {empty}: company: "
            "required field is missing.") in out.stderr
    nan = CliRunner().invoke(app, ["sweep", "default", "--set", "company.btc_held=nan,2", "--paths", "5",
                                   "--no-store"])
    assert nan.exit_code == EXIT_BAD_INPUT
    assert nan.stderr.strip() == ("error: invalid scenario: sweep (--set): axes.company.btc_held.0 = nan: Input "
                                  "should be a finite number.")
