"""OCR diacritic repair: turn the scanned plans' wrecked text back into clean Vietnamese.

"Pinh ky trudc ngay 10/12 hing nim béo céo" → "Định kỳ trước ngày 10/12 hằng năm báo cáo".
Each word-like token gets candidate syllables from the OCR channel (``knowledge.ocr_channel``); a Viterbi
search over a syllable language model picks the sequence. The model is learned from the clean plans, which
lower-level plans restate, and backed off to a general Vietnamese lexicon (``knowledge.lexicon``).
The repair keeps every line, every number and every character that is not part of a repaired word.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import pairwise
from pathlib import Path

from core.vietnamese import fold, nfc
from knowledge.lexicon import (
    LEXICON_DIR,
    Lexicon,
    general_lexicon,
    general_phrases,
    is_syllable_shape,
    modern_tone_placement,
    skeleton,
)
from knowledge.ocr_channel import candidates

PLANS_DIR = Path(__file__).with_name("plans")

_TOKEN = re.compile(r"[0-9A-Za-zÀ-ỹĐđ€¢¥§&$]+(?:['’][A-Za-zÀ-ỹĐđ]+)?")
_APOSTROPHE = re.compile("’")  # the OCR's curly apostrophe, for a lost space or nothing
_CLEAN_WORD = re.compile(r"[0-9a-zà-ỹđ]+")
_ROMAN = re.compile(r"^[IVX]{1,4}$|^I1$")
_MARKED = re.compile(r"[à-ỹđ]")  # lower-case NFC letters with a Vietnamese mark
_NUMBER = "<num>"
_END = "</s>"
_MARKER_GLYPHS = {"¢": "c"}
_MAX_CANDIDATES = 12
_BEAM = 5.0  # nats
_IDENTITY_COST = 2.0  # keeping a token that is no known syllable
_QUERY_UNSEEN_COST = 0.3  # a question's reading that the plans never use ("phản công" beside "phân công")
_CHANNEL_WEIGHT = 3.0  # nats of language-model evidence one unit of channel cost is worth
_FLOOR = 1e-9
_MEMO_LIMIT = 500_000

# Interpolation: Witten-Bell over the clean bigrams, then the general word-internal pairs, then a unigram mixing
# the clean Kneser-Ney continuation counts with the general frequencies.
_WITTEN_BELL_SCALE = 2.0
_QUERY_WITTEN_BELL_SCALE = 10.0
_W_GENERAL_PAIR = 0.5
_W_CLEAN_UNIGRAM = 0.4


def _has_real_marks(text: str) -> bool:
    """Tell whether ``text`` carries Vietnamese marks other than the lone "é" the OCR sprinkles everywhere."""
    return any(ch != "é" for ch in _MARKED.findall(nfc(text).lower()))


@dataclass
class _Token:
    line: int
    start: int
    end: int
    text: str
    options: list[tuple[str, float]]  # (lower-case reading, channel cost); one option = fixed


@dataclass
class _LanguageModel:
    """A syllable bigram model: clean-corpus counts interpolated with the general lexicon."""

    unigrams: Counter[str]
    bigrams: Counter[tuple[str, str]]
    lexicon: Lexicon
    continuations: Counter[str] = field(default_factory=Counter)  # distinct left neighbours of each word
    followers: Counter[str] = field(default_factory=Counter)  # distinct right neighbours of each word
    bigram_types: int = 1
    trust_scale: float = _WITTEN_BELL_SCALE
    _memo: dict[tuple[str | None, str], float] = field(default_factory=dict)

    def log_probability(self, previous: str | None, word: str) -> float:
        """log P(word | previous) under the interpolated model (memoised)."""
        key = (previous, word)
        cached = self._memo.get(key)
        if cached is None:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()  # a long-lived bot sees endless new pairs; keep memory bounded
            cached = self._memo[key] = self._log_probability(previous, word)
        return cached

    def _log_probability(self, previous: str | None, word: str) -> float:
        word = _lm_key(word)
        # Kneser-Ney style unigram: a word seen after many different words ("phòng") is likelier in a new
        # context than one that only ever follows the same word ("phong" of "phong trào").
        p = _W_CLEAN_UNIGRAM * self.continuations.get(word, 0) / self.bigram_types
        prior = self.lexicon.log_prior.get(word)
        if prior is not None:
            p += (1.0 - _W_CLEAN_UNIGRAM) * math.exp(prior)
        if previous is not None:
            previous = _lm_key(previous)
            pair = self.lexicon.pair_probability(previous, word)
            p = _W_GENERAL_PAIR * pair + (1.0 - _W_GENERAL_PAIR) * p
            seen = self.unigrams.get(previous, 0)
            if seen:
                # Witten-Bell: trust the clean bigram as much as the history was seen with few different followers.
                trust = seen / (seen + self.trust_scale * self.followers.get(previous, 0))
                p = trust * self.bigrams.get((previous, word), 0) / seen + (1.0 - trust) * p
        return math.log(p + _FLOOR)


class Repairer:
    """Restores diacritics in OCR-damaged or diacritic-free Vietnamese text."""

    def __init__(self, model: _LanguageModel, by_skeleton: dict[str, list[str]], by_fold: dict[str, list[str]]):
        self._model = model
        # Questions are phrased freely: lean less on how the plans happen to continue a word.
        self._query_model = replace(model, trust_scale=_QUERY_WITTEN_BELL_SCALE, _memo={})
        self._by_skeleton = by_skeleton
        self._by_fold = by_fold
        self._ocr_cache: dict[str, list[tuple[str, float]]] = {}

    @classmethod
    def from_texts(
        cls, clean_texts: Iterable[str], ocr_texts: Iterable[str] = (), phrases: Iterable[str] = ()
    ) -> Repairer:
        """Learn the syllable model from clean plans and phrases (names, the shipped administrative phrases).

        Each phrase counts on its own (no pair across two phrases), so a place name or "ủy ban nhân dân tỉnh" gives
        its pairs even where the clean plans never use it. OCR texts then train the model on themselves: they are
        repaired once and the pairs of their repaired lines are added (self-training, one pass), so a phrase that
        only the scanned plans use ("tỉnh Cao Bằng") supports its own repair elsewhere.
        """
        lexicon = general_lexicon()
        by_skeleton = {key: list(values) for key, values in lexicon.by_skeleton.items()}
        by_fold = {key: list(values) for key, values in lexicon.by_fold.items()}
        unigrams: Counter[str] = Counter()
        bigrams: Counter[tuple[str, str]] = Counter()
        for text in [*clean_texts, *phrases, *general_phrases()]:
            words = [_lm_key(modern_tone_placement(word)) for word in _CLEAN_WORD.findall(nfc(text).lower())]
            unigrams.update(words)
            # The end of a text follows its last word: a word seen only last ("thế nào") is not taken to be one
            # that nothing can follow.
            bigrams.update(pairwise([*words, _END]))
        for word in unigrams:
            if word not in lexicon.log_prior and is_syllable_shape(word):
                folded = fold(word)
                by_skeleton.setdefault(skeleton(folded), []).append(word)
                by_fold.setdefault(folded, []).append(word)
        repairer = cls(_model_of(unigrams, bigrams, lexicon), by_skeleton, by_fold)
        learned = repairer._learned_pairs(ocr_texts)
        if not learned:
            return repairer
        for first, _ in learned.elements():
            unigrams[first] += 1
        return cls(_model_of(unigrams, bigrams + learned, lexicon), by_skeleton, by_fold)

    def _learned_pairs(self, ocr_texts: Iterable[str]) -> Counter[tuple[str, str]]:
        """Adjacent word pairs of the repaired OCR texts, within a line; a word kept unrepaired breaks the chain."""
        pairs: Counter[tuple[str, str]] = Counter()
        for text in ocr_texts:
            lines = nfc(text).split("\n")
            tokens = [token for index, line in enumerate(lines) for token in self._ocr_tokens(index, line)]
            previous: tuple[int, str] | None = None
            for token, word in zip(tokens, self._decode(tokens, self._model), strict=True):
                known = dict(token.options).get(word, 0.0) < _IDENTITY_COST
                key = _lm_key(word)
                if previous is not None and known and previous[0] == token.line:
                    pairs[(previous[1], key)] += 1
                previous = (token.line, key) if known else None
        return pairs

    # -- public API -------------------------------------------------------------------------------------------

    def repair(self, text: str) -> str:
        """Repair OCR damage in ``text`` line by line; same number of lines, NFC, numbers and clean text untouched."""
        lines = nfc(text).split("\n")
        tokens = [token for index, line in enumerate(lines) for token in self._ocr_tokens(index, line)]
        return "\n".join(self._apply(lines, tokens, self._decode(tokens, self._model)))

    def restore_query(self, text: str) -> str:
        """Add diacritics to a question typed without them ("han bao cao" → "hạn báo cáo")."""
        lines = nfc(text).split("\n")
        tokens = [token for index, line in enumerate(lines) for token in self._query_tokens(index, line)]
        return "\n".join(self._apply(lines, tokens, self._decode(tokens, self._query_model)))

    # -- tokens and their options -----------------------------------------------------------------------------

    def _ocr_tokens(self, index: int, line: str) -> Iterator[_Token]:
        clean_line = _has_real_marks(line)
        letters = [ch for ch in line if ch.isalpha()]
        heading = bool(letters) and sum(ch.isupper() for ch in letters) / len(letters) > 0.6
        for match in _TOKEN.finditer(line):
            raw = match.group()
            lowered = raw.lower()
            if _is_fixed(line, match.start(), match.end(), raw, heading) or lowered in _loanwords():
                options = [(lowered, 0.0)]
            elif clean_line and (lowered.isascii() or self._is_known(lowered)):
                # A line with real diacritics (clean text, or a Vietnamese OCR model's output): keep every word
                # that is a known syllable or plain ASCII, repair only the impossible ones ("mởi").
                options = [(lowered, 0.0)]
            elif lowered in _MARKER_GLYPHS and line[match.end() : match.end() + 1] == ")":
                options = [(_MARKER_GLYPHS[lowered], 0.0)]  # "¢)" is the list marker "c)"
            else:
                options = self._ocr_options(lowered)
                apostrophe = _APOSTROPHE.search(raw)
                if apostrophe and all(cost >= _IDENTITY_COST for _, cost in options):
                    # No syllable reads "tét’nhiém" whole: the apostrophe stands for a lost space, so two words.
                    cut = match.start() + apostrophe.start()
                    for start, end in ((match.start(), cut), (cut + 1, match.end())):
                        part = line[start:end]
                        yield _Token(index, start, end, part, self._ocr_options(part.lower()))
                    continue
            yield _Token(index, match.start(), match.end(), raw, options)

    def _is_known(self, lowered: str) -> bool:
        word = modern_tone_placement(lowered)
        return word in self._model.lexicon.log_prior or word in self._model.unigrams

    def _ocr_options(self, lowered: str) -> list[tuple[str, float]]:
        cached = self._ocr_cache.get(lowered)
        if cached is None:
            found = candidates(lowered, self._by_skeleton)
            model = self._model
            scored = sorted(
                (_CHANNEL_WEIGHT * cost - model.log_probability(None, word), word, cost) for word, cost in found
            )
            # Options far behind the best on their own would need overwhelming context: drop them early.
            cached = [(word, cost) for score, word, cost in scored[:_MAX_CANDIDATES] if score <= scored[0][0] + _BEAM]
            if not scored:
                cached = []
            if all(word != lowered for word, _ in cached):
                cached.append((lowered, _IDENTITY_COST))
            self._ocr_cache[lowered] = cached
        return cached

    def _query_tokens(self, index: int, line: str) -> Iterator[_Token]:
        for match in _TOKEN.finditer(line):
            raw = match.group()
            lowered = raw.lower()
            options = [(lowered, 0.0)]
            if not _has_real_marks(lowered) and not lowered.split("'")[0].isdigit():
                readings = self._by_fold.get(lowered, [])
                if readings:
                    # Questions are about the plans: lean toward the readings the plans themselves use.
                    unigrams = self._model.unigrams
                    options = [(word, 0.0 if word in unigrams else _QUERY_UNSEEN_COST) for word in readings]
                    if lowered not in readings:
                        options.append((lowered, _IDENTITY_COST))
            yield _Token(index, match.start(), match.end(), raw, options)

    # -- search -----------------------------------------------------------------------------------------------

    @staticmethod
    def _decode(tokens: list[_Token], model: _LanguageModel) -> list[str]:
        """Viterbi over the tokens' options under the bigram ``model`` (one chain across the whole text)."""
        if not tokens:
            return []
        scores = [model.log_probability(None, word) - _CHANNEL_WEIGHT * cost for word, cost in tokens[0].options]
        back: list[list[int]] = []
        for previous_token, token in pairwise(tokens):
            new_scores: list[float] = []
            pointers: list[int] = []
            for word, cost in token.options:
                best_score = -math.inf
                best_index = 0
                for k, (previous_word, _) in enumerate(previous_token.options):
                    score = scores[k] + model.log_probability(previous_word, word)
                    if score > best_score:
                        best_score, best_index = score, k
                new_scores.append(best_score - _CHANNEL_WEIGHT * cost)
                pointers.append(best_index)
            back.append(pointers)
            scores = new_scores
        index = max(range(len(scores)), key=scores.__getitem__)
        chosen = [index]
        for pointers in reversed(back):
            index = pointers[index]
            chosen.append(index)
        chosen.reverse()
        return [token.options[k][0] for token, k in zip(tokens, chosen, strict=True)]

    @staticmethod
    def _apply(lines: list[str], tokens: list[_Token], words: list[str]) -> list[str]:
        """Put each chosen reading back in place of its token, in the token's case."""
        out = list(lines)
        for token, word in reversed(list(zip(tokens, words, strict=True))):
            line = out[token.line]
            out[token.line] = line[: token.start] + _match_case(token.text, word) + line[token.end :]
        return out


