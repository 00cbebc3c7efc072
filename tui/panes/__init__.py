"""The dashboard's panes, one per file; number keys switch between them.
(6 and 7 are the month-end close and ad-hoc query panes, 8 care transitions.)"""

from __future__ import annotations

from tui.panes.adequacy import AdequacyPane
from tui.panes.base import Pane
from tui.panes.care import CarePane
from tui.panes.close import ClosePane
from tui.panes.console import ConsolePane
from tui.panes.invoices import InvoicesPane
from tui.panes.overview import OverviewPane
from tui.panes.reconciliation import ReconciliationPane
from tui.panes.users import UsersPane

PANES: tuple[type[Pane], ...] = (
    OverviewPane, UsersPane, InvoicesPane, AdequacyPane, ReconciliationPane, ClosePane, ConsolePane,
    CarePane,
)  # fmt: skip
