"""Putting an answer into the creator's voice: greeting, the fan's name, sign-off, emoji."""

import re

from replyqueue.clone.models import Persona

THANKS = {
    "en": "Thank you so much, that means a lot!",
    "fr": "Merci beaucoup, ça me touche énormément !",
}
SENTENCE = re.compile(r"(?<=[.!?])\s+")


_NAME = re.compile(r"^[^\W\d_][^\W\d_'’\-]{0,29}$", re.UNICODE)
_OPENING = re.compile(r"^\s*([^.!?,\n]{1,40})[!,]\s*")


def first_name(name: str) -> str:
    """The fan's first name if it looks like one. Names are shown, never trusted: a URL, a
    handle or markup in the name field gives no greeting name at all."""
    parts = name.strip().split()
    first = parts[0] if parts else ""
    return first if _NAME.match(first) else ""


def answer_only(reply: str, persona: Persona, fan_name: str = "") -> str:
    """What a reply says, without its greeting, the fan's name or the sign-off: the part worth
    learning. ("Coucou Yanis ! Le Sony A7 IV. — Mia" -> "Le Sony A7 IV.")"""
    text = reply.strip()
    signoff = persona.signoff.strip()
    if signoff and text.endswith(signoff):
        text = text[: -len(signoff)].rstrip()
    name = first_name(fan_name)
    opening = _OPENING.match(text)
    if opening:
        words = opening.group(1).split()
        greeting = persona.greeting.strip().lower()
        if (name and name in words) or (greeting and opening.group(1).lower().startswith(greeting)) or len(words) <= 2:
            text = text[opening.end() :]
    if name:
        text = re.sub(rf"(?:,\s*)?\b{re.escape(name)}\b(?:\s*,)?", "", text).strip()
    return text.strip(" ,")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.split(text.strip()) if s.strip()]


def shorten(text: str, limit: int) -> str:
    """Whole sentences up to about `limit` characters (at least one sentence)."""
    kept: list[str] = []
    for sentence in sentences(text):
        if kept and len(" ".join(kept + [sentence])) > limit:
            break
        kept.append(sentence)
    return " ".join(kept) or text


def in_voice(persona: Persona, answer: str, fan_name: str = "", language: str = "en", returning: bool = False) -> str:
    """The answer with the creator's greeting (noting a returning fan), emoji habit and sign-off."""
    greeting = persona.greeting.strip()
    name = first_name(fan_name)
    if returning and name:
        name = f"{name}, {'re-bonjour' if language == 'fr' else 'good to see you again'}"
    if language == "fr" and greeting.lower() in ("hey", "hi", "hello"):
        greeting = "Coucou"
    opening = " ".join(part for part in (greeting, name) if part)
    if opening:
        opening += " !" if language == "fr" else "!"
    parts = [opening, answer.strip()]
    if persona.emoji_rate >= 0.5 and persona.favourite_emoji and persona.favourite_emoji not in answer:
        parts[-1] = f"{parts[-1]} {persona.favourite_emoji}"
    if persona.signoff:
        parts.append(persona.signoff.strip())
    return " ".join(p for p in parts if p)
