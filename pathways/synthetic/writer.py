"""Writing extracts in the mix of shapes schools really send (BOM, CRLF, labels, XLSX)."""

from __future__ import annotations

import csv
from pathlib import Path


class ExtractWriter:
    """Writes CSV and XLSX files under a landing folder."""

    def __init__(self, root: Path):
        self.root = root

    def csv(self, relative: str, header, rows, bom=False, crlf=False, shout=False) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\r\n" if crlf else "\n")
            writer.writerow([f" {h.upper()} " for h in header] if shout else header)
            writer.writerows(rows)
        return path

    def xlsx(self, relative: str, header, rows) -> Path:
        import openpyxl

        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet("Roster")
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
        return path
