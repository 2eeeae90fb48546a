"""The pure core: form specs, the 指标值 grammar, computations and rules.

Nothing under ``xltool.core`` may import openpyxl or xlwings (a test enforces it).
"""
