"""HTML reports and figures. Plotly and matplotlib are imported inside the functions that draw,
so importing this package stays light; files are written through :mod:`hashpivot.io`."""

from hashpivot.report.hashprice_chart import (
    ChartFiles,
    hashprice_html,
    hashprice_png,
    write_hashprice_charts,
)

__all__ = ["ChartFiles", "hashprice_html", "hashprice_png", "write_hashprice_charts"]
