"""xltool's HTTP side: the Office.js service."""
