"""Text normalisation shared by triage, retrieval and the facts guard.

Fans write with typos, slang, emoji, stretched letters ("sooo"), look-alike characters and
invisible characters; everything that compares text goes through these functions first.
"""

import re
import unicodedata
from functools import lru_cache

# Invisible and direction-changing characters that hide words from naive matching.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), None
)
# Cyrillic and Greek letters that look like Latin ones, as used to dodge spam filters.
_HOMOGLYPHS = str.maketrans(
    "аеорсухіјѕԁԛԝАВЕКМНОРСТХІЈЅԌαοτνρκιΑΒΕΗΙΚΜΝΟΡΤΧΥΖєℓ¢нимтвяυк",
    "aeopcyxijsdqwABEKMHOPCTXIJSGaotvpkiABEHIKMNOPTXYZelchnmtbruk",
)
# Squared and negative-squared letters (🅰 🄰) that NFKC leaves alone.
_SQUARED = {base + i: chr(ord("A") + i) for base in (0x1F130, 0x1F150, 0x1F170) for i in range(26)}
_SPACED = re.compile(r"(?<!\w)(?:\w[ \-]{1,2}){3,}\w(?!\w)")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "*": ""})
_LEET_WORD = re.compile(r"\b[\w@$*]*[a-z][\w@$*]*\b")
_STRETCH = re.compile(r"(\w)\1{2,}")
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")

def visible(text: str) -> str:
    """Invisible characters removed and compatibility forms made plain (NFKC: 'ｆｒｅｅ', '𝐟𝐫𝐞𝐞',
    squared letters)."""
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_SQUARED)


def clean(text: str) -> str:
    """`visible`, with every look-alike letter folded to Latin (for matching words)."""
    return visible(text).translate(_HOMOGLYPHS)


_CYRILLIC_OR_GREEK = re.compile(r"[\u0370-\u03ff\u0400-\u052f]")


def readable(text: str) -> str:
    """What a sentence encoder should read of a fan's comment: `visible`, letters spelled out one
    by one joined, and Cyrillic or Greek look-alikes folded to Latin only when most letters are
    not Cyrillic or Greek (a Russian or Greek comment keeps its own letters). Case and accents
    stay: the encoder reads them."""
    text = visible(text)
    lookalikes = len(_CYRILLIC_OR_GREEK.findall(text))
    if lookalikes and lookalikes * 2 < sum(c.isalpha() for c in text):
        text = text.translate(_HOMOGLYPHS)
    return unspace(text)


def unspace(text: str) -> str:
    """Join letters spelled out one by one: 'c h e c k  m y' -> 'check my' (double spaces
    separate the words)."""

    def join(match: re.Match) -> str:
        words_ = re.split(r" {2,}", match.group())
        return " ".join(re.sub(r"[ \-]", "", word) for word in words_)

    return _SPACED.sub(join, text)


def deleet(folded: str) -> str:
    """'c0nnard', 'sh1t', 'st*pid' -> 'connard', 'shit', 'stpid' (only inside words with letters)."""
    return _LEET_WORD.sub(lambda m: m.group().translate(_LEET), folded)


@lru_cache(maxsize=8192)  # triage folds one comment for the model, the patterns, each rule and topic
def fold(text: str) -> str:
    """Lowercase, strip accents, squeeze stretched letters: 'Sooo Géniaaal' -> 'soo genial'."""
    text = clean(text).casefold()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return _STRETCH.sub(r"\1\1", text)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text).replace("’", "'"))


def has_letters_or_digits(text: str) -> bool:
    return any(c.isalnum() for c in text)
