"""HTML reports: :class:`Report` made of :class:`Section` s, with inline SVG ``charts``."""

from regcoord.report import charts
from regcoord.report._html import LANGS, Method, Report, Section

__all__ = ["LANGS", "Method", "Report", "Section", "charts"]
