"""The best decision over a space of decisions (MW to AI, a treasury rule and its threshold, ...), searched on
common random numbers through the sweep (``hashpivot.api.sweep``: in-process or on Dask, the same numbers).

- A decision is a field by dotted path with its values: a grid ``lo:hi:step`` (both ends included), a range
  ``lo:hi`` (continuous; only the TPE search takes it) or a list of choices ``a,b,c``.
- The space is searched by a full grid when it has at most ``budget`` candidates, else by optuna's TPE sampler
  (Bergstra et al. 2011, "Algorithms for Hyper-Parameter Optimization", NeurIPS; optuna docs,
  optuna.readthedocs.io), seeded so that the same call proposes the same candidates, asked for in batches that
  each run as one zip sweep. Every batch runs on the same seed, so every candidate faces the same paths.
- Constraints ``METRIC:STAT<=X`` (or ``>=``) are met or not on the point estimate of the stat; TPE is told an
  infeasible candidate's objective with a penalty below every feasible value (optuna's own constraint interface
  changed between 3.6 and 5.0, so it is not used).
- The answer: the feasible candidate with the best objective, the runner-up, and a paired bootstrap interval of
  their objective difference (:func:`hashpivot.analysis.decision_metric.paired_bootstrap_ci`); "within noise" when
  the interval holds 0. Every candidate also carries its paired difference against the best with its standard
  error, and whether it lies on the efficient frontier (objective mean against CVaR 5 % or insolvency).
- No feasible candidate: :class:`Infeasible`, naming the constraint and the closest candidates.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.analysis.decision_metric import (
    MetricSpec,
    paired_bootstrap_ci,
    paired_stat_difference,
    parse_metric,
    stat_value,
    variant_values,
)
from hashpivot.analysis.summary import win_share
from hashpivot.errors import InputError, ScenarioError

#: Candidates a search evaluates by default.
DEFAULT_BUDGET = 30
#: Candidates TPE proposes per batch (one sweep per batch): its first batch is its random start-up.
BATCH_SIZE = 10
#: Most candidates one search may evaluate (a sweep's variant limit).
MAX_BUDGET = 10_000
#: Candidates an infeasible search names as the closest to meeting the constraints.
N_CLOSEST = 3


@dataclass(frozen=True)
class Decision:
    """A decision: the field at ``path`` and its values: ``choices`` (a list, or a grid's levels), or a continuous
    range ``low``..``high`` (``choices`` None). ``is_int``: the field is an integer (levels and samples rounded)."""

    path: str
    choices: tuple | None = None
    low: float | None = None
    high: float | None = None
    step: float | None = None
    is_int: bool = False

    @property
    def n_levels(self) -> float:
        return len(self.choices) if self.choices is not None else math.inf

    @property
    def is_numeric(self) -> bool:
        return self.choices is None or self.step is not None


def grid_decision(path: str, low: float, high: float, step: float) -> Decision:
    """A grid decision ``low, low + step, ..., <= high`` (both ends included when ``step`` divides the range).

    >>> grid_decision("policy.capacity.mw", 50, 200, 50).choices
    (50.0, 100.0, 150.0, 200.0)
    """
    if not (low < high and step > 0 and all(map(math.isfinite, (low, high, step)))):
        raise InputError("--decide", f"{path}={low:g}:{high:g}:{step:g}", "LOW < HIGH and STEP > 0")
    n = int(math.floor((high - low) / step + 1e-9)) + 1
    if n > MAX_BUDGET:
        raise InputError("--decide", f"{path}={low:g}:{high:g}:{step:g}", f"at most {MAX_BUDGET} grid levels")
    return Decision(path, tuple(float(round(low + i * step, 12)) for i in range(n)), float(low), float(high),
                    float(step))


def typed(decisions: Sequence[Decision], scenario) -> list[Decision]:
    """``decisions`` with integer fields marked (their levels rounded), each path checked against the scenario:
    a path that names no field is a ScenarioError naming it."""
    from hashpivot.analysis.sensitivity import base_value

    out = []
    kinds = {d.path.rsplit(".", 1)[0] for d in decisions if d.path.endswith(".kind")}
    for d in decisions:
        paths = [x.path for x in out]
        if d.path in paths:
            raise InputError("--decide", d.path, "each path once")
        try:
            is_int = isinstance(base_value(scenario, d.path), int) if d.is_numeric else False
        except ScenarioError:
            if d.is_numeric and d.path.rsplit(".", 1)[0] not in kinds:
                raise
            # a kind or another text field, or a field of a kind decided too (policy.treasury.k_ratio beside
            # policy.treasury.kind): validated with the candidates
            is_int = False
        if is_int and d.step is not None and d.step != round(d.step):
            # rounding the levels of a fractional step would make an uneven grid (30, 38, 45, 52 at 7.5)
            raise InputError("--decide", f"{d.path}={d.low:g}:{d.high:g}:{d.step:g}",
                             f"a whole-number STEP: {d.path.rsplit('.', 1)[-1]} is an integer")
        if is_int and d.choices is not None:
            d = Decision(d.path, tuple(sorted({round(c) for c in d.choices})), d.low, d.high, d.step, True)
        elif is_int:
            d = Decision(d.path, None, d.low, d.high, d.step, True)
        out.append(d)
    return out


def space_size(decisions: Sequence[Decision]) -> float:
    """Candidates in the space (inf with a continuous decision). [count]"""
    return math.prod(d.n_levels for d in decisions)


@dataclass(frozen=True)
class Constraint:
    """``metric`` must be ``<=`` (or ``>=``) ``limit`` (on its point estimate). [unit of the metric]"""

    metric: MetricSpec
    op: str
    limit: float

    @property
    def text(self) -> str:
        return f"{self.metric.text}{self.op}{self.limit:g}"

    def violation(self, value: float) -> float:
        """How far ``value`` is from meeting the constraint (0 when met, inf when undefined). [unit of the metric]"""
        if not math.isfinite(value):
            return math.inf
        return max(0.0, value - self.limit) if self.op == "<=" else max(0.0, self.limit - value)


def parse_constraint(text: str) -> Constraint:
    """``METRIC:STAT<=X`` or ``METRIC:STAT>=X``.

    >>> parse_constraint("insolvency:probability<=0.05").text
    'insolvency:probability<=0.05'
    """
    for op in ("<=", ">="):
        head, sep, tail = text.partition(op)
        if sep:
            try:
                limit = float(tail)
            except ValueError:
                break
            if math.isfinite(limit):
                return Constraint(parse_metric(head, "--constraint"), op, limit)
    raise InputError("--constraint", text, "METRIC:STAT<=X or METRIC:STAT>=X, e.g. insolvency:probability<=0.05")


class Infeasible(InputError):
    """No evaluated candidate meets the constraints; ``closest``: the candidates nearest to meeting them."""

    def __init__(self, constraints: Sequence[Constraint], closest: pd.DataFrame, labels: Sequence[str]):
        self.closest = closest
        shown = "; ".join(labels)
        super().__init__("--constraint", " and ".join(c.text for c in constraints),
                         f"a constraint some candidate meets (none of {closest.attrs.get('n', '?')} did; "
                         f"closest: {shown})")


@dataclass(frozen=True)
class Optimum:
    """The search's answer. ``table``: every evaluated candidate (its decision values, objective, constraint
    values, ``feasible``, ``difference_vs_best`` with ``se_vs_best``, ``within_noise_of_best``, the objective
    variable's ``mean``/``cvar5`` and ``insolvency``, ``on_frontier``), best first; ``best``/``runner_up``: their
    decision values; ``ci``: (difference best - runner-up, low, high) of the objective, paired bootstrap 95 %."""

    objective: MetricSpec
    direction: str
    constraints: list[Constraint]
    decisions: list[Decision]
    method: str
    table: pd.DataFrame
    best: dict[str, Any]
    runner_up: dict[str, Any] | None
    ci: tuple[float, float, float] | None
    n_paths: int
    sweeps: list = field(default_factory=list)
    #: Candidates that did not validate (a combination the scenario refuses), left out: (values, the reason).
    invalid: list[tuple[dict[str, Any], str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The answer in sentences: the best decision, the runner-up and their difference's interval, or that they are
        within noise."""
        from hashpivot.format import fmt_metric

        unit = f"[{self.objective.unit}]"
        best = self.table.iloc[0]
        word = "highest" if self.direction == "max" else "lowest"
        lines = [f"best ({word} {self.objective.text}, {self.method} over {len(self.table)} candidates): "
                 f"{candidate_label(self.best)}: {fmt_metric(unit, best['objective'])}"]
        if self.runner_up is not None and self.ci is not None:
            diff, low, high = self.ci
            verdict = ("within noise: the 95 % interval holds 0, so the top two cannot be told apart on these paths"
                       if self.within_noise else "a real difference: the 95 % interval excludes 0")
            lines.append(f"runner-up: {candidate_label(self.runner_up)}: better by {fmt_metric(unit, diff)} "
                         f"(95 % paired bootstrap interval {fmt_metric(unit, low)} to {fmt_metric(unit, high)}); {verdict}")
        paths = [d.path for d in self.decisions]
        close = [candidate_label({p: row[p] for p in paths if p in row and not _missing(row[p])})
                 for _, row in self.table.iloc[1:].iterrows() if row["within_noise_of_best"] and row["feasible"]]
        if close:
            shown = "; ".join(close[:3]) + (f"; and {len(close) - 3} more" if len(close) > 3 else "")
            lines.append(f"within two standard errors of the best's paired difference (noisier pairs cannot be told "
                         f"apart either): {shown}")
        if self.invalid:
            values, why = self.invalid[0]
            lines.append(f"{len(self.invalid)} candidate{'s' if len(self.invalid) > 1 else ''} did not validate and "
                         f"{'were' if len(self.invalid) > 1 else 'was'} left out; the first, "
                         f"{candidate_label(values)}: {why}")
        return lines

    def evaluated(self):
        """Every evaluated candidate as one ``SweepResult`` (the batches' sweeps, end to end, candidate order): what
        the run store records."""
        return concat_sweeps(self.sweeps)

    @property
    def within_noise(self) -> bool:
        """Whether the best and the runner-up cannot be told apart: the interval of their difference holds 0."""
        return self.ci is not None and not (self.ci[1] > 0 or self.ci[2] < 0)


class _Evaluator:
    """Runs candidates as zip sweeps and keeps, per candidate, the objective's per-path values and its stats."""

    def __init__(self, scenario, objective: MetricSpec, constraints: Sequence[Constraint], run_sweep):
        self.scenario = scenario.model_copy(update={"sweep": None})
        self.objective = objective
        self.constraints = list(constraints)
        self.run_sweep = run_sweep
        self.values: list[dict[str, Any]] = []
        self.rows: list[dict[str, Any]] = []
        self.paths: list[np.ndarray] = []
        self.insolvent: list[np.ndarray] = []
        self.sweeps: list = []
        self.invalid: list[tuple[dict[str, Any], str]] = []
        self._index: dict[tuple, int] = {}
        self._fields: dict[tuple, bool] = {}

    def key(self, values: dict[str, Any]) -> tuple:
        return tuple(values.items())

    def _has_field(self, kind_path: str, kind: Any, path: str) -> bool:
        """Whether ``path`` names a field once ``kind_path`` is ``kind`` (True when that alone does not validate:
        the candidate's own validation then says why)."""
        from hashpivot.analysis.sensitivity import base_value
        from hashpivot.scenarios.variants import with_values

        key = (kind_path, kind, path)
        if key not in self._fields:
            try:
                with_kind = with_values(self.scenario, {kind_path: kind}, "candidate")
            except ScenarioError:
                self._fields[key] = True
            else:
                try:
                    base_value(with_kind, path)
                    self._fields[key] = True
                except ScenarioError:
                    self._fields[key] = False
        return self._fields[key]

    def canonical(self, values: dict[str, Any]) -> dict[str, Any]:
        """``values`` without the decisions that do not apply to the kind chosen beside them (a sell-above-average
        threshold under ``sell_all``): such candidates are one candidate, run once."""
        out = dict(values)
        for path in values:
            kind_path = path.rsplit(".", 1)[0] + ".kind"
            if path != kind_path and kind_path in values and not self._has_field(kind_path, values[kind_path], path):
                del out[path]
        return out

    def evaluate(self, batch: Sequence[dict[str, Any]], decisions: Sequence[Decision] = ()) -> list[int | None]:
        """Indices of ``batch``'s candidates in the table (None: the candidate does not validate). With
        ``decisions`` (a whole grid at once), a value of theirs with which no candidate validates is refused before
        anything runs."""
        from hashpivot.scenarios.variants import with_values

        batch = [self.canonical(v) for v in batch]
        new = []
        for values in batch:
            if self.key(values) in self._index or any(self.key(values) == self.key(v) for v in new):
                continue
            try:
                with_values(self.scenario, values, "candidate")
            except ScenarioError as exc:
                self.invalid.append((values, " ".join(str(exc).split())))
                self._index[self.key(values)] = -1
                continue
            new.append(values)
        _refuse_values_that_never_validate([*self.values, *new], self.invalid, decisions)
        groups: dict[tuple, list[dict[str, Any]]] = {}
        for values in new:  # candidates that set the same paths run as one zip sweep
            groups.setdefault(tuple(values), []).append(values)
        for new in groups.values():
            axes = {path: [v[path] for v in new] for path in new[0]}
            result = self.run_sweep(self.scenario, axes=axes, mode="zip")
            self.sweeps.append(result)
            objective = variant_values(result, self.objective)
            insolvent = variant_values(result, parse_metric("insolvency"))
            per_constraint = [variant_values(result, c.metric) for c in self.constraints]
            for i, values in enumerate(new):
                row = {"objective": stat_value(objective[i], self.objective.stat),
                       "mean": stat_value(objective[i], "mean"), "cvar5": stat_value(objective[i], "cvar5"),
                       "insolvency": stat_value(insolvent[i], "probability")}
                violation = 0.0
                for c, v in zip(self.constraints, per_constraint, strict=True):
                    row[c.text] = stat_value(v[i], c.metric.stat)
                    violation += c.violation(row[c.text])
                row["violation"] = violation
                row["feasible"] = violation == 0.0
                self._index[self.key(values)] = len(self.rows)
                self.values.append(values)
                self.rows.append(row)
                self.paths.append(objective[i])
                self.insolvent.append(insolvent[i])
        return [None if self._index[self.key(v)] < 0 else self._index[self.key(v)] for v in batch]


def grid_candidates(decisions: Sequence[Decision]) -> list[dict[str, Any]]:
    """Every combination of the decisions' levels (the last decision varies fastest)."""
    return [dict(zip([d.path for d in decisions], combo, strict=True))
            for combo in itertools.product(*(d.choices for d in decisions))]


def _signed(value: float, direction: str) -> float:
    return value if direction == "max" else -value


#: Most TPE proposals per candidate of the budget before a search stops short of it (repeats are not evaluated).
MAX_ASKS_PER_CANDIDATE = 10


def _tpe(evaluator: _Evaluator, decisions: Sequence[Decision], budget: int, seed: int, direction: str,
         batch_size: int) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(
        seed=seed, n_startup_trials=min(batch_size, budget)))
    # the budget counts candidates evaluated: a proposal TPE repeats (an integer field rounds two samples to one
    # level) is evaluated once, so it asks again, up to MAX_ASKS_PER_CANDIDATE proposals a candidate (a space
    # smaller than the budget runs as a grid, but a narrow one may still hold few levels)
    asked = 0
    while len(evaluator.rows) < budget and asked < MAX_ASKS_PER_CANDIDATE * budget:
        n = min(batch_size, budget - len(evaluator.rows))
        trials = [study.ask() for _ in range(n)]
        asked += n
        batch = [_suggest(trial, decisions) for trial in trials]
        indices = evaluator.evaluate(batch)
        feasible = [r["objective"] for r in evaluator.rows if r["feasible"] and math.isfinite(r["objective"])]
        floor = min((_signed(v, direction) for v in feasible), default=0.0)
        for trial, index in zip(trials, indices, strict=True):
            if index is None:
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
                continue
            row = evaluator.rows[index]
            value = _signed(row["objective"], direction)
            if not math.isfinite(value):
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            elif row["feasible"]:
                study.tell(trial, value)
            else:  # below every feasible value, the further from meeting the constraints the lower
                study.tell(trial, min(floor, value) - (abs(floor) + 1.0) * (1.0 + row["violation"]))


