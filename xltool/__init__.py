"""xltool: spreadsheet-native toolkit for social-insurance fund budget-performance forms."""
import os

# openpyxl serialises through lxml whenever lxml is installed, and its bytes then differ (``/>`` for
# `` />``): the workbooks xltool writes must not depend on what else happens to be installed.
os.environ.setdefault("OPENPYXL_LXML", "False")

__version__ = "0.1.0"
