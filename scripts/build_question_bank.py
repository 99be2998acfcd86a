"""Build the systematic (template-generated) part of the evaluation question bank.

Usage: ``.venv/bin/python scripts/build_question_bank.py``

Reads the five plans and their metadata from ``knowledge/plans/``, runs the ingestion side (``knowledge.ingest``:
OCR repair, passages, extracted facts, document cards) and writes ``tests/retrieval/bank/templates.jsonl``: questions
for every plan, every section that carries a fact, every extracted fact and the document card, each intent in three
variants (with diacritics, without, chat shorthand) and at least two phrasings. It never reads ``retrieval/``.

Every ``gold_passage`` is cut from the source lines of a passage (OCR spelling kept) and the script fails loudly when
one is not an exact substring of its plan file, when a fact is found neither in its gold passage nor in the repaired
passage, or when ids repeat.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.vietnamese import fold, squash_spaces  # noqa: E402
from knowledge.card import PlanCard, build_cards  # noqa: E402
from knowledge.ingest import plan_files, prepare_plan  # noqa: E402
from knowledge.loaders import load_document  # noqa: E402
from knowledge.metadata import meta_from_data, read_meta_file  # noqa: E402
from knowledge.passages import Fact, Passage, PlanMeta  # noqa: E402

SEED = 20250718
PLANS_DIR = ROOT / "knowledge" / "plans"
WORD_PAIRS = ROOT / "knowledge" / "lexicon" / "word_pairs.txt.gz"  # adjacent syllables inside Vietnamese words
SYLLABLES = ROOT / "knowledge" / "lexicon" / "syllables.tsv"  # folded syllables, with how many words use each
OUTPUT = ROOT / "tests" / "retrieval" / "bank" / "templates.jsonl"
MIN_QUESTIONS = 320
MIN_OUT_OF_SCOPE = 40

# ----------------------------------------------------------------------------------------------------------------
# Synonym table: every template draws its wording from here, so each intent gets at least two phrasings.
# ----------------------------------------------------------------------------------------------------------------
SYNONYMS: dict[str, list[str]] = {
    "send": ["nộp", "gửi"],
    "when": ["trước ngày nào", "khi nào", "chậm nhất là ngày nào"],
    "deadline": ["hạn", "thời hạn", "hạn chót"],
    "who": ["ai", "bên nào", "đơn vị nào", "cơ quan nào"],
    "award": ["khen thưởng", "khen", "tặng"],
    "criteria": ["yêu cầu", "tiêu chí", "điều kiện"],
    "duty": ["có nhiệm vụ gì", "có trách nhiệm gì", "phải làm gì"],
    "which_year": ["vào năm nào", "năm nào", "khi nào"],
    "list": ["gồm những gì", "có những hình thức nào", "gồm những hình thức nào"],
}

# Chat shorthand, applied in order on the lower-cased question (longest phrases first).
TEEN_REPLACEMENTS: list[tuple[str, str]] = [
    ("ủy ban nhân dân", "ubnd"),
    ("thi đua khen thưởng", "tđkt"),
    ("thi đua - khen thưởng", "tđkt"),
    ("báo cáo", "bc"),
    ("bao nhiêu", "bn"),
    ("không", "ko"),
    ("được", "đc"),
    ("phường ", "p. "),
]
TEEN_OPENERS = ["cho em hỏi ", "", "ad ơi ", "cho mình hỏi "]
TEEN_CLOSERS = [" ạ", " v ạ", "", " ạ"]

# Place names a person uses for each plan (locality, aliases, issuer); bare "Thành phố" / "Thủ đô" are too vague.
EXCLUDED_PLACES = {"Thành phố", "Thủ đô", "UBND Thành phố", "SYT", "Cao Bằng", "Hoàng Mai", "Thanh Bình", "Sở Y tế"}
EXTRA_PLACES: dict[str, list[str]] = {
    "002": ["UBND TP Hà Nội"],
    "001": ["Trùng Khánh, Cao Bằng"],
    "003": ["ngành y tế Hà Nội"],
}

# Responsible bodies, by plan and section label under "Tổ chức thực hiện" (the OCR titles are cut or damaged).
BODY_NAMES: dict[tuple[str, str], str] = {
    ("000", "1."): "Phòng Văn hóa – Xã hội",
    ("000", "2."): "Ủy ban MTTQ Việt Nam và các tổ chức chính trị - xã hội",
    ("000", "3."): "các cơ quan, đơn vị, tổ dân phố",
    ("001", "1."): "Phòng Văn hóa – Xã hội",
    ("001", "2."): "Ủy ban MTTQ và các tổ chức chính trị - xã hội",
    ("001", "3."): "các đơn vị trường học, doanh nghiệp",
    ("001", "4."): "Hội đồng Thi đua - Khen thưởng",
    ("001", "5."): "Trung tâm Văn hóa – Truyền thông",
    ("001", "6."): "các phòng chuyên môn, Trung tâm Phục vụ hành chính công, các tổ, xóm",
    ("002", "1."): "Sở Khoa học và Công nghệ",
    ("002", "2."): "Sở Nội vụ",
    ("002", "3."): "Ủy ban MTTQ Việt Nam và các tổ chức chính trị - xã hội",
    ("002", "4."): "Sở Văn hóa và Thể thao",
    ("002", "5."): "các sở, ban, ngành, UBND các xã, phường",
    ("002", "6."): "các doanh nghiệp, viện nghiên cứu, cơ sở đào tạo",
    ("003", "1."): "Phòng Tổ chức cán bộ",
    ("003", "2."): "Phòng Quản lý Bảo hiểm y tế và Công nghệ thông tin",
    ("003", "3."): "Văn phòng Sở",
    ("003", "4."): "các đơn vị trực thuộc",
    ("004", "1."): "bộ phận Văn hóa Thông tin",
    ("004", "2."): "Văn phòng HĐND và UBND",
    ("004", "3."): "cán bộ, công chức",
    ("004", "4."): "Ủy ban MTTQ, các ban, ngành, đoàn thể",
    ("004", "5."): "các doanh nghiệp",
}

# OCR damage in criteria titles ("Đối với …"), repaired by hand.
PARTICIPANT_FIXES = {"tổ chife": "tổ chức", "xá": "xã", "DPéi": "Đối"}

# What a target measures, found by a folded keyword of the fact's sentence. Targets whose sentence is too garbled
# or whose figure is ambiguous inside the plan (90% and 100% for the same online-services measure) are left out.
TARGET_TOPICS: list[tuple[str, str, str]] = [
    (
        "004",
        "80% tro len thu tuc",
        "tỷ lệ thủ tục hành chính được người dân, doanh nghiệp làm qua dịch vụ công trực tuyến",
    ),
    ("004", "khong phai xuat trinh giay to", "tỷ lệ công dân không phải xuất trình giấy tờ, bản sao y, công chứng"),
    ("004", "xu ly van ban, ho so", "tỷ lệ văn bản, hồ sơ công việc được xử lý toàn trình trên môi trường điện tử"),
    ("004", "quan tri noi bo", "tỷ lệ hoạt động chỉ đạo, điều hành, quản trị nội bộ trên nền tảng quản trị tổng thể"),
    ("004", "van ban trao doi giua", "tỷ lệ văn bản trao đổi giữa các cơ quan nhà nước dưới dạng điện tử"),
    (
        "004",
        "bao cao dinh ky ve chi tieu",
        "tỷ lệ báo cáo định kỳ chỉ tiêu kinh tế - xã hội làm trên phần mềm báo cáo của tỉnh",
    ),
    (
        "004",
        "lien quan dan doanh nghiep",
        "tỷ lệ thủ tục hành chính liên quan đến doanh nghiệp được thực hiện trực tuyến",
    ),
]
RANK_FACT = ["01 den 05", "1 den 5", "01-05", "1-5", "01 - 05", "1 - 5", "01 toi 05", "1 toi 5"]

# Document card facts that need a reader: the signer's name as printed, cleaned of OCR damage.
SIGNER_NAMES = {"000": "Nguyễn Quỳnh Trang", "002": "Trần Sỹ Thanh", "003": "Nguyễn Đình Hùng"}
# The issuer, as a correct answer must name it (folded, with the header's OCR spelling).
ISSUER_FACTS: dict[str, list[str]] = {
    "000": ["hoang mai"],
    "001": ["trung khanh"],
    "003": ["so y te", "soy te"],
    "004": ["thanh binh"],
}
# Readable issue dates (folded spellings); 000 has an unreadable day and month, 002 prints no header.
ISSUE_DATES: dict[str, list[str]] = {
    "001": ["7/2025", "07/2025", "thang 7 nam 2025", "thang 7/2025"],
    "003": ["23/7/2025", "23/07/2025", "23 thang 7 nam 2025"],
    "004": ["04/4/2025", "4/4/2025", "04/04/2025", "4 thang 4 nam 2025", "04 thang 4 nam 2025"],
}
# Two recipients ("Nơi nhận") per plan, as folded alternatives.
RECIPIENTS: dict[str, list[list[str]]] = {
    "000": [["kh&cn", "khoa hoc va cong nghe"], ["tt hdnd phuong", "thuong truc hdnd phuong", "tt hdnd"]],
    "001": [["kh&cn", "khoa hoc va cong nghe"], ["tt phuc vu hanh chinh cong", "trung tam phuc vu hanh chinh cong"]],
    "002": [["bo noi vu"], ["ban tdkt trung uong", "ban thi dua - khen thuong trung uong", "ban thi dua khen thuong"]],
    "003": [["khoi thi dua so 5", "khoi thi dua sd 5"], ["cac don vi truc thuoc so", "don vi truc thuoc"]],
    "004": [["ubnd tphd", "ubnd thanh pho hai duong"], ["cac doanh nghiep tren dia ban", "doanh nghiep tren dia ban"]],
}

# Words that carry no meaning on their own: a distinctive phrase needs at least two other words.
_STOPWORDS_TEXT = (
    "va cac cua trong de voi cho tren theo tai la co duoc khong nhung mot so ve tu den cung nhu the nay "
    "do khi ca nhan tap the don vi co quan phong trao thi dua doi moi sang tao chuyen doi so khoa hoc "
    "cong nghe thuc hien trien khai ke hoach giai doan nam hang doi tuong khac dinh ky truoc ngay"
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

OUT_OF_SCOPE = [
    "Mức tiền thưởng kèm theo Bằng khen của Chủ tịch UBND Thành phố trong phong trào đổi mới sáng tạo là bao nhiêu?",
    "Tập thể được tặng Cờ thi đua của UBND tỉnh ở phường Thanh Bình được thưởng bao nhiêu tiền?",
    "Cá nhân có sáng kiến chuyển đổi số ở phường Hoàng Mai được thưởng bao nhiêu triệu đồng?",
    "Kế hoạch triển khai phong trào thi đua đổi mới sáng tạo của phường Cầu Giấy có hạn báo cáo ngày nào?",
    "Xã Tân Lập triển khai phong trào thi đua chuyển đổi số giai đoạn 2025-2030 như thế nào?",
    "Phường Cầu Giấy khen thưởng những hình thức nào trong phong trào chuyển đổi số?",
    "Thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ tại phường Hoàng Mai cần những giấy tờ gì?",
    "Phường Thanh Bình có bao nhiêu hộ gia đình tham gia phong trào chuyển đổi số?",
    "Số điện thoại của Phòng Văn hóa – Xã hội xã Trùng Khánh là gì?",
    "Mức lương của cán bộ, công chức Sở Y tế Hà Nội tham gia phong trào thi đua là bao nhiêu?",
    "Lịch thi tuyển công chức năm 2025 của UBND thành phố Hà Nội là ngày nào?",
    "Hạn nộp hồ sơ đề nghị khen thưởng sơ kết phong trào của phường Thanh Bình là ngày nào?",
    "Kinh phí thực hiện phong trào thi đua đổi mới sáng tạo của Sở Y tế Hà Nội là bao nhiêu tỷ đồng?",
    "Ngày thi học sinh giỏi tin học của các đơn vị trường học xã Trùng Khánh là ngày nào?",
    "Tỷ lệ hộ gia đình có cáp quang ở xã Trùng Khánh phải đạt bao nhiêu phần trăm?",
]


# ----------------------------------------------------------------------------------------------------------------
# Data loaded from the ingestion side
# ----------------------------------------------------------------------------------------------------------------
@dataclass
class Plan:
    """One plan: its file, metadata, passages, facts and card."""

    name: str
    source: str
    meta: PlanMeta
    passages: list[Passage]
    facts: list[Fact]
    card: PlanCard | None = None
    places: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The plan's short key ("000")."""
        return self.name[:3]

    def passage(self, passage_id: str) -> Passage:
        """The passage with ``passage_id``."""
        return next(p for p in self.passages if p.id == passage_id)


