"""Sample papers as a scanner or a citizen's upload gives them: real PDFs (reportlab) and images
(Pillow), in memory or written to a file, for every test that attaches, uploads or shows files."""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image
from reportlab.pdfgen import canvas


def pdf_bytes(pages: int = 1, text: str = "Trang") -> bytes:
    """A PDF of `pages` pages, each reading «`text` N»."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for n in range(pages):
        c.drawString(72, 720, f"{text} {n + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def pdf_file(path: Path, pages: int = 1, text: str = "Trang") -> Path:
    path.write_bytes(pdf_bytes(pages, text))
    return path


def noisy_png(width: int, height: int) -> bytes:
    """A PNG that does not compress (random pixels): a file of a known, large size."""
    buf = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buf, "PNG")
    return buf.getvalue()


def png_bytes(colour: str = "white", size: tuple[int, int] = (400, 560)) -> bytes:
    """A plain image, grey-scale when white (as a scanner saves a blank page)."""
    buf = io.BytesIO()
    Image.new("L" if colour == "white" else "RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def tiff_bytes(frames: int) -> bytes:
    """A multi-page TIFF, each page a shade darker."""
    buf = io.BytesIO()
    images = [Image.new("L", (200, 280), 255 - 40 * n) for n in range(frames)]
    images[0].save(buf, "TIFF", save_all=True, append_images=images[1:])
    return buf.getvalue()
