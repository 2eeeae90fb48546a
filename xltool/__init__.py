"""xltool: spreadsheet-native toolkit for social-insurance fund budget-performance forms."""

__version__ = "0.1.0"
