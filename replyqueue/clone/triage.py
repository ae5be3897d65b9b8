"""Sorting a comment before the clone drafts anything: category, language, priority, reasons.

Built-in rules cover what appears under every creator's videos, in English and French; the
creator's verdicts (learning.py) and community rules (rules.py) refine them. Matching runs on
normalised text: invisible characters removed, look-alike letters folded, letters spelled out
one by one joined, leetspeak undone.
"""

import re
from dataclasses import dataclass, field

from replyqueue.clone.language import detect_language
from replyqueue.clone.text import clean, deleet, fold, has_letters_or_digits, unspace

URL = re.compile(
    r"(https?://|www\.)\S+|\b[\w-]+\s?\.\s?(com|net|org|io|ly|gg|co|me|xyz|shop|link|fr|site|live|win|work|club|online|store|studio|app|biz|info)\b(/\S*)?",
    re.I,
)
MARKUP = re.compile(r"</?[a-z][^>]{0,80}>|\*\*|__", re.I)


def _patterns(*pairs: tuple[str, str]) -> list[tuple[re.Pattern, str]]:
    return [(re.compile(p, re.I), reason) for p, reason in pairs]


SENSITIVE_PATTERNS = _patterns(
    (r"\b(me scarifi\w*|scarification|ending it all|thinking of ending|end it all|nobody would (notice|miss me|care) if i|if i (disappeared|was gone|wasn'?t here)|not be here anymore|don'?t want to be here|continuer a vivre|l'interet de (vivre|continuer)|me tuer|overdose|relapse\w*|rechute)\b", "self-harm or crisis"),
    (r"\b(lost the baby|stillborn|lost my (mom|mum|dad|mother|father|brother|sister|son|daughter|wife|husband|baby|best friend|grandma|grandpa)|perdu (ma|mon) (mere|pere|bebe|frere|soeur|fils|fille|mari|femme)|deces|decede\w*)\b", "bereavement"),
    (r"\b(chimio\w*|radiotherap\w*|dialysis|dialyse|insulin\w*|diabet\w*|epilep\w*|seizures?|biopsy|biopsie|aux urgences|in the er|scan results|symptoms|symptomes|operation (du|de la))\b", "medical"),
    (r"\b(laid off|got fired|been fired|vire\b|licencie\w*|perdre mon (boulot|travail|job)|perdu mon (boulot|travail|job)|payer (le|mon) loyer|paying (the |my )?rent|bailiffs?|eviction|dettes?\b|surendett\w*)\b", "money trouble"),
    (r"\b(age (1[0-5]|[6-9])|aged (1[0-5]|[6-9])|(1[0-5]|[6-9]) years old|in (6th|7th|8th) grade|en (6e|5e|4e|3e|sixieme|cinquieme|quatrieme)|au college)\b", "a minor"),
    (r"\b(police came|still shaking|me frappe\w*|beats me|scared to go home|peur de rentrer|abusive (dad|father|mom|mother|partner|boyfriend|husband)|no one to talk to|personne a qui parler|je me sens (vide|seule?|perdue?))\b", "a fan in distress"),
    (r"\b(suicid\w*|kill myself|end (it all|my life)|want to die|wanna die|don'?t (really )?see the point( anymore)?|no reason to live|self[- ]?harm|cutting myself|hurt myself|me suicider|en finir|envie de mourir|me faire du mal|plus envie de vivre|je suis a bout|a bout de force)\b", "self-harm or crisis"),
    (r"\b(depress\w*|panic attacks?|anxiety attacks?|crises? d'angoisse|angoisse\w*|anxieux|anxieuse|deprim\w*|burn[- ]?out|eating disorder|anorexi\w*|bulimi\w*|trouble alimentaire|haven'?t left my bed|can'?t get out of bed|feel (so )?alone|feel so lonely|me sens (tellement |si )?seule?)\b", "mental health"),
    (r"\b(diagnos\w*|cancer|tumou?r|chemo\w*|stage [34]|terminal|pregnan\w*|miscarriage|fausse couche|enceinte|medication|meds|sertraline|antidepress\w*|antidepresseur\w*|prozac|xanax|medicament\w*|doctor said|my therapist|surgery|hospitali[sz]ed|a l'hopital|hopital)\b", "medical"),
    (r"\b(passed away|died (this|last|yesterday)|funeral|est decede\w*|est mort\w* (ce|hier|la)|enterrement|grief|deuil)\b", "bereavement"),
    (r"\b(lawyer|lawsuit|being sued|sue you|suing|legal action|avocat|proces|huissier|expulsion|evict\w*|copyright strike|dmca|tribunal|plainte contre)\b", "legal"),
    (r"\b(can'?t pay (my )?rent|lost my job|in debt|bankrupt|endette\w*|perdu mon (travail|emploi|job)|au chomage|plus d'argent|can'?t afford (food|rent))\b", "money trouble"),
    (r"\b(i'?m|i am|im|j'ai|jai)\s+(1[0-5]|[5-9])\s*(years? old|yo|y/o|ans)?\b(?!\s*(k|%|subs|min|h|hours|videos|days))", "a minor"),
    (r"\b(abused|abuse at home|he hits me|hits me|don'?t feel safe|pas en securite|harcel\w*|bullied|bullying|being harassed|checks my phone|won'?t let me see my friends|violences? conjugale\w*)\b", "a fan in distress"),
)

