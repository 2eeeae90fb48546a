"""Everything that touches workbook bytes on disk: calamine reading, the ooxml patcher, the openpyxl adapter, safety limits, atomic writes."""
