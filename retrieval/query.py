"""Query understanding: chat shorthand, diacritic restoration, the kind of answer asked for, and search terms."""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from core.vietnamese import fold, nfc, squash_spaces

logger = logging.getLogger(__name__)

# Chat shorthand → full words. Keys are lower-case; matched as whole tokens. Ambiguous short forms ("kh", "k")
# are expanded to the reading that is by far the most common in questions about these plans.
SHORTHAND: dict[str, str] = {
    "ko": "không",
    "k": "không",
    "hok": "không",
    "hem": "không",
    "khg": "không",
    "kg": "không",
    "j": "gì",
    "bn": "bao nhiêu",
    "bnh": "bao nhiêu",
    "đc": "được",
    "dc": "được",
    "ntn": "như thế nào",
    "bh": "bao giờ",
    "bgio": "bao giờ",
    "vs": "với",
    "v": "vậy",
    "z": "vậy",
    "ng": "người",
    "ngta": "người ta",
    "ubnd": "UBND",
    "ub": "Ủy ban",
    "hđnd": "HĐND",
    "tđkt": "thi đua khen thưởng",
    "tdkt": "thi đua khen thưởng",
    "cđs": "chuyển đổi số",
    "cds": "chuyển đổi số",
    "đmst": "đổi mới sáng tạo",
    "dmst": "đổi mới sáng tạo",
    "khcn": "khoa học và công nghệ",
    "kh&cn": "khoa học và công nghệ",
    "khcn&đmst": "khoa học, công nghệ, đổi mới sáng tạo",
    "cntt": "công nghệ thông tin",
    "kh": "kế hoạch",
    "pt": "phong trào",
    "ptr": "phong trào",
    "bv": "bệnh viện",
    "sk": "sáng kiến",
    "tp": "thành phố",
    "hn": "Hà Nội",
    "hs": "học sinh",
    "gv": "giáo viên",
    "dn": "doanh nghiệp",
    "cb": "cán bộ",
    "cc": "công chức",
    "vc": "viên chức",
    "cbcc": "cán bộ, công chức",
    "cbccvc": "cán bộ, công chức, viên chức",
    "ccvc": "công chức, viên chức",
    "nld": "người lao động",
    "nlđ": "người lao động",
    "nq": "nghị quyết",
    "qđ": "quyết định",
    "qd": "quyết định",
    "mttq": "Mặt trận Tổ quốc",
    "ubmttq": "Ủy ban Mặt trận Tổ quốc",
    "bhyt": "bảo hiểm y tế",
    "syt": "Sở Y tế",
    "skhcn": "Sở Khoa học và Công nghệ",
    "vhxh": "Văn hóa - Xã hội",
    "vh-xh": "Văn hóa - Xã hội",
    "ktxh": "kinh tế - xã hội",
    "kt-xh": "kinh tế - xã hội",
    "tthc": "thủ tục hành chính",
    "dvc": "dịch vụ công",
    "hđ": "hội đồng",
    "bcđ": "ban chỉ đạo",
    "cq": "cơ quan",
    "đv": "đơn vị",
    "sx": "sản xuất",
    "ptrao": "phong trào",
    "bdhvs": "Bình dân học vụ số",
    "trc": "trước",
    "tgian": "thời gian",
    "tg": "thời gian",
    "gđ": "giai đoạn",
    "dky": "đăng ký",
    "đky": "đăng ký",
    "nv": "nhiệm vụ",
    "qly": "quản lý",
    "ttin": "thông tin",
    "cty": "công ty",
    "vđ": "vấn đề",
    "mn": "mọi người",
    "lđ": "lao động",
    "ld": "lao động",
    "hclđ": "Huân chương Lao động",
    "ds": "danh sách",
    "dsach": "danh sách",
    "hc": "hành chính",
    "nn": "nhà nước",
    "bk": "bằng khen",
    "gk": "giấy khen",
    "ttg": "Thủ tướng",
    "ctr": "chương trình",
    "đg": "đánh giá",
    "tgia": "tham gia",
    "tb": "trung bình",
    "vb": "văn bản",
    "vbản": "văn bản",
    "ms": "mới",
    "sv": "sinh viên",
    "bnhieu": "bao nhiêu",
    "bnhiu": "bao nhiêu",
    "hông": "không",
    "k0": "không",
    "kh0ng": "không",
    "tdp": "tổ dân phố",
    "tđp": "tổ dân phố",
    "e": "em",
    "bc": "báo cáo",
    "bcao": "báo cáo",
    "kq": "kết quả",
    "pct": "phó chủ tịch",
    "ct": "chủ tịch",
    "đtn": "Đoàn Thanh niên",
    "hlhpn": "Hội Liên hiệp Phụ nữ",
    "ccb": "Cựu chiến binh",
    "htx": "hợp tác xã",
    "ad": "",
    "admin": "",
    "ạ": "",
    "nhé": "",
    "nha": "",
    "ơi": "",
    "oi": "",
}