SPAM_PATTERNS = _patterns(
    (r"\b(take a look at|check out|checked it out|passez voir|venez voir|viens voir)\b.{0,30}\b(my|mon|ma)\b.{0,20}\b(page|channel|chaine|profile|profil|insta|videos?)\b|\b(passez|venez|viens) voir\b|\bfollow me (there|on|at)\b|\bmy (own )?(baking|cooking|gaming|music|art|makeup|travel) (channel|page)\b|\bje fais des videos\b.{0,40}\b(aussi|passez|abonne)", "self-promotion"),
    (r"\b(rejoins|join) (mon|my) (serveur|server|discord)\b|\bgiving away\b|\bfirst \d+ (subscribers|subs|followers)\b|\b(vous avez ete|you have been|you'?ve been) selected?\w*\b|\bwinners? (must )?(dm|contact|message|write|doivent)\b|\bsoundcloud\b|\bpromo deal\b|\bon trending\b", "giveaway or promotion"),
    (r"\b(check|visit|watch|see|come see|go see)\s+(out\s+)?(my|our)\s+(channel|page|profile|videos?|content|insta|bio|playlist|reaction|stream|shorts?)\b", "self-promotion"),
    (r"\b(my|our) (channel|page|profile)\b.{0,40}\b(support|subscribe|sub|appreciated|check|grow)\b|\bsmall (streamer|youtuber|creator)\b.{0,60}\b(channel|support)\b", "self-promotion"),
    (r"\bsub(scribe)?\s*(to|2)\s*(me|my)\b|\bsub\s*4\s*sub\b|\bfollow\s*(4|for)\s*follow\b|\bjust uploaded\b|\bwatch my (reaction|video|new)\b", "self-promotion"),
    (r"\b(abonne[zs]?[ -]*(toi|vous)|abonnez[ -]*vous)\b|\bva(s|z)? voir ma chaine\b|\bviens voir ma chaine\b|\bma chaine\b.{0,30}\b(abonne|soutien|passez)\b", "self-promotion"),
    (r"\b(same content but better|do the same (content|thing) but better|la meme chose en mieux)\b|\bcome see @\w+", "self-promotion"),
    (r"\b(crypto\w*|bitcoin|btc|eth|forex|nft|binary options?|investment (platform|program)|trading (expert|platform)|experte? en trading|passive income|revenu passif)\b", "crypto / investment pitch"),
    (r"\b(mrs?\.?|mme|madame|monsieur)\s+[a-z]+\s+[a-z]+'?s?\b.{0,80}\b(invest\w*|trading|changed my life|earn\w*|gagne\w*|program\w*|contact\w*)", "investment testimonial"),
    (r"\b(whats\s?app|telegram|signal|kik|snap(chat)?)\b.{0,40}(\+?\d[\d\s-]{6,}|@\w+|me|us|moi|la)\b|\b(text|message|write) me on (whats\s?app|telegram|hangouts?|kik)\b", "off-platform contact"),
    (r"\b(you('ve| have)? (been selected|won(?!['’]))|claim your (prize|gift|reward)|free (iphone|gift ?cards?|followers|subscribers|robux|v-?bucks)|gift ?cards?|tu as gagne|vous avez gagne)\b", "giveaway scam"),
    (r"\b(make|earn|made|earned|gagne[rz]?|gagnez)\s+\$?\d+\s?[k€$]?\s*(\$|€|euros?|dollars?)?\s*(a|per|par|/|in|en|yesterday|hier)\s*(day|jour|week|semaine|hour|heure|24h|yesterday)?\b", "money-making scheme"),
    (r"\b(get paid to|paid to comment|work from home and earn|quickcash|cash ?app|commentcash)\b", "money-making scheme"),
    (r"\b(\d+k?\s*(real )?(subscribers|subs|followers|abonnes|viewers|views))\b.{0,40}\b(cheap|24h|price|prix|pas chers?|for \$)|\b(abonnes|subscribers|followers) pas chers?\b|\bcheap (subs|subscribers|followers|views)\b", "selling followers"),
    (r"\b(promote your (videos?|channel)|feature your channel|promotion for your channel|10k real viewers|dm me (for|to) (promo|collab|promotion))\b|\b(promote|promotion|shoutout) (your|ton|votre) (channel|chaine)\b", "promotion offer"),
    (r"\b(hot|sexy|lonely) (girls?|singles?|women)\b|\bonlyfans\b|\bspicy (pics|content)\b|\b(look at|check) my (profile pic|pfp|profile)\b|🔞|\bdon'?t scroll\b", "adult spam"),
    (r"\blink in (my )?bio\b|\blien (dans|en) (ma )?bio\b|\bin my bio\b", "link in bio"),
    (r"\bverify your (account|channel)\b|\bto avoid a (strike|ban|suspension)\b|\bcopy and paste this\b|\bwill start deleting accounts\b", "phishing / chain message"),
    (r"\b(hello|hi) dear\b.{0,80}\b(friends?|text me|write me|contact me)\b|\bcan we be friends\b.{0,40}\b(text|write|contact|hangouts?)\b", "romance scam"),
    (r"\bwatch (full )?movies?\b.{0,20}\b(hd|free|online)\b|\bfull movie hd\b", "pirate streaming"),
    (r"\b(i'?ll|i will) edit your (next )?video\b|\bportfolio\s*(→|->|:)|\bhire me\b", "service pitch"),
)

