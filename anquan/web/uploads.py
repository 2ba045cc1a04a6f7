"""Evidence files from the report form: the type is read from the content, never from the name.

Accepted: PDF, JPEG, PNG, Word and Excel (97-2003 and OOXML), OFD (the Chinese fixed-layout format,
a ZIP with OFD.xml at its root). A file is written to a private temporary folder under a name made
from its detected type (the name it came with is kept only as text), then stored by hash by the same
function that stores a file submitted from the command line.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ACCEPTED_LABEL = "PDF、JPG/PNG 图片、Word、Excel 或 OFD"


class UploadRejected(Exception):
    """A file the form cannot take; the message is Chinese, for the page; `status` the HTTP status."""

    def __init__(self, message: str, status: int = 400):
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class Upload:
    path: Path  # the temporary copy, named by its detected type
    name: str  # the name it was given (display only)
    suffix: str


def given_name(filename: str | None) -> str:
    """The file's own name without any folder part, control characters or excess length."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/\\|?*').strip(" .")
    return (name or "附件")[-120:]


def detect(head: bytes, path: Path, name: str) -> str | None:
    """The suffix a file's content shows it to be, or None when it is none of the accepted types."""
    if head.startswith(b"%PDF-"):
        return ".pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if head.startswith(OLE):  # Word 97-2003 or Excel 97-2003: the container does not say which
        suffix = Path(name).suffix.lower()
        return suffix if suffix in (".doc", ".xls") else ".doc"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            return None
        if "OFD.xml" in names:
            return ".ofd"
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return ".docx"
            if any(n.startswith("xl/") for n in names):
                return ".xlsx"
    return None


async def save_uploads(files: list, folder: Path, *, max_bytes: int, max_files: int) -> list[Upload]:
    """Check and copy the form's files into `folder`; UploadRejected on the first that does not pass."""
    files = [f for f in files if getattr(f, "filename", None)]
    if len(files) > max_files:
        raise UploadRejected(f"一次最多上传 {max_files} 个文件。", 413)
    out = []
    for i, f in enumerate(files):
        name = given_name(f.filename)
        raw = folder / f"upload-{i}"
        size = 0
        with open(raw, "wb") as fh:
            while chunk := await f.read(1 << 20):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRejected(f"文件“{name}”超过 {max_bytes // (1 << 20)} MB，请压缩或拆分后再上传。", 413)
                fh.write(chunk)
        if size == 0:
            raise UploadRejected(f"文件“{name}”是空文件。")
        with open(raw, "rb") as fh:
            head = fh.read(16)
        suffix = detect(head, raw, name)
        if suffix is None:
            raise UploadRejected(f"文件“{name}”不是可接受的类型（{ACCEPTED_LABEL}）。", 415)
        typed = raw.with_suffix(suffix)
        raw.rename(typed)
        out.append(Upload(typed, name, suffix))
    return out