def _model_of(unigrams: Counter[str], bigrams: Counter[tuple[str, str]], lexicon: Lexicon) -> _LanguageModel:
    continuations = Counter(second for _, second in bigrams)
    followers = Counter(first for first, _ in bigrams)
    return _LanguageModel(unigrams, bigrams, lexicon, continuations, followers, max(len(bigrams), 1))


def _lm_key(word: str) -> str:
    """Numbers share one language-model token: what matters is "ngày <số>", not which day."""
    return _NUMBER if word[:1].isdigit() else word


def _match_case(original: str, word: str) -> str:
    if word == original.lower():
        return original
    upper = sum(ch.isupper() for ch in original)
    if upper >= 2 and upper > sum(ch.islower() for ch in original):
        return word.upper()  # "KE", "PiCH" (a capital word with one misread letter)
    if original[0] == "I" and not word.startswith("i"):
        return word  # a capital I is the scan's reading of "l" ("Iy" → "lý"), not a capital
    if original[0].isupper() or original[0] == "$":
        return word[:1].upper() + word[1:]
    return word


def _is_fixed(line: str, start: int, end: int, raw: str, heading: bool) -> bool:
    """Tell whether a token is a number, a code, an acronym or a list marker that must stay as it is."""
    if raw.split("'")[0].isdigit():
        return True  # a number, also one the apostrophe of a following word clung to ("0'A")
    before = line[start - 1] if start > 0 else " "
    after = line[end] if end < len(line) else " "
    letters = [ch for ch in raw if ch.isalpha()]
    all_caps = bool(letters) and all(ch.isupper() and ch.isascii() for ch in letters)
    if "/" in (before, after) and (any(ch.isupper() for ch in letters) or len(letters) <= 2):
        return True  # a code ("KH-UBND", "57-NQ/TW") or an abbreviation ("d/c", "th/hiện")
    if "-" in (before, after) and all_caps and not raw.endswith("&"):
        return True  # "KH-UBND"; but "TP-S&": "S&" is the scan's "Sở"
    if all_caps and len(letters) >= 2 and not heading and not is_syllable_shape(raw.lower()):
        return True  # an acronym ("UBND", "TDP"); "PHUONG" or "SO" in a mixed line is a word in capitals
    if _ROMAN.match(raw) and after in ".)":
        return True
    return len(raw) == 1 and raw.isalpha() and after == ")"