ABUSE_PATTERNS = _patterns(
    (r"\b(imagine being (this|so) (fat|ugly|dumb|stupid)|fag(got)?s?|tranny|talentless|hack\b|must be embarrassed|teube|cassos|encul\w*|encle|hope your (next )?(flight|plane|car|house) (crashes|burns)|i('?ll| will)? (punch|hurt|hit|slap) (you|the screen)|want to punch|va te pendre|go hang yourself|je sais ou t'?habites|fais gaffe a toi|i know where you (live|film|work))\b", "insult or threat"),
    (r"\bgo back to your (own )?country\b", "hate"),
    (r"\b(idiot|stupid|stpid|moron|loser|dumb\w*|retard(ed)?|pathetic|ugly|fat ?ass|clown|imbecile|useless|slob|fraud|thief|scammer|waste of (oxygen|space|air)|worst human|brain ?dead|for brains|garbage human|trash human|dipshit|jackass)\b", "insult"),
    (r"\b(fuck (you|off|u)|f\*?ck (you|off|u)|fck (you|off|u)|screw you|stfu|shut up|bitch|btch|cunt|whore|slut|asshole|dickhead|piece of shit|pos)\b", "profanity aimed at someone"),
    (r"\b(con(ne)?|connard|connasse|salope|pute\b|encule\w*|abruti\w*|debile|cretin\w*|ta gueule|ferme[- ]la|boloss|bouffon|zgeg|merde\b|moche|minable|clochard|gros porc|grosse vache|tocard|naze|batard|fdp|ntm|nique)\b", "insult"),
    (r"\b(kill yourself|kys|go die|hope you die|i hope you (die|burn)|burns? to the ground|crev(e|ez)\b|va mourir|je vais te (trouver|tuer|retrouver)|(find|know) (where you live|your address)|va te trouver|tu vas (le )?regretter|watch your back)\b", "threat or harassment"),
    (r"\b(go back to your country|retourne dans ton pays|back to the kitchen|shouldn'?t be allowed to|sale (arabe|noir|juif|pd)|dirty (jew|muslim|immigrant)|women (can'?t|shouldn'?t))\b", "hate"),
    (r"\b(nobody (likes|cares about|watches) you|personne (ne )?te (regarde|suit|supporte|aime)|meme ta mere|you should quit|arrete youtube|quit youtube|t'es (nul|nulle|moche|bete)|you look like an? \w+)\b", "harassment"),
)
PRAISE_WORDS = re.compile(
    r"\b(love|loved|loving|amazing|awesome|great|best|beautiful|gorgeous|stunning|incredible|insane|sick|fire|legend\w*|goat|masterpiece|underrated|next level|so good|so classy|classy|brilliant|perfect|wonderful|fantastic|thank(s| you)|proud|inspir\w*|impressive|beautifully|lovely|you never miss|no notes|better place|chef'?s kiss|killed it|nailed it|slaps|banger|"
    r"merci|genial|trop bien|magnifique|bravo|j'adore|adore|super|incroyable|sous[- ]cote|de malade|dinguerie|ouf|chapeau|dechire|pepite|canon|sublime|parfait|excellent|trop fort|merveille\w*|qualite folle|trop beau|trop belle|top)\b"
    r"|\b(this is|that'?s|so|soo|really|very|insanely|stupid) (good|nice|cool|dope)\b"
    r"|\b(deserves? (way )?more (views|subs)|merites? (tellement |bien )?plus|through the roof|10/10|style|tuerie|ca tue|goated|on repeat|means the world|meilleure? (chaine|video)|i'?m dead|damn,? the|a vraiment (augmente|progresse))\b"
    r"|❤|😍|🔥|👏|🙌|💯|🥰|🤩|💕|💖|😮‍💨|👌",
    re.I,
)
PRAISE_TWIST = re.compile(r"\b(i hate how good|je deteste a quel point|the way you)\b", re.I)
COMPLAINT = re.compile(
    r"\b(disappoint\w*|worst (video|episode|part)|broken|doesn'?t work|didn'?t work|refund|never arrived|still (nothing|waiting)|arrived (cracked|broken|damaged)|charged twice|no refunds?|nobody is answering|hasn'?t answered|scam|clickbait|too (loud|quiet|many ads)|so loud|can'?t hear|clipping|peaks|sloppy|lazy|awful|boring|rambl\w*|(audio|sound) (is|was) (bad|awful|terrible)|auto[- ]generated|wrong half the time|spoil\w*|skips?|sponsored|another ad|every video is an ad|merch pushing|got old|used to (love|be good)|all drama|unsubscribing|just end it|sigh|misleading|"
    r"decu\w*|rembours\w*|toujours (pas|rien) (recu|de reponse)|ne marche pas|marche pas|arnaque|insupportable|putaclic|trop de pubs?|pubs?\b.{0,20}coupures?|sous[- ]titres .{0,20}(faux|nuls?)|traduction auto|saute l'etape|j'ai rate|c'etait mieux avant|on t'entend (pas|mal)|le son est (nul|horrible|pourri|mauvais|trop (bas|fort))|filler|felt like an ad|an ad for|left ear|mid-?rolls?|won'?t (order|buy) again|sponsor segment|sponsorisee?|deguisee?|pas honnete|c'etait quoi ce \w+|on comprend rien|way off|did you even|who approved|looks (green|blurry|awful)|(link|lien) .{0,20}(is dead|est mort|marche plus)|tu promets|never deliver\w*|every video (is )?an ad|chaque video est une pub|come on\b|exhausting|can you not|second intros|half the \w+ (are|is) just)\b",
    re.I,
)
REQUEST = re.compile(
    r"\b(please (make|do|show|review|try|cover|film|put|pin|add|react)|(can|could|would) you (please )?(make|do|give|show|review|try|react|pin|put|add|cover|film|shout ?out|say|come|link|share|post|upload)|"
    r"(make|do) an? (video|vlog|tutorial|q&a|room tour|pantry tour|part 2|follow[- ]up|collab)|do a \w+ (tour|video|review)|part 2|q&a|shout ?out|say hi to|come to \w+|you should (try|do|make|film|visit|go)|try (filming|the) \w+|next (video|vlog|tour)|request\b|put the (song|link|recipe) (name )?in|"
    r"^\W*(do|remake|react|bring|try|film|show|collab|essaie|essayez|refais|fais|viens|mets|reagis|teste)\b|would love (a|an|to see|more)|would you consider|(partie|part) (2|deux) (vite|please|pls|svp|stp)|collab with|un collab|ce serait (incroyable|top|cool|genial)|"
    r"tu (peux|pourrais|pourras) (faire|reagir|mettre|tester|montrer|refaire|passer|venir|donner|partager)|vous pourriez|fais (une|un|nous)|refais|remets|mets (le|la|les)|viens a \w+|il faut (absolument )?que tu|tu devrais|ce serait (cool|bien|top) (que|de)|une video sur|prochaine video|s'il te plait|stp)\b",
    re.I,
)
QUESTION = re.compile(
    r"^\s*(what|which|when|where|who|why|how|is|are|do|does|did|can|could|will|would|should|have|has|any ?one|anyone|"
    r"quel(le)?s?|quand|ou|comment|pourquoi|combien|qui|est[- ]ce|c'est quoi|y a[- ]t[- ]il|tu as|t'as|vous avez|question|whats|what's|wait is|ok but (how|what|why|where|who)|random but)\b|\b(question bete|quick question|does anyone know|do you know|je me demandais|wondering)\b|\b(quel|quelle|quels|quelles|combien)\b",
    re.I,
)
# Insult words people aim at themselves or their question: not abuse.
SELF_DEPRECATING = re.compile(
    r"\b(i'?m|i am|im|je suis|j'suis|chuis)( vraiment| such| so| trop| un| une| a| an)* (idiot|stupid|dumb|con|conne|bete|nul|nulle)\b"
    r"|\b(stupid|dumb|bete|idiot) (question|questions)\b|\bquestion (bete|idiote|stupide)\b"
    r"|\b(feel|feeling|felt) (dumb|stupid)\b|\bstupid (good|funny|beautiful)\b",
    re.I,
)
POSITIVE_EMOJI = re.compile(r"❤|😍|🔥|👏|🙌|💯|🥰|🤩|💕|💖|👌|😘|♥")