# "p.Thanh Bình", "x. Trùng Khánh", "tp.Hà Nội": an abbreviated administrative level glued to a name.
_LEVEL_PREFIX = re.compile(r"(?<![\w.])(p|x|tp|q|tx|tt)\.\s*(?=\w)", re.IGNORECASE)
# "UBND p.", "ubnd x.": the level abbreviated with no name after it (the asker's own ward or commune).
_LEVEL_AFTER_COUNCIL = re.compile(r"(?<=\bubnd )(p|x|tp|q|tx|tt)\.(?!\w)", re.IGNORECASE)
# "ad ơi", "mn ơi", "anh chị ơi": who the question is addressed to, before it starts.
_VOCATIVE = re.compile(r"^\s*(?:[^\W\d_]+\s+){1,2}(?:ơi|oi)\b[\s,!.]*", re.IGNORECASE)
# "… ko mn", "… vậy ad ạ": who the question is addressed to, after it ends.
_TRAILING_VOCATIVE = re.compile(
    r"[\s,]+(?:mn|mng|mọi người|ad|admin|anh chị|a/c|ac)(?:\s+(?:ơi|oi|ạ|nhé|nha|với))*\s*[?!.]*\s*$", re.IGNORECASE
)
# "p hoàng mai", "x trùng khánh": a level abbreviated before a name without its dot
_LEVEL_BARE = re.compile(r"(?<![\w.&/-])(p|x|q)\s+(?=[^\W\d_]{2,})", re.IGNORECASE)
_LEVEL_WORDS = {"p": "phường", "x": "xã", "tp": "thành phố", "q": "quận", "tx": "thị xã", "tt": "thị trấn"}
_TOKEN = re.compile(r"[\w&]+(?:[-&][\w]+)*", re.UNICODE)

# Question words and particles. They say what kind of answer is wanted, not what it is about. Checked on the word
# as typed when it carries diacritics ("mấy" is a question word, "máy" is not), else on its folded form.
_STOPWORDS_ACCENTED_TEXT = """
    là gì nào của các những không được và với cho trong ở thế như phải ai đâu sao khi tại theo để đến từ một này đó
    ra vào mà thì còn hay hoặc ạ vậy ơi nhé hả đúng có về cần bao nhiêu mấy lúc giờ làm nay kia ấy cũng đã sẽ đang
    bị tôi mình em anh chị bạn biết hỏi xin muốn chứ rồi nếu thì trên dưới qua tới cái điều gồm
"""
STOPWORDS_ACCENTED: frozenset[str] = frozenset(_STOPWORDS_ACCENTED_TEXT.split())
# Folded forms that are question words or particles whatever their diacritics were ("bao nhiêu", "như thế nào").
# Used when a question has no diacritics at all (restoration unavailable). Words that fold onto content words
# ("ban" Ban/bạn, "hoi" hội/hỏi, "dung" dựng/đúng, "bao" báo/bao, "qua" quả/qua) are left out on purpose.
_STOPWORDS_TEXT = """
    la gi nao cua cac nhung khong duoc va voi cho trong o the nhu phai ai sao khi theo mot nay ra vao thi hay hoac
    a vay oi nhe nhieu ntn j ko k
"""
# Unaccented words of an accented question are genuinely unaccented: these few are particles.
_BARE_STOPWORDS_TEXT = """
    khi ra nay cho theo trong ai sao hay thi nhu ma do con bao em anh a
"""
BARE_STOPWORDS: frozenset[str] = frozenset(_BARE_STOPWORDS_TEXT.split())
STOPWORDS: frozenset[str] = frozenset(_STOPWORDS_TEXT.split())
# Words that name the movement or the plan itself: present in every plan, so they never decide relevance.
_GENERIC_ACCENTED_TEXT = """
    phong trào thi đua kế hoạch đổi mới sáng tạo chuyển số cả nước triển khai thực hiện
"""
GENERIC_ACCENTED: frozenset[str] = frozenset(_GENERIC_ACCENTED_TEXT.split())
_GENERIC_TEXT = """
    phong trao thi dua ke hoach doi moi sang tao chuyen so ca nuoc trien khai thuc hien
"""
GENERIC: frozenset[str] = frozenset(_GENERIC_TEXT.split())