@cache
def _loanwords() -> frozenset[str]:
    """Words of other languages the plans write as they are (``lexicon/loanwords.txt``): never repaired."""
    lines = (LEXICON_DIR / "loanwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def default_repairer() -> Repairer:
    """The repairer learned from the bundled plans (clean texts and every plan's metadata) and the lexicon."""
    clean: list[str] = []
    damaged: list[str] = []
    names: list[str] = []
    for path in sorted(PLANS_DIR.glob("*.txt")):
        meta_path = path.with_suffix(".meta.json")
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        (damaged if meta.get("ocr", False) else clean).append(path.read_text(encoding="utf-8"))
        # Every plan's metadata is clean Unicode, and names its issuer and locality ("phường Hoàng Mai").
        found = [meta.get(key, "") for key in ("title", "issuer", "locality")] + list(meta.get("aliases", []))
        for name in found:
            if isinstance(name, str) and name:
                names.append(name)
                if ", " in name:
                    # "xã Trùng Khánh, Cao Bằng": the place after the comma is the province or city around it.
                    place = name.rsplit(", ", 1)[1]
                    names.extend((f"tỉnh {place}", f"thành phố {place}"))
    return Repairer.from_texts(clean, damaged, names)


def restore_lines(lines: Iterable[str]) -> Iterator[str]:
    """Repair each line on its own, one output line per input line (the ``thidua restore`` command)."""
    repairer = default_repairer()
    for line in lines:
        yield repairer.repair(line.rstrip("\r\n"))
