"""Build-time code that generates the committed knowledge corpus (corpus/) from ../shared.

Not shipped in the wheel (``pyproject.toml`` packages only ``screening*``): an installed
``screening`` reads the built corpus through :mod:`screening.corpus` and never imports this
package. It is run from a source checkout, by ``python scripts/build_corpus.py --shared DIR`` or
``screening corpus build --shared DIR`` (which finds this package beside ``screening/``).

Modules: :mod:`.build` (standards, cases, guidance, 细则 map, manifest), :mod:`.negatives`
(presumed-compliant samples and the fixed train/held-out split of the local regulations),
:mod:`.readme` (``corpus/README.md``). Being build-time code, it may import any layer of
``screening`` (``negatives`` uses the screen lexicon and lead-in features to pick samples).
"""

from .build import BUILDER_VERSION, build_corpus

__all__ = ["BUILDER_VERSION", "build_corpus"]
