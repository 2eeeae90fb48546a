"""Editing xlsx packages in place (no openpyxl): the fast, lossless write-back."""