def is_function_word(word: str, *, accented_text: bool = True) -> bool:
    """Tell whether a word is a question word, particle or the movement's own name.

    ``accented_text`` says whether the question carries diacritics: then an unaccented word is taken as written.
    """
    lowered = word.lower()
    if fold(lowered) != lowered:
        return lowered in STOPWORDS_ACCENTED or lowered in GENERIC_ACCENTED
    if accented_text:
        return lowered in BARE_STOPWORDS or lowered in GENERIC
    return lowered in STOPWORDS or lowered in GENERIC


# "hạn" on its own is a deadline ("hạn báo cáo"), but not in "quyền hạn", "giới hạn", "hữu hạn", "hạn chế"
_DEADLINE = r"(?<!quyen )(?<!gioi )(?<!huu )\bhan\b(?! che\b| han\b)"
_DATE_Q = re.compile(
    r"\b(ngay nao|ngay may|han chot|han cuoi|thoi han|han nop|khi nao|bao gio|luc nao|thoi gian nao|thoi diem nao"
    r"|truoc ngay|vao ngay|nam nao|thang nao|dip nao|bao lau|thoi gian|ngay bao nhieu|nam bao nhieu|nam may"
    r"|cham nhat|muon nhat)\b|" + _DEADLINE
)
# A day asked for ("hạn chót", "ngày nào"): a year does not answer it.
_DAY_Q = re.compile(
    r"\b(ngay nao|ngay may|ngay bao nhieu|han chot|han cuoi|han nop|thoi han|truoc ngay|cham nhat)\b|" + _DEADLINE
)
_NUMBER_Q = re.compile(
    r"\b((?<!ngay )bao nhieu|so may|so luong|ty le|muc nao|may phan tram|phan tram|chi phi|kinh phi|muc gia"
    r"|gia bao nhieu|gia ve|gia tien|gia ban|so tien)\b"
)
# A time of day or a weekday asked for ("mấy giờ", "thứ mấy", "giờ làm việc"): a plan states none of these.
_TIME_Q = re.compile(
    r"\b(may gio|gio nao|(?:vao|toi|sang|chieu|ngay|hoc) thu may|gio lam viec|khung gio|buoi nao|lich hoc"
    r"|lich lam viec)\b"
)
_CONTACT_Q = re.compile(r"\b(so dien thoai|dien thoai|hotline|duong day nong|email|thu dien tu|website|zalo)\b")
_COUNT_Q = re.compile(r"\b(co|gom|chia thanh|chia lam) (bao nhieu|may) (?!phan tram|tien|dong|nguoi|ho)\w")
_LIST_Q = re.compile(
    r"\b(nhung gi|nhung nao|cac nao|gom|bao gom|nhiem vu gi|noi dung gi|nhung ai|ai la|cac giai phap|nhung viec"
    r"|lam gi|lam nhung gi|nhu the nao|the nao|ra sao|yeu cau|trach nhiem|nhiem vu|tieu chi|giai doan|doi tuong"
    r"|dieu kien|tieu chuan"
    r"|hinh thuc|cac buoc|danh sach|ke ten|liet ke)\b"
)
_DUTY_Q = re.compile(
    r"\b(phai|trach nhiem|nhiem vu|duoc giao|lam gi|phu trach|vai tro|co lo|dam nhan|chu tri|can lam)\b"
)
_WHICH_PLANS_Q = re.compile(
    r"\b(nhung ke hoach nao|cac ke hoach nao|ke hoach nao|nhung dia phuong nao|dia phuong nao|nhung noi nao|noi nao"
    r"|nhung van ban nao|van ban nao|cac noi|ca nhung|co bao nhieu ke hoach)\b"
)