@dataclass
class Item:
    """One intent before its variants are spelled out."""

    family: str
    category: str
    doc: str | list[str] | None
    phrasings: list[str]  # at least two, with diacritics
    facts: list[list[str]]
    gold: str | None
    section: str | None
    note: str


def load_plans() -> dict[str, Plan]:
    """Every plan under ``knowledge/plans`` run through the ingestion pipeline, with its card."""
    plans: dict[str, Plan] = {}
    for path in plan_files(PLANS_DIR):
        meta_data = read_meta_file(path)
        loaded = load_document(path)
        meta = meta_from_data(path.name, meta_data, lambda loaded=loaded: loaded.text)
        ocr = bool(meta_data.get("ocr", loaded.ocr))
        passages, facts = prepare_plan(path.name, loaded.text, meta, ocr=ocr)
        source = path.read_text(encoding="utf-8")
        plans[path.name] = Plan(path.name, source, meta, passages, facts, places=place_names(path.name[:3], meta))
    cards = build_cards({n: p.passages for n, p in plans.items()}, {n: p.meta for n, p in plans.items()})
    for name, plan in plans.items():
        plan.card = cards.get(name)
    return plans


def place_names(key: str, meta: PlanMeta) -> list[str]:
    """How people name the plan's locality: the locality, its aliases and the issuer."""
    names = [meta.locality, meta.issuer, *meta.aliases, *EXTRA_PLACES.get(key, [])]
    out: list[str] = []
    for name in names:
        if name and name not in EXCLUDED_PLACES and name not in out:
            out.append(name)
    return out


# ----------------------------------------------------------------------------------------------------------------
# Text helpers: folding, OCR spellings, gold passages
# ----------------------------------------------------------------------------------------------------------------
_PUNCT_EDGE = re.compile(r"^[^\w&%/]+|[^\w&%/]+$")


def folded(text: str) -> str:
    """Text as the judge compares it: lower case, no diacritics, one space between words."""
    return squash_spaces(fold(text))


def tokens(text: str) -> list[str]:
    """Folded word tokens with the punctuation at their edges removed (empty tokens dropped)."""
    out = []
    for raw in fold(text).split():
        token = _PUNCT_EDGE.sub("", raw)
        if token:
            out.append(token)
    return out


