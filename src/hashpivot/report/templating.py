"""What every hashpivot HTML report shares: the jinja2 environment of ``report/templates`` (autoescaped), the page's
CSS and draw script, and the small helpers that turn numbers and figures into what a template inserts.

The simulation report (:mod:`hashpivot.report.sim_report`), its hedge section (:mod:`hashpivot.report.hedges`), the
sweep report (:mod:`hashpivot.report.sweep_report`) and the decision report (:mod:`hashpivot.report.decisions`) all
import this module and it imports none of them, so the reports share one page without an import cycle
(tests/test_layering.py).

A figure travels as a JSON block (``<script type="application/json" class="hashpivot-figure">``) that the page's
draw script hands to plotly.js, inlined once in ``<head>``: the page opens offline and tools can read every figure
back. Nothing here computes a number a test would need to check.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel

#: Id of the ``<script type="application/json">`` holding a report's numbers.
DATA_SCRIPT_ID = "hashpivot-data"
#: Class of each figure's JSON block.
FIGURE_CLASS = "hashpivot-figure"
#: Plotly's default qualitative palette; a policy keeps its colour in every chart.
PALETTE = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880",
           "#ff97ff", "#fecb52")

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2433;background:#fafbfc}
header{background:#1f3b73;color:#fff;padding:18px 32px}
header h1{margin:0 0 4px 0;font-size:24px}
header p{margin:0;opacity:.85;font-size:14px}
nav{background:#e8edf5;padding:8px 32px;font-size:14px;position:sticky;top:0;z-index:10}
nav a{margin-right:14px;color:#1f3b73;text-decoration:none}
main{padding:0 32px 48px 32px;max-width:1500px}
section{background:#fff;border:1px solid #e1e5ec;border-radius:6px;margin:18px 0;padding:14px 20px}
h2{font-size:19px;margin:4px 0 8px 0;color:#1f3b73}
h3{font-size:15px;margin:14px 0 6px 0}
p.note{color:#5a6478;font-size:13px;margin:4px 0 8px 0}
ul.answer{font-size:15px;line-height:1.5;margin:6px 0 8px 0;padding-left:20px}
ul.answer li{margin:4px 0}
table{border-collapse:collapse;font-size:13px;margin:6px 0 10px 0;display:block;max-width:100%;overflow-x:auto}
th,td{border-bottom:1px solid #e6e9ef;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f3f5f9;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.num .range{display:block;color:#7a8396;font-size:11px}
td:first-child{white-space:nowrap}
table.summary td:first-child{font-weight:600}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
pre{background:#f5f7fa;border:1px solid #e1e5ec;padding:10px;font-size:12px;overflow:auto;max-height:520px}
.figure{width:100%}
"""

DRAW_SCRIPT = """
(function(){
  var blocks = document.querySelectorAll('script.hashpivot-figure');
  for (var i = 0; i < blocks.length; i++) {
    var fig = JSON.parse(blocks[i].textContent);
    Plotly.newPlot(blocks[i].getAttribute('data-target'), fig.data, fig.layout,
                   {responsive: true, displaylogo: false});
  }
})();
"""

_ENV = None


