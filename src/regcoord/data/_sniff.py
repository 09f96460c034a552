"""What a file is, from its first bytes: so that a PNG renamed ``.csv`` is "not a CSV file".

Magic numbers of the common formats (the file signatures of each format's specification:
PNG, JPEG/JFIF, GIF, PDF, ZIP/OOXML, Parquet, gzip, OLE2 compound files, Windows
executables), and a NUL byte in the first 4 KiB for any other binary file.
"""

from __future__ import annotations

from pathlib import Path

from regcoord.errors import DataError

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an XLSX workbook)"),
    (b"PAR1", "a Parquet file"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (XLS or DOC)"),
    (b"MZ", "a Windows program"),
)


def file_kind(path: str | Path) -> str | None:
    """A description of a binary file ("a PNG image", ...), or None for a text file.

    None also when the file cannot be opened (a directory, no permission): the reader that
    follows reports that with its own message.
    """
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if b"\x00" in head:
        return "a binary file"
    return None


def check_text_file(path: str | Path, kind: str = "CSV") -> None:
    """Raise a :class:`DataError` saying what the file is when it is not a text ``kind`` file."""
    what = file_kind(path)
    if what is not None:
        raise DataError(
            f"not a {kind} file: it is {what}",
            source=str(path),
            expected=f"a text {kind} file (UTF-8 or GBK/GB18030), or the file you meant",
        )


def check_binary_file(path: str | Path, kind: str, magic: bytes) -> None:
    """Raise when a file named as ``kind`` (XLSX, Parquet) does not start with its signature."""
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(len(magic))
    except OSError:
        return  # the reader reports it
    if head != magic:
        what = file_kind(path) or "a text file"
        art = "an" if kind[0] in "AEIOUX" else "a"
        raise DataError(
            f"not {art} {kind} file: it is {what}", source=str(path), expected=f"{art} {kind} file"
        )
