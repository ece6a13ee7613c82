"""The link as a QR code for the advisor's screen at handover (segno: pure Python, SVG, no CDN)."""

from __future__ import annotations

import segno


def svg_data_uri(url: str) -> str:
    """An ``<img src>`` value (data: URIs are allowed for images by the CSP)."""
    return str(segno.make(url, error="m").svg_data_uri(scale=6, border=2))
