"""A PNG of a picture, for previews: WeasyPrint lays the SVG out on a page its size, Poppler rasterises it."""
from __future__ import annotations

import base64
import re
import subprocess
import tempfile
from pathlib import Path


def png(svg: bytes, dpi: int = 300) -> bytes:
    from weasyprint import HTML

    w, h = (float(v) for v in re.search(rb'width="([\d.]+)mm" height="([\d.]+)mm"', svg).groups())
    src = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    page = (f'<style>@page {{ size: {w}mm {h}mm; margin: 0 }} body {{ margin: 0 }}</style>'
            f'<img src="{src}" style="display:block; width:{w}mm; height:{h}mm" alt=""/>')
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "p.pdf"
        HTML(string=page).write_pdf(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(pdf), str(Path(tmp) / "p")], check=True)
        return (Path(tmp) / "p.png").read_bytes()
