"""Japanese line breaking (禁則処理) for the printed 政策評価表 (DESIGN §16).

The form's paragraphs sit in merged cells whose rows we size ourselves, and the application
that prints them (Excel or LibreOffice) breaks lines by its own rules: LibreOffice applies no
禁則 to cells whose language is not Japanese, and neither tells us where it broke. So the
printed sheet carries explicit line breaks at positions chosen here, and the row heights are
counted from the same lines: the book and its PDF show the same lines, and none starts with
、。」 or ends with 「.

Why not a library: UAX #14 implementations (uniseg, PyICU) give break opportunities but not
line fitting with our width measure, and the rules DESIGN §16 lists are a dozen characters;
budoux splits phrases, which is a different job. The rules here are JIS X 4051's 行頭禁則 /
行末禁則 for those characters, applied by pushing characters to the next line (追い出し),
never by letting a line run past the cell (ぶら下げ), so an application never re-wraps a line.
"""

from __future__ import annotations

NO_LINE_START = frozenset(
    "、。，．,.）)」』】〕〉》］｝!?！？ーｰ・：；:;…‥々ゝゞヽヾ"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
    "ｧｨｩｪｫｯｬｭｮ"
)
"""Characters a line may not start with (行頭禁則): closing punctuation and brackets, the long
vowel mark, iteration marks and small kana."""
NO_LINE_END = frozenset("（(「『【〔〈《［｛")
"""Characters a line may not end with (行末禁則): opening brackets."""
_NARROW = frozenset("iljtf.,;:!|'`()[]{} ")
_WIDE = frozenset("MWmw@%")


def char_width(ch: str) -> float:
    """Printed width of one character in full-width characters (an em of the font).

    CJK and full-width forms are one; ASCII is proportional in both applications' fonts, so it
    is counted generously (0.3 for the narrowest, 0.62 for most, 0.9 for M and W) and a line
    never comes out wider than we counted. Half-width katakana are one half.
    """
    if ch < "\x80":
        if ch in _NARROW:
            return 0.35
        if ch in _WIDE:
            return 0.9
        return 0.62
    if "\uff61" <= ch <= "\uff9f":
        return 0.5
    return 1.0


def _word_char(ch: str) -> bool:
    return ch < "\x80" and ch.isalnum()


def _break_ok(text: str, at: int) -> bool:
    """A line may end before text[at]: no 禁則 violated and no ASCII word cut in two."""
    before, after = text[at - 1], text[at]
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    return not (_word_char(before) and _word_char(after))


def _kinsoku_ok(text: str, at: int) -> bool:
    return text[at] not in NO_LINE_START and text[at - 1] not in NO_LINE_END


def _break_before(text: str, start: int, end: int) -> int:
    """Where the line from `start` ends when text[end] no longer fits: the last allowed
    position, else the last one keeping 禁則 (cutting a long ASCII word), else `end`."""
    for ok in (_break_ok, _kinsoku_ok):
        for at in range(end, start, -1):
            if ok(text, at):
                return at
    return end


def wrap_line(text: str, per_line: float) -> list[str]:
    """One paragraph (no line breaks) as the lines it prints as in `per_line` full-width characters.

    Greedy: each line takes as many characters as fit; when the break would fall before a
    character that may not start a line, or after one that may not end a line (or inside an
    ASCII word), it moves back to the nearest allowed position. A line that has no allowed
    position at all (a URL longer than the line) is cut where it is full.
    """
    per_line = max(per_line, 2.0)
    lines: list[str] = []
    start, n = 0, len(text)
    while start < n:
        width, end = 0.0, start
        while end < n and (end == start or width + char_width(text[end]) <= per_line):
            width += char_width(text[end])
            end += 1
        if end < n:
            end = _break_before(text, start, end)
        line = text[start:end]
        lines.append(line.rstrip(" ") if end < n else line)
        start = end
        while 0 < start < n and text[start] == " " and lines:  # a wrapped line starts with text
            start += 1
    return lines or [""]


def wrap(text: str, per_line: float) -> list[str]:
    """`text` (line breaks kept) as printed lines of at most `per_line` full-width characters."""
    return [line for part in text.split("\n") for line in wrap_line(part, per_line)]


def violations(lines: list[str]) -> list[str]:
    """Lines that break a rule: start with a 行頭禁則 character or end with a 行末禁則 one."""
    return [x for x in lines if x.strip() and (x.strip()[0] in NO_LINE_START or x.strip()[-1] in NO_LINE_END)]