def dash_variants(spelling: str) -> list[str]:
    """A folded name with a dash in every form people type it ("van hoa - xa hoi", "van hoa – xa hoi" …)."""
    base = re.sub(r"\s*[-–—]\s*", " - ", spelling)
    forms = [
        base,
        base.replace(" - ", " – "),
        base.replace(" - ", " — "),
        base.replace(" - ", "-"),
        base.replace(" - ", " "),
    ]
    return list(dict.fromkeys(forms))


def name_variants(spelling: str) -> list[str]:
    """A folded body name in the forms people write it: dashes, "KH&CN" for "Khoa học và Công nghệ", "VH-XH".

    A leading "phòng" / "sở" is dropped when three words remain: "Văn hóa – Xã hội" is matched inside "Phòng …".
    """
    short = re.sub(r"^(?:phong|so)\s+", "", spelling)
    if len(short.split()) >= 3:
        spelling = short
    forms = dash_variants(spelling) if re.search(r"[-–—]", spelling) else [spelling]
    if "van hoa" in spelling and "xa hoi" in spelling:
        forms += ["vh-xh", "vhxh", "vh - xh"]
    if "khoa hoc va cong nghe" in spelling:
        forms += ["kh&cn", "khcn", "khoa hoc - cong nghe"]
    return forms


def authority_variants(spelling: str) -> list[str]:
    """A folded award or body name with "ubnd" also written out, and "thanh pho" also as "tp"."""
    forms = [spelling]
    if "ubnd" in spelling:
        forms.append(spelling.replace("ubnd", "uy ban nhan dan"))
    for form in list(forms):
        if "thanh pho" in form:
            forms.append(form.replace("thanh pho", "tp"))
    return list(dict.fromkeys(forms))


