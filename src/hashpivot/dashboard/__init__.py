"""The web dashboard (Streamlit): ``hashpivot dashboard`` serves ``app.py``.

``inputs`` holds the pure part (the dashboard's inputs and how they change a scenario), tested without
Streamlit; ``app.py`` only lays out widgets and calls :mod:`hashpivot.api`, :mod:`hashpivot.analysis`
and :mod:`hashpivot.report`. Importing this package does not import Streamlit.
"""

from pathlib import Path

#: The Streamlit script that ``hashpivot dashboard`` runs.
APP_PATH = Path(__file__).with_name("app.py")

__all__ = ["APP_PATH"]
