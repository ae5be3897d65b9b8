"""Which language a text is in, and word stems, from maintained libraries (no word lists).

Detection: py3langid (langid.py's model, shipped with the package), restricted to the
languages the product serves; very short or letterless texts answer "" (unknown).
Stems: Snowball stemmers (PyStemmer) per language.
"""

import re
from functools import lru_cache

import numpy as np
import Stemmer
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

SUPPORTED = ("en", "fr")
LANGUAGE_NAMES = {"en": "English", "fr": "French"}
STEMMER_NAMES = {"en": "english", "fr": "french"}
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
MIN_LETTERS = 3


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(SUPPORTED))
    # Keep only the supported languages' columns: the full model's 97 languages weigh 27 MB more
    # in every worker.
    identifier.nb_ptc = np.ascontiguousarray(identifier.nb_ptc)
    identifier._full_model = (identifier.nb_ptc, identifier.nb_pc, identifier.nb_classes)
    return identifier


def detect_language(text: str) -> str:
    """"en" or "fr", or "" when the text has too few letters to tell."""
    if len(_LETTERS.findall(text or "")) < MIN_LETTERS:
        return ""
    language, _probability = _identifier().classify(text)
    return language


@lru_cache(maxsize=len(STEMMER_NAMES))
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(STEMMER_NAMES.get(language, "english"))


def stems(text: str, language: str = "") -> list[str]:
    """The text's words, lower-cased and stemmed for its language (detected when not given)."""
    words = [w.lower() for w in _WORD.findall(text or "")]
    return _stemmer(language or detect_language(text) or "en").stemWords(words)
