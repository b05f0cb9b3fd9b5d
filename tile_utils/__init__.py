"""Tiling filters and samples into images (filled in by the dA/SdA tutorial)."""