MAX_PRIORITY = 100


@dataclass
class Triage:
    category: str
    language: str
    priority: int
    reasons: list[str] = field(default_factory=list)
    outcome: str = "draft"  # draft | no_reply | needs_human
    owner_only: bool = False
    rule: object = None  # the CommunityRule that decided, if any
    labels: list[str] = field(default_factory=list)


def _first_match(patterns, *texts: str) -> str | None:
    for pattern, reason in patterns:
        if any(pattern.search(text) for text in texts):
            return reason
    return None


def _is_repeated(folded: str) -> bool:
    """'Nice video. Nice video. Nice video.': the same sentence pasted again and again."""
    parts = [p.strip() for p in re.split(r"[.!\n]+", folded) if p.strip()]
    return len(parts) >= 3 and len(set(parts)) == 1


def classify(text: str) -> Triage:
    """Built-in rules; the first family that matches decides, most harmful first."""
    visible = clean(text)
    folded = unspace(fold(MARKUP.sub(" ", text)))
    plain = deleet(folded)
    language = detect_language(visible)

    if not has_letters_or_digits(visible):
        if POSITIVE_EMOJI.search(visible):
            return Triage("praise", language, 10, ["emoji only, positive"])
        return Triage("other", language, 10, ["empty or symbols only"] if visible.strip() else ["empty comment"])
    if reason := _first_match(SENSITIVE_PATTERNS, folded):
        return Triage("sensitive", language, 90, [f"sensitive: {reason}"], "needs_human", owner_only=True)
    if reason := _first_match(SPAM_PATTERNS, folded, plain):
        return Triage("spam", language, 0, [f"spam: {reason}"], "no_reply")
    if _is_repeated(folded):
        return Triage("spam", language, 0, ["spam: the same text pasted repeatedly"], "no_reply")
    if URL.search(folded) and not (QUESTION.search(folded) or PRAISE_WORDS.search(folded)):
        return Triage("spam", language, 0, ["spam: link in comment"], "no_reply")
    friendly = PRAISE_WORDS.search(folded) and not re.search(r"\b(you|u|ur|your|you'?re|t'es|tu|te|toi|ta|ton)\b", folded)
    aimed = SELF_DEPRECATING.sub(" ", folded), SELF_DEPRECATING.sub(" ", plain)
    if not friendly and (reason := _first_match(ABUSE_PATTERNS, *aimed)):
        return Triage("abuse", language, 5, [f"abuse: {reason}"], "no_reply")
    if COMPLAINT.search(folded) and not PRAISE_TWIST.search(folded):
        return Triage("complaint", language, 70, ["complaint wording"])
    if REQUEST.search(folded):
        return Triage("request", language, 40, ["asks the creator to do something"])
    if "?" in visible:
        return Triage("question", language, 60, ["asks a question"])
    if PRAISE_WORDS.search(folded) or PRAISE_TWIST.search(folded):
        return Triage("praise", language, 20, ["praise wording"])
    if QUESTION.search(folded):
        return Triage("question", language, 60, ["asks a question"])
    return Triage("other", language, 30, ["no clear category"])
