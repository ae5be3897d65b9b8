"""Text normalisation shared by triage, retrieval and the facts guard.

Fans write with typos, slang, emoji, stretched letters ("sooo"), look-alike characters and
invisible characters; everything that compares text goes through these functions first.
"""

import re
import unicodedata

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

STOPWORDS = frozenset(
    """
    a an the and or but if of to in on at for with by from as is are was were be been being am
    i me my mine you your yours u ur he she it its we our they their them this that these those
    do does did doing have has had having can could would should will shall may might must
    what which who whom whose when where why how there here so than too very just not no yes
    about into over under again further then once all any both each few more most other some
    such only own same s t don now im i'm it's you're that's also really pls please hey hi hello
    le la les un une des du de d l et ou mais donc or ni car je tu il elle on nous vous ils elles
    me te se mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs ce cet cette ces
    qui que quoi dont où quand comment pourquoi est sont être avoir ai as a avons avez ont
    suis es sommes êtes etes fait faire dans sur sous avec pour par en au aux pas ne plus très
    tres bien oui non si y c j n qu s t m est-ce cest c'est j'ai salut bonjour coucou stp svp
    quel quelle quels quelles comme quoi t'as tas ta il elle ca cela ceci toujours jamais
    omg lol mdr wow ok okay yeah yep guys hey everyone out up off get got like thing things one
    ever actually roughly still lately these days always usually really just even also anyway btw
    sinon genre trop vraiment tellement super juste lequel laquelle lesquels quoi c ca ton tes
    lol haha ptdr jsp jpp tkt wsh wesh bref enfin donc alors voila ouais bah ben
    """.split()
)

# Slang and abbreviations fans use, folded to the word the knowledge base would use.
SLANG = {
    "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "thx": "thanks",
    "ty": "thanks", "vid": "video", "vids": "video", "vlog": "video", "cam": "camera",
    "mic": "microphone", "micro": "microphone", "merch": "merchandise", "b4": "before",
    "2day": "today", "tmrw": "tomorrow", "tmr": "tomorrow", "bc": "because", "cuz": "because",
    "wat": "what", "wut": "what", "wen": "when", "wher": "where", "gonna": "going",
    "wanna": "want", "dm": "message", "dms": "message", "insta": "instagram", "ig": "instagram",
    "yt": "youtube", "pc": "computer", "vidéo": "video", "appareil": "camera", "cpt": "cpt",
    "pk": "pourquoi", "pq": "pourquoi", "koi": "quoi", "kan": "quand", "tkt": "tkt",
    "mdr": "lol", "vidz": "video", "tuto": "tutorial", "tutos": "tutorial", "tutoriel": "tutorial",
}


# English and French words for the same thing, folded to one term so a French comment finds an
# English answer and the other way round. The first word of each group is the shared term.
CONCEPT_GROUPS = """
use uses using used utilise utilises utiliser utilisez prends prend
film films filming filmed filme filmes filmer shoot shoots shooting shot tourne tourner
ship shipping ships livraison livrer livre livres livrez expedie expedier envoyer deliver delivery
heavy weight weighs poids pese lourd
ssd disk drive disque storage stockage stocke stockes
workshop workshops atelier ateliers stage masterclass
instagram insta ig
grow grew grandi grandir raised
afford finance finances finances paie paies payer pay funding
scary scared afraid peur unsafe dangerous danger
camera appareil cam cams boitier body camera's cameras setup
lens lenses objectif objectifs objo optique glass
settings setting reglage reglages parametres parametre
microphone mic mics micro micros
tripod tripods trepied trepieds
bag backpack sac sacs
laptop computer computers ordinateur ordi pc macbook
card cards carte cartes sd
filter filters filtre filtres nd
gimbal stabilisateur stabilizer stabiliser handheld
edit edits editing edited montage monter monte montes editer edite retouche retouches retoucher
software logiciel logiciels appli app apps application
colour color colours colors couleur couleurs grade grading etalonnage etalonne etalonner
music musique musiques song songs chanson chansons track tracks
upload uploads post posts poste postes publish publie sortent sortie drop drops
trip trips voyage voyages travel travels voyager voyages traveling travelling
next prochain prochaine
price prices cost costs coute coutent combien prix tarif cher expensive
refund refunds rembourse remboursement rembourser
discount discounts sale sales promo promos code codes soldes
merch merchandise hoodie hoodies sweat tote shirt tshirt
sponsor sponsors sponsoring brand brands marque marques partenariat partnership partenariats collab collaboration
language languages langue langues speak parle parles parler
country countries pays
favourite favorite fav fave prefere preferee prefered
start started starting commence commencer debut debuts began begin lance lancer launch
channel chaine youtube
alone solo seule seul
insurance assurance
packing pack valise bagage luggage
internet sim esim data wifi roaming
night nuit nuits
photo photos picture pictures pic pics image images
video videos vids vid vlog vlogs clip
phone telephone tel mobile smartphone iphone portable
jetlag decalage
car voiture cars van
budget spend spent depense depenses depenser
fps framerate
stay stayed hotel dormi logement airbnb ryokan
first premier premiere
wide large
portrait portraits
live lives livestream stream streams
""".strip().splitlines()