def _suggest(trial, decisions: Sequence[Decision]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for d in decisions:
        if d.choices is not None and d.step is None:
            out[d.path] = trial.suggest_categorical(d.path, list(d.choices))
        elif d.is_int:
            step = max(1, round(d.step)) if d.step is not None else 1
            out[d.path] = trial.suggest_int(d.path, math.ceil(d.low), math.floor(d.high), step=step)
        elif d.step is not None:
            top = d.choices[-1]
            out[d.path] = float(trial.suggest_float(d.path, d.low, top, step=d.step))
        else:
            out[d.path] = float(trial.suggest_float(d.path, d.low, d.high))
    return out


def frontier_mask(mean: np.ndarray, risk: np.ndarray, risk_higher_is_better: bool) -> np.ndarray:
    """Candidates that no other candidate beats on both the mean (higher is better) and the risk measure (a
    CVaR: higher is better; an insolvency probability: lower is better): the efficient frontier.

    >>> frontier_mask(np.array([1.0, 2.0, 3.0, 2.5]), np.array([0.3, 0.2, 0.1, 0.3]), False).tolist()
    [False, False, True, False]
    """
    r = risk if risk_higher_is_better else -risk
    out = np.zeros(mean.size, dtype=bool)
    for i in range(mean.size):
        if not (np.isfinite(mean[i]) and np.isfinite(r[i])):
            continue
        dominated = (mean >= mean[i]) & (r >= r[i]) & ((mean > mean[i]) | (r > r[i]))
        out[i] = not dominated.any()
    return out


def optimize(scenario, decisions: Sequence[Decision], objective: MetricSpec, run_sweep: Callable[..., Any], *,
             constraints: Sequence[Constraint] = (), budget: int = DEFAULT_BUDGET, direction: str = "max",
             seed: int = 0, batch_size: int = BATCH_SIZE, frontier_risk: str = "cvar5") -> Optimum:
    """Search ``decisions`` for the best ``objective`` (``direction`` "max" or "min") under ``constraints``: the
    full grid when the space has at most ``budget`` candidates, else TPE with ``budget`` proposals in batches of
    ``batch_size``. Raises :class:`Infeasible` when no candidate meets the constraints."""
    if direction not in ("max", "min"):
        raise InputError("--direction", direction, "max or min")
    if not 1 <= budget <= MAX_BUDGET:
        raise InputError("--budget", budget, f"a count from 1 to {MAX_BUDGET}")
    if frontier_risk not in ("cvar5", "insolvency"):
        raise InputError("--frontier-risk", frontier_risk, "cvar5 or insolvency")
    decisions = typed(decisions, scenario)
    if not decisions:
        raise InputError("--decide", "none", "at least one PATH=LOW:HIGH:STEP, PATH=LOW:HIGH or PATH=A,B,C")
    evaluator = _Evaluator(scenario, objective, constraints, run_sweep)
    if space_size(decisions) <= budget:
        method = "grid"
        evaluator.evaluate(grid_candidates(decisions), decisions)
    else:
        method = "tpe"
        _tpe(evaluator, decisions, budget, seed, direction, batch_size)
    if not evaluator.rows:
        why = evaluator.invalid[0][1] if evaluator.invalid else "no candidate"
        raise InputError("--decide", ", ".join(d.path for d in decisions), f"candidates that validate ({why})")
    _refuse_values_that_never_validate(evaluator.values, evaluator.invalid, decisions)
    for d in decisions:  # a field of no kind decided beside it: every candidate left it out
        if not any(d.path in v for v in evaluator.values):
            kind_path = d.path.rsplit(".", 1)[0] + ".kind"
            kinds = next(k.choices for k in decisions if k.path == kind_path)
            raise InputError("--decide", d.path, f"a field of one of the kinds decided at {kind_path} "
                                                 f"({', '.join(map(str, kinds))})")
    return _answer(evaluator, decisions, objective, constraints, direction, method, frontier_risk)


def _refuse_values_that_never_validate(valid: Sequence[dict[str, Any]], invalid: Sequence[tuple[dict[str, Any], str]],
                                       decisions: Sequence[Decision]) -> None:
    """A decision's value with which no candidate tried validates (none of ``valid``, some of ``invalid``: (values,
    reason)) is the user's error (a kind that does not exist, MW beyond the site), not a candidate to leave out
    quietly: an InputError naming it and the first reason."""
    for d in decisions:
        for choice in d.choices or ():
            tried_bad = [why for v, why in invalid if v.get(d.path) == choice]
            if tried_bad and not any(v.get(d.path) == choice for v in valid):
                raise InputError("--decide", f"{d.path}={choice:g}" if isinstance(choice, float) else
                                 f"{d.path}={choice}", f"a value some candidate validates with ({tried_bad[0]})")


def _missing(value: Any) -> bool:
    """A table cell of a decision the candidate left out (NaN)."""
    return isinstance(value, float) and math.isnan(value)


def candidate_label(values: dict[str, Any]) -> str:
    return ", ".join(f"{p}={v:g}" if isinstance(v, float) else f"{p}={v}" for p, v in values.items())


def _answer(ev: _Evaluator, decisions, objective, constraints, direction, method, frontier_risk) -> Optimum:
    table = pd.DataFrame([{**v, **r} for v, r in zip(ev.values, ev.rows, strict=True)])
    table.insert(0, "candidate", range(len(table)))
    if not table["feasible"].any():
        order = table.sort_values("violation", kind="stable").head(N_CLOSEST)
        order.attrs["n"] = len(table)
        labels = [f"{candidate_label(ev.values[i])} ({', '.join(f'{c.text.split(c.op)[0]} = {table.at[i, c.text]:.4g}' for c in constraints)})"
                  for i in order["candidate"]]
        raise Infeasible(constraints, order, labels)
    score = np.array([_signed(v, direction) if f and math.isfinite(v) else -math.inf
                      for v, f in zip(table["objective"], table["feasible"], strict=True)])
    ranked = np.argsort(-score, kind="stable")
    best = int(ranked[0])
    runner = int(ranked[1]) if len(ranked) > 1 and math.isfinite(score[ranked[1]]) else None
    diffs, ses = [], []
    for i in range(len(table)):
        d, se = paired_stat_difference(ev.paths[i], ev.paths[best], objective.stat)
        diffs.append(d)
        ses.append(se)
    from hashpivot.analysis.sensitivity import within_noise

    table["difference_vs_best"] = diffs
    table["se_vs_best"] = ses
    table["within_noise_of_best"] = [within_noise(d, s) for d, s in zip(diffs, ses, strict=True)]
    risk = table["cvar5"].to_numpy(float) if frontier_risk == "cvar5" else table["insolvency"].to_numpy(float)
    table["on_frontier"] = frontier_mask(table["mean"].to_numpy(float), risk, frontier_risk == "cvar5")
    ci = None
    if runner is not None:
        ci = paired_bootstrap_ci(ev.paths[best], ev.paths[runner], objective.stat)
        if direction == "min":
            ci = (-ci[0], -ci[2], -ci[1])  # the improvement of the best over the runner-up, positive
    table = table.iloc[ranked].reset_index(drop=True)
    return Optimum(objective, direction, list(constraints), list(decisions), method, table, ev.values[best],
                   None if runner is None else ev.values[runner], ci, ev.sweeps[0].n_paths, ev.sweeps,
                   list(ev.invalid))


def concat_sweeps(results: Sequence[Any]):
    """Sweeps of the same scenario and axes on the same paths (a search's batches) as one ``SweepResult``:
    variants numbered on end to end, paired differences and win rates taken again against the first variant."""
    import xarray as xr

    from hashpivot.analysis.sweep import DIFFERENCE_COLUMNS, DIFFERENCE_METRICS, SweepResult, paired_difference

    if len(results) == 1:
        return results[0]
    first = results[0]
    axes = {path: name for r in results for path, name in r.axes.items()}
    if len(axes) > len(first.axes):  # candidates that left a decision out (it did not apply to their kind)
        results = [r if len(r.axes) == len(axes) else _with_axes(r, axes) for r in results]
    offsets = np.cumsum([0] + [r.n_variants for r in results[:-1]])
    summary = pd.concat([r.summary.assign(variant=r.summary["variant"] + k) for r, k in zip(results, offsets,
                                                                                          strict=True)],
                        ignore_index=True)
    dataset = xr.concat([r.dataset for r in results], dim="variant", data_vars="all", coords="different",
                        compat="equals", join="outer", combine_attrs="override")
    dataset = dataset.assign_coords(variant=np.arange(dataset.sizes["variant"]))
    rows = []
    for i in range(dataset.sizes["variant"]):
        for j, policy in enumerate(dataset["policy_label"].values[i]):
            for metric in DIFFERENCE_METRICS:
                rows.append((i, policy, metric, *paired_difference(dataset[metric].values[i, j],
                                                                   dataset[metric].values[0, j])))
    score = dataset["nav_per_share_usd"].values
    wins = win_share(score, score[0:1, 0:1, :], axis=2)
    dataset["win_rate_vs_baseline"] = (("variant", "policy"), wins)
    values = [v for r in results for v in r.values]
    return SweepResult(axes, values, summary, dataset, pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS), 0,
                       first.scenario, first.seed, first.version)


def _with_axes(result, axes: dict[str, str]):
    """``result`` (a ``SweepResult``) with the coordinates and summary columns of ``axes`` it lacks, NaN: the
    decisions its candidates left out."""
    from dataclasses import replace

    missing = {path: name for path, name in axes.items() if path not in result.axes}
    dataset = result.dataset.assign_coords({name: ("variant", np.full(result.dataset.sizes["variant"], np.nan))
                                            for name in missing.values()})
    summary = result.summary.assign(**{name: np.nan for name in missing.values()})
    return replace(result, axes=axes, dataset=dataset, summary=summary)
