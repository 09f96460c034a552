"""Indicator data: the :class:`Panel`, readers in three layouts, bundled datasets."""

from regcoord.data._catalogs import resolve_catalog
from regcoord.data._datasets import DATASETS, Dataset, get_dataset, list_datasets, load, load_panel
from regcoord.data._panel import DroppedRow, Panel, PanelMatrix
from regcoord.data._readers import (
    ACCEPTED,
    LAYOUTS,
    decode_text,
    is_workbook,
    panel_from_frame,
    read_bytes,
    read_panel,
    read_table,
)

__all__ = [
    "ACCEPTED",
    "DATASETS",
    "LAYOUTS",
    "Dataset",
    "DroppedRow",
    "Panel",
    "PanelMatrix",
    "decode_text",
    "get_dataset",
    "is_workbook",
    "list_datasets",
    "load",
    "load_panel",
    "panel_from_frame",
    "read_bytes",
    "read_panel",
    "read_table",
    "resolve_catalog",
]
