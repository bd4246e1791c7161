"""The one service between the pages and `model/`: data, runs and their models, cached in one
place."""

from dashboard.service.service import EXTENSION_KEY, RunSummary, Service, attach, current, summarize

__all__ = ["EXTENSION_KEY", "RunSummary", "Service", "attach", "current", "summarize"]