def clean(text: str) -> str:
    """Remove invisible characters, fold look-alike letters and compatibility forms (NFKC)."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_SQUARED)
    return text.translate(_HOMOGLYPHS)


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


def fold(text: str) -> str:
    """Lowercase, strip accents, squeeze stretched letters: 'Sooo Géniaaal' -> 'soo genial'."""
    text = clean(text).casefold()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return _STRETCH.sub(r"\1\1", text)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text).replace("’", "'"))


def stem(word: str) -> str:
    """A deliberately light English/French stemmer: plurals and the commonest suffixes."""
    for suffix in (
        "ements", "ement", "ations", "ation", "aient", "erons", "eront", "ings", "ing", "ies", "ees", "ais", "ait",
        "ons", "ez", "er", "ee", "es", "ed", "s", "x", "e",
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _folded_stopwords() -> frozenset[str]:
    import unicodedata as ud

    return frozenset(
        "".join(c for c in ud.normalize("NFD", w) if ud.category(c) != "Mn") for w in STOPWORDS
    ) | STOPWORDS


def _concepts() -> dict[str, str]:
    table = {}
    for line in CONCEPT_GROUPS:
        members = [fold(w) for w in line.split()]
        for member in members:
            table.setdefault(stem(member), stem(members[0]))
    return table


def index_terms(text: str) -> list[str]:
    """The terms retrieval matches on, in order: stopwords removed, slang folded, stemmed, and
    English/French words for the same thing mapped to one term."""
    terms = []
    for word in words(text):
        word = SLANG.get(word, word)
        if "'" in word:
            word = word.split("'", 1)[1] if len(word.split("'", 1)[0]) <= 2 else word.split("'", 1)[0]
        if word in STOPWORDS or len(word) < 2:
            continue
        stemmed = stem(word)
        terms.append(CONCEPTS.get(stemmed, stemmed)[:40])
    return terms


def has_letters_or_digits(text: str) -> bool:
    return any(c.isalnum() for c in text)


EN_MARKERS = frozenset("the you your is are what when where how do does and this that with for i my it".split())
FR_MARKERS = frozenset(
    "le la les tu vous est sont quoi quand où comment et ce cette avec pour je mon ma ton ta c'est j'ai pas une des".split()
)


def detect_language(text: str) -> str:
    """'en', 'fr' or '' (unknown) by counting frequent function words; enough to route replies."""
    tokens = _WORD.findall(clean(text).casefold())
    en = sum(t in EN_MARKERS for t in tokens)
    fr = sum(t in FR_MARKERS for t in tokens)
    if fr > en:
        return "fr"
    if en > fr:
        return "en"
    if fr and en:
        return "fr" if any(c in text for c in "éèàçêù") else "en"
    return ""


CONCEPTS = _concepts()
STOPWORDS = _folded_stopwords()
