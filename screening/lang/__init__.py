"""Language data kept as tables, one subpackage per language (``zh``: Simplified Chinese)."""