def environment():
    """The reports' jinja2 environment (package data, autoescape on, undefined names an error), built once."""
    global _ENV
    if _ENV is None:
        import jinja2

        _ENV = jinja2.Environment(loader=jinja2.PackageLoader("hashpivot.report", "templates"),
                                  autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
        _ENV.filters["thousands"] = lambda n: f"{n:,}"
    return _ENV


def render_template(name: str, context: dict[str, Any], safe: Sequence[str] = ()) -> str:
    """A template of ``hashpivot/report/templates`` rendered with autoescape on; the ``safe`` keys of ``context`` are
    inserted as they are (plotly.js, the CSS, and JSON already escaped for ``<script>`` by :func:`json_for_script`;
    every figure's JSON is too). [text]"""
    from markupsafe import Markup

    values = {k: (Markup(v) if k in safe else v) for k, v in context.items()}
    return environment().get_template(name).render(**values)


def page_context(title: str, nav: Sequence[tuple[str, str]], data: dict | None = None) -> dict[str, Any]:
    """What ``base.html.j2`` needs besides its blocks: the title, the nav bar's (id, label) pairs, the CSS, the draw
    script, plotly.js and the embedded data (JSON, or none). Insert with ``safe=PAGE_SAFE``."""
    from plotly.offline import get_plotlyjs

    return {"title": title, "nav": list(nav), "css": CSS, "draw_script": DRAW_SCRIPT, "plotly_js": get_plotlyjs(),
            "data_json": "" if data is None else json_for_script(data), "data_script_id": DATA_SCRIPT_ID}


#: Keys of :func:`page_context` inserted as they are.
PAGE_SAFE = ("css", "draw_script", "plotly_js", "data_json")


def json_for_script(obj: Any) -> str:
    """JSON text safe inside ``<script>``: ``<``, ``>`` and ``&`` (only ever inside strings) escaped."""
    text = json.dumps(obj, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def figure_payload(fig) -> str:
    """A plotly figure as the JSON text of its block, escaped for ``<script>`` (a template's ``figure`` macro inserts
    it as it is). [text]"""
    from markupsafe import Markup

    return Markup(json_for_script(json.loads(fig.to_json())))


def figure_html(fig, target: str) -> str:
    """A div and the figure's JSON block; the page's draw script renders it. [HTML]"""
    return (
        f'<div class="figure" id="{target}"></div>\n'
        f'<script type="application/json" class="{FIGURE_CLASS}" data-target="{target}">'
        f"{figure_payload(fig)}</script>"
    )


def esc(text: Any) -> str:
    """``text`` as escaped HTML. [HTML]"""
    return html.escape(str(text))


def table(header: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "", num_from: int = 99) -> str:
    """An HTML table; cells are already-escaped HTML; columns from ``num_from`` are right-aligned. [HTML]"""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="num">{c}</td>' if j >= num_from else f"<td>{c}</td>" for j, c in enumerate(row)
        ) + "</tr>"
        for row in rows
    )
    klass = f' class="{cls}"' if cls else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def section(sid: str, title: str, body: str) -> str:
    """A report section: ``<section id=sid>``, its title and ``body`` (HTML). [HTML]"""
    return f'<section id="{sid}">\n<h2>{esc(title)}</h2>\n{body}\n</section>'


def num(value: Any) -> str:
    """A parameter value as text: thousands separators for large round numbers, else up to ten digits. [text]"""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:,.10g}"
    if isinstance(value, BaseModel):
        return ", ".join(f"{k} = {num(v)}" for k, v in model_fields(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(num(v) for v in value)
    return str(value)


def model_fields(model: BaseModel) -> list[tuple[str, Any]]:
    """(name, value) of each field of ``model``, in declaration order."""
    return [(name, getattr(model, name)) for name in type(model).model_fields]


def split_description(text: str | None) -> tuple[str, str]:
    """``"Volatility. [1/sqrt(day)]"`` -> ``("Volatility.", "1/sqrt(day)")``."""
    text = (text or "").strip()
    if text.endswith("]") and "[" in text:
        head, _, unit = text.rpartition("[")
        return head.strip(), unit[:-1].strip()
    return text, ""


def plain(values, scale: float = 1.0) -> list[float | None]:
    """Finite floats as a JSON list, NaN as None (readable numbers in the page, not base64)."""
    arr = np.asarray(values, dtype=np.float64) * scale
    return [float(v) if math.isfinite(v) else None for v in arr]


def rgba(hex_color: str, alpha: float) -> str:
    """``#rrggbb`` with an opacity, as CSS ``rgba(...)``."""
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def color(i: int) -> str:
    """Colour of the ``i``-th policy."""
    return PALETTE[i % len(PALETTE)]
