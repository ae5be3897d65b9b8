"""Putting an answer into the creator's voice: greeting, the fan's name, sign-off, emoji."""

import re

from replyqueue.clone.models import Persona

THANKS = {
    "en": "Thank you so much, that means a lot!",
    "fr": "Merci beaucoup, ça me touche énormément !",
}
SENTENCE = re.compile(r"(?<=[.!?])\s+")


def first_name(name: str) -> str:
    name = name.strip().lstrip("@")
    return name.split()[0] if name else ""


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
