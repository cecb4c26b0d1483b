"""Chinese language data as tables, in one place (the way spaCy keeps ``lang/zh/``).

* ``numerals`` — Chinese and Arabic numerals ↔ int (on top of ``cn2an``);
* ``regions`` — province names and their short forms, administrative-unit suffixes, the words
  that tie a condition to "here" (本地) or mark "elsewhere" (外地);
* ``doctypes`` — 文种 (document types): which end a title, which end a heading-like line, which
  reports count, and the report-time 文种 of a document;
* ``headings`` — numbering styles of headings and list items, and Word heading style names.

Nothing here imports from the rest of ``screening``.
"""