# How people ask vs how plans write: a question phrase (folded) → plan words (folded) that mean the same thing.
EXPANSIONS: dict[str, str] = {
    "gui toi": "noi nhan",
    "gui den": "noi nhan",
    "gui cho": "noi nhan",
    "ai nhan": "noi nhan",
    "uu tien": "tap trung",
    "kenh": "phuong tien thong tin bao chi cong thong tin",
    "phu trach": "chu tri tham muu",
    "chiu trach nhiem": "chu tri tham muu",
    "dau moi": "co quan thuong truc",
    "thuong truc": "co quan thuong truc",
    "co so phap ly": "can cu",
    "dieu kien": "tieu chi",
    "yeu cau thi dua": "tieu chi thi dua",
    "duoc tang": "khen thuong",
    "can cu": "thuc hien",
    "dua tren": "can cu thuc hien",
    "muc tieu": "muc dich phan dau",
    "ai duoc khen": "khen thuong tap the ca nhan",
    "phan thuong": "khen thuong hinh thuc",
    "danh hieu": "khen thuong hinh thuc",
    "phan anh": "vuong mac",
    "gap kho khan": "vuong mac",
    "ty le": "phan tram",
    "keo dai": "thoi gian",
    "ai ky": "tm chu tich",
    "nguoi ky": "tm chu tich",
    "ky ban hanh": "tm chu tich",
    # "tặng" is how people say "khen thưởng"; folded it is also "tăng" (increase), so only where it can be no other
    "tang bang khen": "khen thuong",
    "tang giay khen": "khen thuong",
    "tang co thi dua": "khen thuong",
    "tang danh hieu": "khen thuong",
    "tang tap the": "khen thuong",
    "tang ca nhan": "khen thuong",
    "tang thuong": "khen thuong",
    "hinh thuc tang": "khen thuong",
}
# Words of one meaning, said the way the plan wordings above are keyed: "bên nào ký" is asked as "ai ký" is.
CANONICAL: tuple[tuple[str, str], ...] = (
    (" ben nao ", " ai "),
    (" don vi nao ", " ai "),
    (" co quan nao ", " ai "),
    (" bo phan nao ", " ai "),
    (" nop ", " gui "),
)
AWARD_ACCENTED = "tặng"  # written with its tone mark, "tặng" is "khen thưởng" whatever follows
# Question phrases that say what kind of answer is wanted → plan words such answers are written with. They help
# find the answering sentence but never count as the question's subject being covered.
KIND_HINTS: dict[str, str] = {
    "han chot": "truoc ngay",
    "han": "truoc ngay dinh ky",
    "han nop": "truoc ngay",
    "nop": "gui bao cao",
    "gui": "gui bao cao",
    "thoi han": "truoc ngay dinh ky",
    "khi nao": "truoc ngay dinh ky",
    "bao gio": "thoi gian giai doan",
    "bao lau": "thoi gian giai doan",
    "bao nhieu phan tram": "phan tram",
    "keo dai": "tu nam den nam",
    "ngay nao": "truoc ngay",
    "ngay may": "truoc ngay",
    "ngay bao nhieu": "truoc ngay",
    "nam nao": "nam",
    "thang nao": "thang",
    "cham nhat": "truoc ngay",
    "muon nhat": "truoc ngay",
    "may nam": "thoi gian tu nam den nam",
    "bao nhieu nam": "thoi gian tu nam den nam",
}


@dataclass(frozen=True)
class ParsedQuery:
    """A question made searchable: shorthand expanded, diacritics restored, and what kind of answer it wants."""

    raw: str
    text: str  # shorthand expanded and diacritics restored where possible: what the embedder sees
    folded: str  # ``text`` folded (lower case, no diacritics), one space between tokens
    tokens: tuple[str, ...]  # folded tokens of ``text``
    content: tuple[str, ...]  # folded tokens that carry the question's subject (no question words)
    topic: tuple[str, ...]  # ``content`` plus the movement's own words
    wants_date: bool
    wants_number: bool
    wants_list: bool
    asks_which_plans: bool
    asks_duty: bool = False  # "X phải làm gì": the answer sits under the section titled with X
    wants_day: bool = False  # a deadline or a day ("hạn chót", "ngày nào"), not only a year
    numbers: tuple[str, ...] = ()  # figures the question names (years, document numbers): evidence must hold them
    wants_contact: bool = False  # a phone number, e-mail or website: the evidence must hold one
    wants_time: bool = False  # a time of day or a weekday: the evidence must state one
    expansion: tuple[str, ...] = ()  # folded plan words that answer phrases of the question
    expansion_pairs: tuple[str, ...] = ()  # adjacent pairs within those plan wordings, e.g. "noi nhan"
    kind_hints: tuple[str, ...] = ()  # plan words that answers of the wanted kind are written with