class Aligner:
    """Maps word spans of a passage's repaired text onto its source lines (OCR spelling)."""

    def __init__(self, passage: Passage) -> None:
        self.passage = passage
        self.lines = passage.original.split("\n")
        self.rep = tokens(passage.text)
        self.orig: list[str] = []
        self.orig_line: list[int] = []
        for number, line in enumerate(self.lines):
            for token in tokens(line):
                self.orig.append(token)
                self.orig_line.append(number)
        self.to_orig = self._map()

    def _map(self) -> list[int]:
        mapping = [0] * (len(self.rep) + 1)
        matcher = SequenceMatcher(None, self.rep, self.orig, autojunk=False)
        for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
            for i in range(i1, i2):
                span = max(j2 - j1, 1)
                mapping[i] = min(j1 + (i - i1) * span // max(i2 - i1, 1), max(len(self.orig) - 1, 0))
        mapping[len(self.rep)] = max(len(self.orig) - 1, 0)
        return mapping

    def find(self, phrase: str) -> tuple[int, int] | None:
        """The token span of ``phrase`` in the repaired text, exact or (failing that) the closest window."""
        wanted = tokens(phrase)
        n = len(wanted)
        if not n or n > len(self.rep):
            return None
        for i in range(len(self.rep) - n + 1):
            if self.rep[i : i + n] == wanted:
                return i, i + n
        best, best_ratio = None, 0.75
        target = " ".join(wanted)
        for i in range(len(self.rep) - n + 1):
            ratio = SequenceMatcher(None, target, " ".join(self.rep[i : i + n]), autojunk=False).ratio()
            if ratio > best_ratio:
                best, best_ratio = (i, i + n), ratio
        return best

    def ocr_spelling(self, phrase: str) -> str | None:
        """How the source file spells ``phrase`` (folded), when it can be told."""
        span = self.find(phrase)
        if span is None or not self.orig:
            return None
        start, end = self.to_orig[span[0]], self.to_orig[span[1] - 1]
        if end < start or end - start > len(tokens(phrase)) + 2:
            return None
        spelling = " ".join(self.orig[start : end + 1])
        if SequenceMatcher(None, spelling, folded(phrase), autojunk=False).ratio() < 0.5:
            return None
        return spelling if spelling in folded(self.passage.original) else None

    def gold(self, snippet: str) -> str:
        """The source lines that hold ``snippet`` (a sentence of the repaired text), OCR spelling kept."""
        span = self.find(snippet)
        if span is None:
            return self.passage.original.strip()
        first = self.orig_line[self.to_orig[span[0]]]
        last = self.orig_line[self.to_orig[span[1] - 1]]
        return "\n".join(self.lines[first : last + 1]).strip()


def with_ocr(spellings: Sequence[str], aligner: Aligner) -> list[str]:
    """Alternatives for a fact: the given folded spellings plus the source's OCR spelling of the first."""
    out = list(dict.fromkeys(spellings))
    ocr = aligner.ocr_spelling(spellings[0])
    if ocr and ocr not in out:
        out.append(ocr)
    return out


def source_lines(plan: Plan, pattern: str, after: int = 0, before: int = 0) -> str:
    """The lines of the plan file around the first line whose folded text matches ``pattern`` (a regex)."""
    lines = plan.source.replace("\r\n", "\n").split("\n")
    for number, line in enumerate(lines):
        if re.search(pattern, fold(line)):
            return "\n".join(lines[max(number - before, 0) : number + after + 1]).strip()
    raise SystemExit(f"{plan.name}: no line matches {pattern!r}")


def in_source(gold: str, source: str) -> str:
    """``gold`` as the plan file spells it: the loader trims line ends and drops blank lines, the file keeps them."""
    if gold in source:
        return gold
    pattern = r"\s+".join(re.escape(word) for word in gold.split())
    match = re.search(pattern, source)
    return match.group(0) if match else gold


def section_of(passage: Passage) -> str:
    """The passage's section path, as the bank writes it."""
    return " > ".join(passage.section_path)


def label_of(title: str) -> str:
    """The numbering label of a section title ("1." of "1. Sở Nội vụ")."""
    return title.split(" ", 1)[0]


# ----------------------------------------------------------------------------------------------------------------
# Question families
# ----------------------------------------------------------------------------------------------------------------
class Families:
    """Generates the intents of every family, drawing wording and place names with a fixed seed."""

    def __init__(self, plans: dict[str, Plan], rng: random.Random) -> None:
        self.plans = plans
        self.rng = rng
        self._place_turn: Counter[str] = Counter()

    def place(self, plan: Plan) -> str:
        """The next name of the plan's locality, in rotation."""
        turn = self._place_turn[plan.name]
        self._place_turn[plan.name] += 1
        return plan.places[turn % len(plan.places)]

    def pick(self, key: str, count: int = 2) -> list[str]:
        """``count`` different synonyms of ``key``."""
        return self.rng.sample(SYNONYMS[key], count)

    # --- deadlines ----------------------------------------------------------------------------------------------
    def deadlines(self) -> Iterable[Item]:
        for plan in self.plans.values():
            seen: set[tuple[str, str]] = set()
            for fact in plan.facts:
                if fact.kind != "deadline" or (fact.passage_id, fact.value) in seen:
                    continue
                seen.add((fact.passage_id, fact.value))
                passage = plan.passage(fact.passage_id)
                body = BODY_NAMES.get((plan.key, label_of(passage.section_path[-1])))
                if body is None:
                    continue
                yield from self._deadline_items(plan, passage, fact, body)

    def _deadline_items(self, plan: Plan, passage: Passage, fact: Fact, body: str) -> Iterable[Item]:
        aligner = Aligner(passage)
        gold = aligner.gold(fact.text)
        section = section_of(passage)
        s1, s2 = self.pick("send")
        w1 = self.pick("when", 1)[0]
        p1, p2 = self.place(plan), self.place(plan)
        if re.fullmatch(r"\d{1,2}/\d{1,2}", fact.value):
            day, month = fact.value.split("/")
            date = [fact.value, f"{day} thang {month}", f"{int(day):02d}/{int(month):02d}"]
            yield Item(
                "deadline_date",
                "deadline",
                plan.name,
                [
                    f"{body} {p1} phải {s1} báo cáo tình hình thực hiện phong trào {w1}?",
                    f"{self.pick('deadline', 1)[0]} {s2} báo cáo hằng năm của {body} ở {p2} là ngày nào?",
                ],
                [list(dict.fromkeys(date))],
                gold,
                section,
                f"{body}: định kỳ trước ngày {fact.value} hằng năm báo cáo. ({fact.text})",
            )
        else:  # the plan only says "định kỳ hằng năm"
            yield Item(
                "deadline_period",
                "deadline",
                plan.name,
                [
                    f"{body} ở {p1} bao lâu phải báo cáo tình hình thực hiện phong trào một lần?",
                    f"Theo kế hoạch của {p2}, {body} {s2} báo cáo kết quả phong trào theo định kỳ nào?",
                ],
                [with_ocr(["hang nam"], aligner)],
                gold,
                section,
                f"{body}: định kỳ hằng năm báo cáo. ({fact.text})",
            )
        recipient = re.search(r"\bvề\s+(.+?)\s+(?:để|đ[ểê])\s+tổng\s+hợp", fact.text, re.I)
        if recipient:
            name = recipient.group(1).strip(" ,")
            spellings = name_variants(folded(name))
            yield Item(
                "deadline_recipient",
                "deadline",
                plan.name,
                [
                    f"Theo kế hoạch của {p1}, {body} {s1} báo cáo kết quả phong trào về {self.pick('who', 1)[0]}?",
                    f"Báo cáo hằng năm của {body} ở {p2} được {s2} tới {self.pick('who', 1)[0]} để tổng hợp?",
                ],
                [with_ocr(spellings, aligner)],
                gold,
                section,
                f"{body} báo cáo về {name} để tổng hợp. ({fact.text})",
            )

    # --- phases -------------------------------------------------------------------------------------------------
    def phases(self) -> Iterable[Item]:
        for plan in self.plans.values():
            first: dict[str, Fact] = {}
            for fact in plan.facts:
                if fact.kind == "phase":
                    first.setdefault(fact.value, fact)
            for value, fact in first.items():
                item = self._phase_item(plan, value, fact)
                if item:
                    yield item

    def _phase_item(self, plan: Plan, value: str, fact: Fact) -> Item | None:
        passage = plan.passage(fact.passage_id)
        aligner = Aligner(passage)
        years = re.findall(r"\d{4}", value)
        y1, y2 = self.pick("which_year")
        p1, p2 = self.place(plan), self.place(plan)
        if value.startswith("Sơ kết"):
            phrasings = [
                f"Phong trào thi đua đổi mới sáng tạo ở {p1} sơ kết {y1}?",
                f"{p2} tổ chức sơ kết phong trào thi đua chuyển đổi số {y2}?",
            ]
        elif value.startswith("Tổng kết"):
            phrasings = [
                f"Phong trào thi đua đổi mới sáng tạo ở {p1} tổng kết {y1}?",
                f"{p2} tổng kết phong trào thi đua chuyển đổi số {y2}?",
            ]
        elif value.startswith("Giai đoạn 1"):
            phrasings = [
                f"Giai đoạn 1 của phong trào thi đua ở {p1} kéo dài từ năm nào đến năm nào?",
                f"Theo kế hoạch của {p2}, giai đoạn 1 thực hiện phong trào là những năm nào?",
            ]
        elif value.startswith("Giai đoạn 2"):
            phrasings = [
                f"Giai đoạn 2 của phong trào thi đua ở {p1} từ năm nào đến năm nào?",
                f"Theo kế hoạch của {p2}, giai đoạn 2 của phong trào kéo dài trong những năm nào?",
            ]
        elif value.startswith("Thời gian thực hiện"):
            phrasings = [
                f"Phong trào thi đua đổi mới sáng tạo ở {p1} được thực hiện trong thời gian nào?",
                f"Kế hoạch của {p2} triển khai phong trào từ năm nào đến năm nào?",
            ]
        else:
            return None
        return Item(
            "phase",
            "phase",
            plan.name,
            phrasings,
            [[year] for year in dict.fromkeys(years)],
            aligner.gold(fact.text),
            section_of(passage),
            f"{value}. ({fact.text})",
        )

    # --- award forms --------------------------------------------------------------------------------------------
    def awards(self) -> Iterable[Item]:
        for plan in self.plans.values():
            groups: dict[tuple[str, tuple[str, ...]], list[Fact]] = {}
            for fact in plan.facts:
                if fact.kind == "award":
                    groups.setdefault((fact.passage_id, fact.section_path), []).append(fact)
            for (passage_id, path), facts in groups.items():
                item = self._award_item(plan, plan.passage(passage_id), path, facts)
                if item:
                    yield item

    def _award_item(self, plan: Plan, passage: Passage, path: tuple[str, ...], facts: list[Fact]) -> Item | None:
        aligner = Aligner(passage)
        haystack = folded(passage.text) + " " + folded(passage.original)
        usable = []
        for fact in facts:
            spellings = with_ocr(authority_variants(folded(fact.value)), aligner)
            if any(s in haystack for s in spellings):
                usable.append((fact, spellings))
        if len(usable) < 2:
            return None
        chosen = [usable[0], usable[-1]] if len(usable) < 5 else [usable[0], usable[len(usable) // 2], usable[-1]]
        scope = folded(" ".join(path))
        when = "sơ kết" if "so ket" in scope else "tổng kết" if "tong ket" in scope else ""
        k1, k2 = self.pick("award")
        l1, l2 = self.pick("list")
        p1, p2 = self.place(plan), self.place(plan)
        what = f"{k1} {when}".strip()
        phrasings = [
            f"Hình thức {what} trong phong trào thi đua ở {p1} {l1}?",
            f"{p2} {k2}{' ' + when if when else ''} tập thể, cá nhân trong phong trào chuyển đổi số {l2}?",
        ]
        lines = [aligner.gold(f.text) for f, _ in chosen]
        gold = self._span(aligner, [f.text for f, _ in chosen]) or "\n".join(lines)
        return Item(
            "award",
            "award",
            plan.name,
            phrasings,
            [s for _, s in chosen],
            gold,
            " > ".join(path),
            "Hình thức khen thưởng: " + "; ".join(dict.fromkeys(f.value for f in facts)) + ".",
        )

    @staticmethod
    def _span(aligner: Aligner, snippets: Sequence[str]) -> str | None:
        """The source lines from the first to the last snippet (in reading order)."""
        spans = [aligner.find(s) for s in snippets]
        if any(s is None for s in spans):
            return None
        starts = [aligner.orig_line[aligner.to_orig[s[0]]] for s in spans if s]
        ends = [aligner.orig_line[aligner.to_orig[s[1] - 1]] for s in spans if s]
        return "\n".join(aligner.lines[min(starts) : max(ends) + 1]).strip()

    # --- targets ------------------------------------------------------------------------------------------------
    def targets(self) -> Iterable[Item]:
        for plan in self.plans.values():
            seen: set[str] = set()
            for fact in plan.facts:
                if fact.kind != "target":
                    continue
                passage = plan.passage(fact.passage_id)
                if fact.value.startswith("xếp thứ"):
                    key = fact.passage_id
                    if key not in seen:
                        seen.add(key)
                        yield self._rank_item(plan, passage, fact)
                    continue
                topic = next((t for k, word, t in TARGET_TOPICS if k == plan.key and word in folded(fact.text)), None)
                if topic and topic not in seen:
                    seen.add(topic)
                    yield self._percent_item(plan, passage, fact, topic)

    def _rank_item(self, plan: Plan, passage: Passage, fact: Fact) -> Item:
        participant = participant_name(passage.section_path[-1])
        c1, c2 = self.pick("criteria")
        p1, p2 = self.place(plan), self.place(plan)
        aligner = Aligner(passage)
        return Item(
            "target",
            "target",
            plan.name,
            [
                f"Theo {c1} thi đua đối với {participant} ở {p1}, điểm trung bình 5 năm về chỉ số chuyển đổi số "
                f"phải xếp thứ mấy?",
                f"{participant} ở {p2} cần xếp hạng chỉ số chuyển đổi số (DTI) thế nào để đạt {c2}?",
            ],
            [RANK_FACT],
            aligner.gold(fact.text),
            section_of(passage),
            f"Điểm trung bình 5 năm (2025-2030) về chỉ số chuyển đổi số xếp từ thứ 01 đến 05. ({fact.text})",
        )

    def _percent_item(self, plan: Plan, passage: Passage, fact: Fact, topic: str) -> Item:
        c1, c2 = self.pick("criteria")
        p1, p2 = self.place(plan), self.place(plan)
        aligner = Aligner(passage)
        return Item(
            "target",
            "target",
            plan.name,
            [
                f"Theo {c1} thi đua của {p1} đối với UBND phường, {topic} phải đạt bao nhiêu phần trăm?",
                f"{topic} cần đạt bao nhiêu % theo {c2} thi đua của {p2}?",
            ],
            [[fact.value, fact.value.replace("%", " %"), fact.value.replace("%", " phan tram")]],
            aligner.gold(fact.text),
            section_of(passage),
            f"{fact.value}: {fact.text}",
        )

    # --- responsibilities and criteria --------------------------------------------------------------------------
    def responsibilities(self) -> Iterable[Item]:
        for plan in self.plans.values():
            for passage in plan.passages:
                path = passage.section_path
                if len(path) < 2 or "to chuc thuc hien" not in folded(path[0]):
                    continue
                body = BODY_NAMES.get((plan.key, label_of(path[1])))
                if body is None:
                    continue
                p1, p2 = self.place(plan), self.place(plan)
                d1, d2 = self.pick("duty")
                phrasings = [
                    f"{body} ở {p1} {d1} trong phong trào thi đua đổi mới sáng tạo?",
                    f"Theo kế hoạch của {p2}, {body} {d2} để triển khai phong trào?",
                ]
                item = self._phrase_item(plan, passage, "responsibility", phrasings, f"Nhiệm vụ của {body}")
                if item:
                    yield item

    def criteria(self) -> Iterable[Item]:
        for plan in self.plans.values():
            done: set[tuple[str, ...]] = set()
            for passage in plan.passages:
                path = passage.section_path
                if len(path) < 3 or "tieu chi thi dua" not in folded(path[1]) or path in done:
                    continue
                done.add(path)  # a criteria list cut in several passages: its first passage holds the first items
                participant = participant_name(path[-1])
                p1, p2 = self.place(plan), self.place(plan)
                c1, c2 = self.pick("criteria")
                phrasings = [
                    f"{c1} thi đua đối với {participant} ở {p1} là gì?",
                    f"Theo kế hoạch của {p2}, {participant} cần đáp ứng những {c2} thi đua nào?",
                ]
                item = self._phrase_item(plan, passage, "criteria", phrasings, f"Tiêu chí đối với {participant}")
                if item:
                    yield item

    def _phrase_item(
        self, plan: Plan, passage: Passage, category: str, phrasings: list[str], label: str
    ) -> Item | None:
        aligner = Aligner(passage)
        question_words = set(tokens(" ".join(phrasings)))
        others = [folded(p.text) for p in plan.passages if p.section_path != passage.section_path]
        phrases = distinctive_phrases(passage, aligner, question_words, others)
        if not phrases:
            return None
        gold = self._span(aligner, phrases)
        return Item(
            category,
            category,
            plan.name,
            phrasings,
            [with_ocr([p], aligner) for p in phrases],
            gold,
            section_of(passage),
            f"{label}: " + passage_items(passage)[:500],
        )

    # --- document card ------------------------------------------------------------------------------------------
    def card(self) -> Iterable[Item]:
        for plan in self.plans.values():
            yield from self._card_items(plan)

    def _card_items(self, plan: Plan) -> Iterable[Item]:
        card = plan.card
        assert card is not None
        p = self.place
        number = plan.meta.number
        if plan.key != "002":  # the Hà Nội file prints no number or date
            digits = number.split("/")[0]
            gold = source_lines(plan, rf"{digits}\s*/\s*kh-")
            yield self._doc_item(
                plan,
                "card_number",
                [
                    f"Kế hoạch thi đua đổi mới sáng tạo của {p(plan)} có số hiệu là gì?",
                    f"Kế hoạch triển khai phong trào chuyển đổi số của {p(plan)} là kế hoạch số mấy?",
                ],
                [[folded(number), f"{digits} /{folded(number).split('/', 1)[1]}", f"so {digits}"]],
                gold,
                "Phần đầu văn bản",
                f"Kế hoạch số {number}.",
            )
            issuer_gold = "\n".join(plan.source.split("\n")[:4]).strip()
            yield self._doc_item(
                plan,
                "card_issuer",
                [
                    f"Kế hoạch số {number} về phong trào thi đua đổi mới sáng tạo do {w} ban hành?"
                    for w in self.pick("who")
                ],
                [ISSUER_FACTS[plan.key]],
                issuer_gold,
                "Phần đầu văn bản",
                f"{plan.meta.issuer} ban hành kế hoạch số {number}.",
            )
        if plan.key in ISSUE_DATES:
            yield self._doc_item(
                plan,
                "card_date",
                [
                    f"Kế hoạch thi đua đổi mới sáng tạo của {p(plan)} được ban hành ngày nào?",
                    f"{p(plan)} ký ban hành kế hoạch phong trào chuyển đổi số khi nào?",
                ],
                [ISSUE_DATES[plan.key]],
                source_lines(plan, r"ngay .{0,6}th\S{1,3}ng"),
                "Phần đầu văn bản",
                f"Ngày ban hành: {readable_date(plan.meta.date)}.",
            )
        if plan.key in SIGNER_NAMES and card.signer:
            name = SIGNER_NAMES[plan.key]
            spellings = list(dict.fromkeys([folded(name), folded(card.signer)]))
            yield self._doc_item(
                plan,
                "card_signer",
                [
                    f"Ai ký kế hoạch triển khai phong trào thi đua của {p(plan)}?",
                    f"Người ký ban hành kế hoạch thi đua đổi mới sáng tạo của {p(plan)} là ai?",
                ],
                [spellings],
                source_lines(plan, re.escape(folded(card.signer))),
                "Phần ký ban hành",
                f"{name} ({card.signer_title}).",
            )
        for reference in card.implements:
            digits = reference.number.split("/")[0]
            yield self._doc_item(
                plan,
                "card_implements",
                [
                    f"Kế hoạch của {p(plan)} được ban hành để thực hiện kế hoạch nào của cấp trên?",
                    f"{p(plan)} triển khai phong trào thi đua theo kế hoạch số mấy của cấp trên?",
                ],
                [[folded(reference.number), f"{digits}/kh", f"so {digits}"]],
                source_lines(plan, rf"{digits}/kh-", after=1, before=1),
                "Mở đầu",
                f"Thực hiện {reference.label}.",
            )
        if plan.key in RECIPIENTS:
            closing = card.closing
            assert closing is not None
            yield self._doc_item(
                plan,
                "card_recipients",
                [
                    f"Kế hoạch thi đua của {p(plan)} được gửi tới những nơi nào?",
                    f"Nơi nhận của kế hoạch phong trào chuyển đổi số của {p(plan)} gồm {self.pick('who', 1)[0]}?",
                ],
                RECIPIENTS[plan.key],
                recipients_block(closing),
                "Nơi nhận",
                "Nơi nhận: " + "; ".join(card.recipients) + ".",
            )
        if card.movement:
            aligner = Aligner(card.opening) if card.opening else None
            name = folded(card.movement).split(",")[0]  # "hai duong thi dua doi moi sang tao, …": up to the comma
            facts = with_ocr([name], aligner) if aligner else [name]
            yield self._doc_item(
                plan,
                "card_movement",
                [
                    f"Kế hoạch của {p(plan)} triển khai phong trào thi đua tên là gì?",
                    f"Tên đầy đủ của phong trào thi đua mà {p(plan)} phát động là gì?",
                ],
                [facts],
                movement_lines(plan),
                "Phần đầu văn bản",
                f"Phong trào “{card.movement}”.",
            )

    def _doc_item(
        self, plan: Plan, family: str, phrasings: list[str], facts: list[list[str]], gold: str, section: str, note: str
    ) -> Item:
        return Item(family, "document", plan.name, phrasings, facts, gold, section, note)

    # --- cross-plan ---------------------------------------------------------------------------------------------
    def cross_plan(self) -> Iterable[Item]:
        yield from self._cross_deadline()
        yield from self._cross_phase("Sơ kết", "sơ kết")
        yield from self._cross_phase("Tổng kết", "tổng kết")
        yield from self._cross_awards()
        yield from self._cross_standing_body()

    def _cross_deadline(self) -> Iterable[Item]:
        docs, values, gold, section = [], [], None, None
        for plan in self.plans.values():
            dated = [f for f in plan.facts if f.kind == "deadline" and re.fullmatch(r"\d{1,2}/\d{1,2}", f.value)]
            if not dated:
                continue
            docs.append(plan.name)
            values.extend(f.value for f in dated)
            if gold is None:
                passage = plan.passage(dated[0].passage_id)
                gold, section = Aligner(passage).gold(dated[0].text), section_of(passage)
        s1, s2 = self.pick("send")
        w1 = self.pick("when", 1)[0]
        yield Item(
            "cross_deadline",
            "cross_doc",
            docs,
            [
                f"Hằng năm phải {s1} báo cáo tình hình thực hiện phong trào thi đua đổi mới sáng tạo {w1}?",
                f"{self.pick('deadline', 1)[0]} {s2} báo cáo kết quả phong trào chuyển đổi số hằng năm là ngày nào?",
            ],
            [[v] for v in dict.fromkeys(values)],
            gold,
            section,
            "Mỗi kế hoạch một hạn: " + ", ".join(dict.fromkeys(values)) + ".",
        )

    def _cross_phase(self, prefix: str, word: str) -> Iterable[Item]:
        docs, years, gold, section = [], [], None, None
        for plan in self.plans.values():
            facts = [f for f in plan.facts if f.kind == "phase" and f.value.startswith(prefix)]
            if not facts:
                continue
            docs.append(plan.name)
            years.append(facts[0].value.split()[-1])
            if gold is None:
                passage = plan.passage(facts[0].passage_id)
                gold, section = Aligner(passage).gold(facts[0].text), section_of(passage)
        y1, y2 = self.pick("which_year")
        yield Item(
            f"cross_{fold(word).replace(' ', '_')}",
            "cross_doc",
            docs,
            [
                f"Phong trào thi đua đổi mới sáng tạo và chuyển đổi số {word} {y1}?",
                f"Các kế hoạch thi đua chuyển đổi số tổ chức {word} phong trào {y2}?",
            ],
            [[y] for y in dict.fromkeys(years)],
            gold,
            section,
            f"{prefix} năm " + ", ".join(dict.fromkeys(years)) + ".",
        )

    def _cross_awards(self) -> Iterable[Item]:
        docs, facts, gold, section = [], [], None, None
        for plan in self.plans.values():
            awards = [f for f in plan.facts if f.kind == "award"]
            if not awards:
                continue
            docs.append(plan.name)
            lowest = authority_variants(folded(awards[-1].value))
            if lowest not in facts:
                facts.append(lowest)
            if gold is None:
                passage = plan.passage(awards[0].passage_id)
                aligner = Aligner(passage)
                gold, section = self._span(aligner, [awards[0].text, awards[-1].text]), section_of(passage)
        k1, k2 = self.pick("award")
        yield Item(
            "cross_award",
            "cross_doc",
            docs,
            [
                f"Phong trào thi đua đổi mới sáng tạo có những hình thức {k1} nào?",
                f"Tập thể, cá nhân tiêu biểu trong phong trào chuyển đổi số được {k2} những gì?",
            ],
            [["huan chuong lao dong"], *facts],
            gold,
            section,
            "Mỗi kế hoạch kể các hình thức của mình; cấp thấp nhất: " + "; ".join(f[0] for f in facts) + ".",
        )

    def _cross_standing_body(self) -> Iterable[Item]:
        docs, facts, names, gold, section = [], [], [], None, None
        for plan in self.plans.values():
            standing = [
                f
                for f in plan.facts
                if f.kind == "responsibility" and re.search(r"co quan th\S+ng tr\S+c", folded(f.text))
            ]
            if not standing:
                continue
            docs.append(plan.name)
            spellings = name_variants(folded(standing[0].value))
            names.append(f"{plan.meta.locality}: {standing[0].value}")
            if spellings not in facts:
                facts.append(spellings)
            if gold is None:
                passage = plan.passage(standing[0].passage_id)
                gold, section = Aligner(passage).gold(standing[0].text), section_of(passage)
        w1, w2 = self.pick("who")
        yield Item(
            "cross_standing_body",
            "cross_doc",
            docs,
            [
                f"{w1[0].upper()}{w1[1:]} là cơ quan thường trực của phong trào thi đua đổi mới sáng tạo?",
                f"Cơ quan thường trực phong trào thi đua chuyển đổi số là {w2}?",
            ],
            facts,
            gold,
            section,
            "Cơ quan thường trực theo từng kế hoạch: " + "; ".join(names) + ".",
        )

    def standing_bodies(self) -> Iterable[Item]:
        """Per plan: which body is the movement's standing body ("cơ quan thường trực")."""
        for plan in self.plans.values():
            fact = next(
                (
                    f
                    for f in plan.facts
                    if f.kind == "responsibility" and re.search(r"co quan th\S+ng tr\S+c", folded(f.text))
                ),
                None,
            )
            if fact is None:
                continue
            passage = plan.passage(fact.passage_id)
            w1, w2 = self.pick("who")
            yield Item(
                "standing_body",
                "responsibility",
                plan.name,
                [
                    f"Cơ quan thường trực của phong trào thi đua đổi mới sáng tạo ở {self.place(plan)} là {w1}?",
                    f"Ở {self.place(plan)}, {w2} làm cơ quan thường trực phong trào thi đua chuyển đổi số?",
                ],
                [name_variants(folded(fact.value))],
                Aligner(passage).gold(fact.text),
                section_of(passage),
                f"{fact.value} là cơ quan thường trực của phong trào. ({fact.text})",
            )

    # --- out of scope -------------------------------------------------------------------------------------------
    def out_of_scope(self) -> Iterable[Item]:
        for question in OUT_OF_SCOPE:
            yield Item(
                "out_of_scope",
                "out_of_scope",
                None,
                [question, question],
                [],
                None,
                None,
                "Ngoài phạm vi: các kế hoạch không nói tới điều này.",
            )


def readable_date(iso: str) -> str:
    """An ISO date or month as Vietnamese write it ("2025-07-23" → "23/7/2025", "2025-07" → "tháng 7/2025")."""
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 3:
        return f"{parts[2]}/{parts[1]}/{parts[0]}"
    return f"tháng {parts[1]}/{parts[0]}" if len(parts) == 2 else str(parts[0])


def participant_name(title: str) -> str:
    """The participant of a criteria section ("c) Đối với doanh nghiệp" → "doanh nghiệp")."""
    text = re.sub(r"^\s*[a-zđ]\)\s*", "", title)
    for wrong, right in PARTICIPANT_FIXES.items():
        text = text.replace(wrong, right)
    text = re.sub(r"^Đối với\s+", "", text).strip()
    if text.endswith("…"):  # a title cut short: keep its complete clauses
        text = text[: text.rfind(",")].strip()
    if fold(text).startswith("doi tuong khac"):
        return "các đối tượng khác"
    return text[0].lower() + text[1:] if not text.startswith(("UBND", "Ủy", "Mặt")) else text


_CLAUSE_SPLIT = re.compile(r"[,;.:()“”\"!?]+")
_HEADING = re.compile(r"^\s*(?:[IVXl1|]{1,5}\.|\d{1,2}(?:\.\d{1,2})*\.?|[a-zđ]\)|[a-zđ]\.)\s")
# Words a phrase should neither start nor end with: it would be cut in the middle of a thought.
_EDGE_WORDS_TEXT = "va cac cua trong de voi cho tren theo tai la co duoc nhung mot ve tu den viec nay do khi ho su nhu"
EDGE_WORDS = frozenset(_EDGE_WORDS_TEXT.split())
MAX_ITEMS = 5  # phrases come from a section's first items, which every good answer gives
MAX_START = 2  # a phrase begins within the first three words of its clause


def item_clauses(passage: Passage) -> tuple[list[list[str]], list[list[str]]]:
    """The clauses (folded tokens) of the passage's first items, headings left out: (item openings, other clauses).

    An answer that lists the duties or criteria of a section reproduces how each item opens ("Xây dựng kế hoạch …",
    "Hoàn thành có chất lượng …"); the words deep inside an item are easily summarised away.
    """
    openings: list[list[str]] = []
    others: list[list[str]] = []
    titles = folded(" ".join(passage.section_path))
    for paragraph in passage.text.split("\n"):
        body = re.sub(r"^\s*[-+•–—]\s*", "", paragraph)
        if (_HEADING.match(body) and len(body) < 120) or folded(body) in titles or body.isupper():
            continue
        parts = [tokens(c) for c in _CLAUSE_SPLIT.split(body)]
        parts = [p for p in parts if p]
        if parts and len(openings) < MAX_ITEMS:
            openings.append(parts[0])
            others.extend(parts[1:])
    return openings, others


def distinctive_phrases(
    passage: Passage, aligner: Aligner, question_words: set[str], others: Sequence[str]
) -> list[str]:
    """One or two phrases (3–5 words) opening clauses of the passage's first items (the items' own openings first).

    A phrase must be in the repaired text and have a close OCR spelling in the source (so the repair did not invent
    it), carry at least two words that are neither stop words nor words of the question, neither start nor end on a
    function word nor in the middle of a word, and appear in no other section of the plan (so it points here).
    """
    text_folded = folded(passage.text)
    chosen: list[str] = []
    openings, inner = item_clauses(passage)
    # The items' openings before their inner clauses; in each, phrases the source spells exactly as the repair before
    # phrases whose source spelling differs by a misread letter per word.
    for tier in (openings, inner):
        for exact in (True, False):
            for words in tier:
                phrase = first_good_phrase(words, text_folded, aligner, question_words, others, chosen, exact=exact)
                if phrase:
                    chosen.append(phrase)
                if len(chosen) == 2:
                    return chosen
            if chosen:
                return chosen
    if others:  # no phrase of its own: one the plan also uses elsewhere is still what a right answer says
        return distinctive_phrases(passage, aligner, question_words, [])
    return chosen


@lru_cache(maxsize=1)
def word_pairs() -> frozenset[tuple[str, str]]:
    """Folded pairs of syllables that make up one Vietnamese word ("to chuc", "tham muu")."""
    pairs: set[tuple[str, str]] = set()
    with gzip.open(WORD_PAIRS, "rt", encoding="utf-8") as lines:
        for line in lines:
            left, _, right = line.partition("\t")[0].partition(" ")
            if right:
                pairs.add((fold(left), fold(right)))
    return frozenset(pairs)


@lru_cache(maxsize=1)
def real_syllables() -> frozenset[str]:
    """Syllables (folded) that occur in at least one Vietnamese word (OCR debris such as "ii" does not)."""
    out: set[str] = set()
    for line in SYLLABLES.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and not line.startswith("#") and parts[2].strip() not in ("", "0"):
            out.add(fold(parts[0]))
    return frozenset(out)


def misread_only(phrase: str, ocr: str) -> bool:
    """Whether the source spelling differs from the phrase only by OCR misreadings, a letter or two per word.

    The repair can choose a wrong word ("phù hợp" for the source's "phdi hop", which is "phối hợp"): a word of
    another length, or more than one changed letter in a short word, is not trusted.
    """
    ours, theirs = phrase.split(), ocr.split()
    if len(ours) != len(theirs):
        return False
    for word, seen in zip(ours, theirs, strict=True):
        if word == seen:
            continue
        changed = sum(a != b for a, b in zip(word, seen, strict=False))
        if len(word) != len(seen) or changed > (2 if len(word) >= 5 else 1):
            return False
    return True


def cuts_a_word(words: Sequence[str], start: int, end: int) -> bool:
    """Whether the span words[start:end] begins or ends in the middle of a two-syllable word."""
    pairs = word_pairs()
    before = start > 0 and (words[start - 1], words[start]) in pairs
    after = end < len(words) and (words[end - 1], words[end]) in pairs
    return before or after


def first_good_phrase(
    words: Sequence[str],
    text_folded: str,
    aligner: Aligner,
    question_words: set[str],
    others: Sequence[str],
    chosen: Sequence[str],
    *,
    exact: bool,
) -> str | None:
    """The earliest acceptable phrase of a clause, longer phrases first at each start."""
    taken = {w for c in chosen for w in c.split()}
    for start in range(min(len(words), MAX_START + 1)):
        for size in (4, 3, 5):
            gram = list(words[start : start + size])
            if len(gram) < size or not all(w.isalpha() and len(w) > 1 for w in gram):
                continue
            if start > 0 and words[start - 1] not in EDGE_WORDS:
                continue  # a phrase opens a clause or follows a function word ("… và [xây dựng kế hoạch]")
            if cuts_a_word(words, start, start + size):
                continue
            if gram[0] in EDGE_WORDS or gram[-1] in EDGE_WORDS or set(gram) & taken or "de" in gram[1:]:
                continue  # cut on a function word, or running into a purpose clause ("… để tạo")
            if gram[0] in question_words or gram[-1] in question_words or not set(gram) <= real_syllables():
                continue  # the body's own name, or OCR debris
            meaningful = [w for w in gram if w not in STOPWORDS and w not in question_words]
            phrase = " ".join(gram)
            if len(meaningful) < 2 or phrase not in text_folded or any(phrase in other for other in others):
                continue
            if exact:
                if phrase not in folded(aligner.passage.original):
                    continue
                return phrase
            ocr = aligner.ocr_spelling(phrase)
            if ocr is None or not misread_only(phrase, ocr):
                continue
            return phrase
    return None


def passage_items(passage: Passage) -> str:
    """The passage's items as one text, without its headings (for a note)."""
    titles = folded(" ".join(passage.section_path))
    items = []
    for paragraph in passage.text.split("\n"):
        body = re.sub(r"^\s*[-+•–—]\s*", "", paragraph).strip()
        if not body or (_HEADING.match(body) and len(body) < 120) or folded(body) in titles or body.isupper():
            continue
        items.append(body.rstrip(" ;."))
    return "; ".join(items) + "."


def recipients_block(closing: Passage) -> str:
    """The "Nơi nhận" lines of the closing passage, from the heading to the "Lưu" line."""
    lines = closing.original.split("\n")
    start = next(i for i, line in enumerate(lines) if re.search(r"noi nh", fold(line)))
    end = next((i for i, line in enumerate(lines) if i > start and re.search(r"\bluu\b", fold(line))), len(lines) - 1)
    return "\n".join(lines[start : end + 1]).strip()


def movement_lines(plan: Plan) -> str:
    """The title lines of the plan (after "KẾ HOẠCH"), which name the movement."""
    lines = plan.source.split("\n")
    start = next(i for i, line in enumerate(lines) if fold(line).strip() == "ke hoach")
    body = [i for i in range(start + 1, min(start + 8, len(lines))) if lines[i].strip()]
    end = next(i for i in body if re.search(r"tren dia ban", fold(lines[i])))
    return "\n".join(lines[body[0] : end + 1]).strip()


# ----------------------------------------------------------------------------------------------------------------
# Variants
# ----------------------------------------------------------------------------------------------------------------
def no_diacritics(question: str) -> str:
    """The question as typed without diacritics (đ → d), in lower case."""
    return fold(question)


def teen(question: str, rng: random.Random) -> str:
    """The question in chat shorthand."""
    text = question.rstrip(" ?").lower()
    for long, short in TEEN_REPLACEMENTS:
        text = text.replace(long, short)
    text = re.sub(r"\bgì\b", "j", text)
    opener = rng.choice(TEEN_OPENERS)
    closer = rng.choice(TEEN_CLOSERS)
    return squash_spaces(f"{opener}{text}{closer}")


def expand(items: Iterable[Item], rng: random.Random) -> list[dict[str, object]]:
    """Every intent in three variants: phrasing A with and without diacritics, phrasing B in chat shorthand."""
    rows: list[dict[str, object]] = []
    for item in items:
        first, second = item.phrasings[0], item.phrasings[1]
        if rng.random() < 0.5 and item.category != "out_of_scope":
            first, second = second, first
        first = first[0].upper() + first[1:]
        for variant, question in (
            ("diacritics", first),
            ("no_diacritics", no_diacritics(first)),
            ("teen", teen(second, rng)),
        ):
            rows.append(
                {
                    "id": f"t{len(rows) + 1:04d}",
                    "question": question,
                    "variant": variant,
                    "doc": item.doc,
                    "category": item.category,
                    "answer_facts": item.facts,
                    "gold_passage": item.gold,
                    "note": item.note[0].upper() + item.note[1:],
                    "section": item.section,
                    "method": "template",
                    "family": item.family,
                }
            )
    return rows


# ----------------------------------------------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------------------------------------------
def validate(rows: Sequence[dict[str, object]], plans: dict[str, Plan]) -> list[str]:
    """Every problem with the rows: gold not in the file, a fact found nowhere, repeated ids, too few questions."""
    problems: list[str] = []
    ids = Counter(str(r["id"]) for r in rows)
    problems += [f"repeated id {i}" for i, n in ids.items() if n > 1]
    for row in rows:
        problems += row_problems(row, plans)
    if len(rows) < MIN_QUESTIONS:
        problems.append(f"only {len(rows)} questions (< {MIN_QUESTIONS})")
    out_of_scope = sum(1 for r in rows if r["category"] == "out_of_scope")
    if out_of_scope < MIN_OUT_OF_SCOPE:
        problems.append(f"only {out_of_scope} out-of-scope questions (< {MIN_OUT_OF_SCOPE})")
    return problems


def row_problems(row: dict[str, object], plans: dict[str, Plan]) -> list[str]:
    """The problems of one row."""
    rid, doc, gold = row["id"], row["doc"], row["gold_passage"]
    facts = row["answer_facts"]
    assert isinstance(facts, list)
    if doc is None:
        return [] if not facts and gold is None else [f"{rid}: out-of-scope row with facts or gold"]
    docs = doc if isinstance(doc, list) else [doc]
    if not isinstance(gold, str) or not gold.strip():
        return [f"{rid}: no gold passage"]
    if not facts:
        return [f"{rid}: no facts"]
    problems = []
    if not any(gold in plans[d].source for d in docs):
        problems.append(f"{rid}: gold passage is not an exact substring of {docs}")
    for fact in facts:
        # Single plan: in the gold passage or the plan's repaired passages. Cross-plan: in at least one listed plan.
        if not any(fact_in_plan(fact, gold, plans[d], None if len(docs) > 1 else row["section"]) for d in docs):
            problems.append(f"{rid}: fact {fact} found neither in the gold passage nor in the passages of {docs}")
    return problems


def fact_in_plan(fact: Sequence[str], gold: str, plan: Plan, section: object) -> bool:
    """Whether one spelling of ``fact`` is in the folded gold passage or in the repaired text of its section.

    The section's passages are those whose path is the row's section (or begins it: an award list's heading is
    appended to the path); a document-card row names a part of the document instead, and then every passage counts.
    """
    own = [p for p in plan.passages if isinstance(section, str) and section.startswith(section_of(p))]
    texts = [folded(gold), *(folded(p.text) for p in (own or plan.passages))]
    return any(folded(spelling) in text for spelling in fact for text in texts)


def print_counts(rows: Sequence[dict[str, object]]) -> None:
    """Counts by variant, category, doc and family."""
    for key in ("variant", "category", "doc", "family"):
        counts = Counter(
            ("cross: " + str(len(r[key])) + " plans") if isinstance(r[key], list) else str(r[key]) for r in rows
        )
        print(f"\nby {key}:")
        for value, count in sorted(counts.items()):
            print(f"  {value:<40} {count}")
    print(f"\ntotal: {len(rows)}")


# ----------------------------------------------------------------------------------------------------------------
def build(plans: dict[str, Plan], rng: random.Random) -> list[dict[str, object]]:
    """All rows, family by family."""
    families = Families(plans, rng)
    generators: list[Callable[[], Iterable[Item]]] = [
        families.deadlines,
        families.phases,
        families.awards,
        families.targets,
        families.responsibilities,
        families.standing_bodies,
        families.criteria,
        families.card,
        families.cross_plan,
        families.out_of_scope,
    ]
    items = [item for generate in generators for item in generate()]
    for item in items:
        if item.gold is not None:
            docs = item.doc if isinstance(item.doc, list) else [item.doc]
            sources = [plans[d].source for d in docs if d]
            item.gold = next((in_source(item.gold, s) for s in sources if in_source(item.gold, s) in s), item.gold)
    return expand(items, rng)


def main() -> int:
    rng = random.Random(SEED)
    plans = load_plans()
    rows = build(plans, rng)
    problems = validate(rows, plans)
    print_counts(rows)
    if problems:
        print("\nVALIDATION FAILED:", file=sys.stderr)
        for problem in problems:
            print("  " + problem, file=sys.stderr)
        return 1
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with OUTPUT.open("w", encoding="utf-8") as out:
        for row in rows:
            row = {k: v for k, v in row.items() if k != "family"}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"\nwrote {len(rows)} questions to {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
