"""The VBA module and the ribbon of the Excel add-in, read by `xltools addin` (xltools/addin.py)."""