def expand_shorthand(text: str) -> str:
    """Replace chat shorthand ("ko", "j", "bn", "đc", "ubnd", "p.", "tp" …) by full Vietnamese words."""
    text = _TRAILING_VOCATIVE.sub("", _VOCATIVE.sub("", nfc(text)))
    text = _LEVEL_BARE.sub(lambda m: _LEVEL_WORDS[m.group(1).lower()] + " ", text)
    text = _LEVEL_PREFIX.sub(lambda m: _LEVEL_WORDS[m.group(1).lower()] + " ", text)
    text = _LEVEL_AFTER_COUNCIL.sub(lambda m: _LEVEL_WORDS[m.group(1).lower()], text)

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        full = SHORTHAND.get(token.lower())
        return token if full is None else full

    return squash_spaces(_TOKEN.sub(replace, text))


@cache
def _query_restorer() -> Callable[[str], str] | None:
    """The OCR repairer's ``restore_query`` when the knowledge package provides it."""
    try:
        module = importlib.import_module("knowledge.ocr_repair")
        repairer = module.default_repairer()
        restore: Callable[[str], str] = repairer.restore_query
        return restore
    except (ImportError, AttributeError) as exc:  # the repairer is optional: bare queries still match folded text
        logger.info("diacritic restoration unavailable: %s", exc)
        return None


@cache
def _dictionary_pairs() -> frozenset[str] | None:
    """Folded two-syllable words of the general Vietnamese lexicon ("giay phep", "tham quan"), if it is there."""
    try:
        module = importlib.import_module("knowledge.lexicon")
        pairs: dict[tuple[str, str], int] = module.general_lexicon().pair_counts
    except (ImportError, AttributeError, OSError) as exc:
        logger.info("general lexicon unavailable: %s", exc)
        return None
    return frozenset(f"{fold(a)} {fold(b)}" for a, b in pairs)


def is_word(pair: str) -> bool:
    """Tell whether two folded syllables make one dictionary word (always true when no dictionary is available)."""
    words = _dictionary_pairs()
    return words is None or pair in words


_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
_FOLDED_SYLLABLE = re.compile(rf"^{_ONSET}(?:[aeiouy]{{1,3}})(?:ch|ng|nh|[cmnpt])?$")


def is_vietnamese_syllable(folded: str) -> bool:
    """Tell whether a folded word could be a Vietnamese syllable (digits count as such): "vneid", "zalo" cannot."""
    return folded.isdigit() or bool(_FOLDED_SYLLABLE.match(folded))


def warm_up() -> None:
    """Load the diacritic restorer and the dictionary now, so the first question is not the slow one."""
    _query_restorer()
    _dictionary_pairs()


def restore_diacritics(text: str) -> str:
    """Give a question typed without diacritics its diacritics back, using the same repair as ``knowledge/``."""
    restore = _query_restorer()
    if restore is None:
        return text
    try:
        return nfc(restore(text))
    except Exception:  # a repair failure must never fail the answer
        logger.exception("restore_query failed")
        return text


# Question phrases, matched on folded words: a restored question may carry wrong diacritics ("như thể nào").
_QUESTION_PHRASES = (
    "nhu the nao",
    "the nao",
    "bao nhieu",
    "la gi",
    "lam gi",
    "o dau",
    "khi nao",
    "luc nao",
    "bao gio",
    "ra sao",
    "nhung gi",
    "cai gi",
    "so may",
    "la ai",
    "nhung ai",
    "duoc khong",
    "co khong",
    "ben nao",
    "don vi nao",
    "co quan nao",
    "bo phan nao",
)


def _question_phrase_positions(folded: list[str], extra: Sequence[str] = ()) -> set[int]:
    positions: set[int] = set()
    for phrase in (*_QUESTION_PHRASES, *extra):
        parts = phrase.split()
        for start in range(len(folded) - len(parts) + 1):
            if folded[start : start + len(parts)] == parts:
                positions.update(range(start, start + len(parts)))
    return positions


def _words_kept(text: str, *, keep_generic: bool, skip_phrases: Sequence[str] = ()) -> tuple[str, ...]:
    words = re.findall(r"[^\W_]+", text)
    folded = [fold(w) for w in words]
    accented = fold(text) != text.lower()
    skip = _question_phrase_positions(folded, skip_phrases)
    return tuple(
        f
        for i, (w, f) in enumerate(zip(words, folded, strict=True))
        if i not in skip and (not is_function_word(w, accented_text=accented) or (keep_generic and f in GENERIC))
    )


def content_tokens(text: str, skip_phrases: Sequence[str] = ()) -> tuple[str, ...]:
    """The folded words that say what the question is about: no question words, particles or movement names, nor
    the words of ``skip_phrases`` where they stand as that phrase."""
    return _words_kept(text, keep_generic=False, skip_phrases=skip_phrases)


def topic_tokens(text: str) -> tuple[str, ...]:
    """Content words plus the movement's own words ("kế hoạch", "chuyển đổi số"): they matter within a sentence."""
    return _words_kept(text, keep_generic=True)


def tokenize_folded(text: str) -> list[str]:
    """Folded search tokens: words, numbers and codes like ``15/12`` or ``03/nq-cp``."""
    return [t.strip(".,-/") for t in _SEARCH_TOKEN.findall(fold(text)) if t.strip(".,-/")]


_SEARCH_TOKEN = re.compile(r"[0-9a-z]+(?:[/.\-][0-9a-z]+)*")


def parse_query(question: str) -> ParsedQuery:
    """Understand ``question``: expand shorthand, restore diacritics, find the answer kind and content words."""
    expanded = expand_shorthand(question)
    # typed without diacritics (shorthand expansions like "bc" → "báo cáo" bring their own): restore them
    text = restore_diacritics(expanded) if fold(question) == question.lower() else expanded
    tokens = tokenize_folded(text)
    folded = " ".join(tokens)
    spaced = " " + " ".join(folded_words_plain(text)) + " "
    wordings = _plan_wordings(text, spaced)
    # "có bao nhiêu hình thức?" is answered by the list itself, which need not state its length
    counting = bool(_COUNT_Q.search(spaced))
    wants_date = bool(_DATE_Q.search(spaced))
    # phrases that only say what kind of answer is wanted ("hạn nộp", "thời hạn") are not its subject
    kind_phrases = [phrase for phrase in KIND_HINTS if f" {phrase} " in spaced] + (["han"] if wants_date else [])
    return ParsedQuery(
        raw=question,
        text=text,
        folded=folded,
        tokens=tuple(tokens),
        content=content_tokens(text, kind_phrases),
        topic=topic_tokens(text),
        wants_date=wants_date,
        wants_day=wants_date and bool(_DAY_Q.search(spaced)),
        wants_number=bool(_NUMBER_Q.search(spaced)) and not counting,
        wants_list=bool(_LIST_Q.search(spaced)) or counting,
        asks_which_plans=bool(_WHICH_PLANS_Q.search(spaced)),
        asks_duty=bool(_DUTY_Q.search(spaced)),
        wants_contact=bool(_CONTACT_Q.search(spaced)),
        wants_time=bool(_TIME_Q.search(spaced)),
        numbers=tuple(dict.fromkeys(w for w in spaced.split() if w.isdigit() and len(w) >= 2)),
        expansion=tuple(word for words in wordings for word in words.split()),
        expansion_pairs=tuple(f"{a} {b}" for words in wordings for a, b in pairwise(words.split())),
        kind_hints=tuple(w for phrase, words in KIND_HINTS.items() if f" {phrase} " in spaced for w in words.split()),
    )


def _plan_wordings(text: str, spaced: str) -> list[str]:
    """The plan wordings the question's phrases map to (``EXPANSIONS``), its synonyms read one way first."""
    canonical = f" {canonical_wording(spaced)} "
    wordings = [words for phrase, words in EXPANSIONS.items() if f" {phrase} " in canonical]
    awarded = AWARD_ACCENTED in re.findall(r"[^\W_]+", text.lower()) or re.search(r" khen (?!thuong)", spaced)
    if awarded and "khen thuong" not in wordings:  # "khen", "tặng": plans write "khen thưởng"
        wordings.append("khen thuong")
    return wordings


def canonical_wording(folded: str) -> str:
    """Folded words with each synonym said one way ("bên nào ký" → "ai ký", "nộp" → "gửi"), for reading what is
    asked; the words searched for stay as typed."""
    text = f" {folded} "
    for said, meant in CANONICAL:
        text = text.replace(said, meant)
    return text.strip()


def folded_words_plain(text: str) -> list[str]:
    """Folded word tokens with codes split apart (``03/nq-cp`` → ``03 nq cp``)."""
    return re.findall(r"[0-9a-z]+", fold(text))
