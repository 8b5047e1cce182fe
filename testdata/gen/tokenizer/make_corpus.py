#!/usr/bin/env python3
"""Build the tokenizer fixture corpus: a JSON array of test strings.

Usage: make_corpus.py OUT.json [GCIDE_DICT_DZ]

The corpus mixes English prose (entries of the GNU Collaborative International
Dictionary of English, Debian package dict-gcide), KMMLU-style Korean exam
questions, LaTeX math, source code with tabs/CRLF/long whitespace runs, emoji
and ZWJ sequences, combining marks, control characters, very long words and
numbers, strings that contain the special tokens of every tokenizer under
test, and random Unicode. Everything is drawn from a fixed seed, so the output
is reproducible.
"""
import gzip
import json
import random
import sys

rng = random.Random(20250503)
out = []


def add(s):
    out.append(s)


# ---------------------------------------------------------------- English prose
def gcide_paragraphs(path):
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        text = f.read()
    paras = [p.strip("\n") for p in text.split("\n\n")]
    paras = [p for p in paras if 40 <= len(p) <= 1500 and not p.startswith("00-")]
    return paras


def english(paths):
    paras = gcide_paragraphs(paths)
    picks = rng.sample(paras, 640)
    for i, p in enumerate(picks):
        if i % 4 == 0:  # as the dictionary has it: indented lines
            add(p)
        elif i % 4 == 1:  # reflowed into one line
            add(" ".join(p.split()))
        elif i % 4 == 2:  # a sentence or two
            words = p.split()
            k = rng.randint(3, min(40, len(words)))
            add(" ".join(words[:k]))
        else:  # joined with the previous one by a blank line
            add(" ".join(p.split()) + "\n\n" + " ".join(picks[i - 1].split()))
    # contractions and casing variants for the (?i:'s|'t|...) alternatives
    for s in ["I'm sure they'll say it's John's, isn't it? We'd've gone.",
              "I'M SURE THEY'LL SAY IT'S JOHN'S, ISN'T IT? WE'D'VE GONE.",
              "'s 't 're 've 'm 'll 'd 'S 'T 'RE 'VE 'M 'LL 'D 'Re 'vE",
              "don't  won't   can't\tshan't", "rock'n'roll 'tis 'twas o'clock",
              "He said 'sure' and 'done'.", "Ma'am's 'll've", "'ſ 'K 'ﬅ",
              "Hello world", " Hello world", "  Hello  world  ", "hello",
              "", " ", "  ", "\n", "\t", "a", "A", "1", ".", "   leading", "trailing   "]:
        add(s)


# ---------------------------------------------------------------- Korean (KMMLU style)
KO_SUBJECTS = ["경제학", "법률", "회계", "화학공학", "전기공학", "기계공학", "건축", "한국사",
               "정치와 법", "사회학", "심리학", "보건", "식품가공", "환경", "농업", "해양", "교육",
               "형사법", "민법", "세무", "컴퓨터과학", "통계학", "물리학", "생물학", "지리"]
KO_STEMS = [
    "다음 중 {x}에 대한 설명으로 옳은 것은?",
    "다음 중 {x}의 특징으로 옳지 않은 것은?",
    "{x}에서 가장 중요한 요소는 무엇인가?",
    "다음 설명에 해당하는 용어로 가장 적절한 것은?",
    "다음 <보기> 중 {x}와(과) 관련된 내용을 모두 고른 것은?",
    "{n}년에 제정된 법률의 명칭으로 옳은 것은?",
    "어떤 물질 {n}g을 물 {m}mL에 녹였을 때 농도(%)는?",
    "다음 식의 값을 구하시오： {n} × {m} ÷ 2 = ?",
    "조선 시대 {h}의 역할로 옳은 것은?",
    "甲은 乙에게 {n}만 원을 빌려주었다. 다음 중 옳은 것은?",
]
KO_HANJA = ["經濟", "法律", "會計", "國家", "社會", "歷史", "民主主義", "大韓民國", "議政府",
            "訓民正音", "實學", "經國大典", "三國史記", "甲", "乙", "丙", "丁", "戊"]
KO_WORDS = ["시장", "수요", "공급", "가격", "탄력성", "계약", "채권", "채무", "소유권", "손해배상",
            "반응속도", "촉매", "열역학", "전압", "저항", "전류", "응력", "변형률", "세포", "유전자",
            "광합성", "국회", "대통령", "헌법재판소", "지방자치", "교육과정", "평가", "학습자",
            "토양", "비료", "해류", "기후변화", "온실가스", "재무제표", "감가상각", "부가가치세"]


def korean():
    for i in range(340):
        subj = rng.choice(KO_SUBJECTS)
        x = rng.choice(KO_WORDS) if rng.random() < 0.7 else rng.choice(KO_HANJA) + "(" + rng.choice(KO_WORDS) + ")"
        stem = rng.choice(KO_STEMS).format(x=x, n=rng.randint(1, 2024), m=rng.randint(2, 999),
                                           h=rng.choice(KO_HANJA))
        opts = []
        for j in range(4):
            w = rng.sample(KO_WORDS, 2)
            tail = rng.choice(["이다.", "을 증가시킨다.", "은 감소한다.", "과 무관하다.", "에 해당한다.", ""])
            num = rng.choice(["", f" {rng.randint(0, 100)}%", f" {rng.randint(1, 9)},{rng.randint(100, 999)}원",
                              f" 제{rng.randint(1, 300)}조", f" {rng.random() * 100:.2f}"])
            opts.append(f"{w[0]}의 {w[1]}{tail}{num}")
        style = i % 5
        if style == 0:
            s = f"[{subj}] {stem}\nA. {opts[0]}\nB. {opts[1]}\nC. {opts[2]}\nD. {opts[3]}\n정답："
        elif style == 1:
            s = f"문제：{stem}\n① {opts[0]}\n② {opts[1]}\n③ {opts[2]}\n④ {opts[3]}\n답： {rng.randint(1, 4)}"
        elif style == 2:
            s = f"{stem} (A) {opts[0]} (B) {opts[1]} (C) {opts[2]} (D) {opts[3]}"
        elif style == 3:
            s = f"질문: {stem}\n보기：\nㄱ. {opts[0]}\nㄴ. {opts[1]}\nㄷ. {opts[2]}\n정답: ㄱ, ㄷ"
        else:
            s = f"{rng.choice(KO_HANJA)} {stem}　{opts[0]}　{opts[1]}"  # ideographic spaces
        add(s)
    # decomposed jamo (NFC changes them) and half-width/compatibility forms
    add("\u1100\u1161\u11a8 \u1112\u1161\u11ab\u1100\u1173\u11af")
    add("ㄱㄴㄷ ﾡﾢﾣ 가나다 １２３ ＡＢＣ：；")


# ---------------------------------------------------------------- LaTeX
LATEX = [r"\frac{{{a}}}{{{b}}}", r"\sqrt{{{a}x^2 + {b}}}", r"\int_0^{{{a}}} x^{{{b}}}\,dx",
         r"\sum_{{i=1}}^{{{a}}} i^2 = \frac{{n(n+1)(2n+1)}}{{6}}", r"\lim_{{x \to \infty}} \left(1+\frac{{1}}{{x}}\right)^x = e",
         r"\begin{{pmatrix}} {a} & {b} \\ {b} & {a} \end{{pmatrix}}", r"\boxed{{{a}}}", r"x_{{{a}}} \le y^{{{b}}}",
         r"\alpha + \beta = \gamma", r"\mathbb{{R}}^{{{a}}}", r"P(A \mid B) = \frac{{P(B \mid A)P(A)}}{{P(B)}}",
         r"\binom{{{a}}}{{{b}}}", r"{a}\%", r"\dfrac{{{a}}}{{{b}}}\pi", r"\text{{ if }} x \neq {a}"]


def latex():
    for i in range(220):
        parts = [rng.choice(LATEX).format(a=rng.randint(0, 999), b=rng.randint(1, 50)) for _ in range(rng.randint(1, 4))]
        body = " ".join(parts)
        style = i % 4
        if style == 0:
            add(f"${body}$")
        elif style == 1:
            add(f"The answer is $\\boxed{{{rng.randint(-99, 9999)}}}$ because ${body}$.")
        elif style == 2:
            add(f"\\[\n{body}\n\\]")
        else:
            add(f"Solve for $x$: ${body} = {rng.randint(1, 100)}$.\n\\begin{{align*}}\n  x &= {rng.randint(1, 9)} \\\\\n  y &= {rng.random():.4f}\n\\end{{align*}}")


# ---------------------------------------------------------------- code
CODE = [
    "def f(x):\n\treturn x * 2\n",
    "for (int i = 0; i < n; i++) {\r\n    sum += a[i];\r\n}\r\n",
    "func main() {\n\tfmt.Println(\"hello, 世界\")\n}\n",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name;",
    "if x == None:\n        pass\n    elif x != 0:\n            raise ValueError('bad')\n",
    "#include <stdio.h>\nint main(void) {\n    printf(\"%d\\n\", 42);\n    return 0;\n}\n",
    "const x = {a: 1, b: [1, 2, 3], 'c': \"d\"}; // comment\n",
    "<html>\n  <body>\n    <div class=\"x\">Hi</div>\n  </body>\n</html>\n",
    "    \n\t\t\n   \t  x = 1  \t\n",
    "key:\tvalue\r\nother:\t\tthing\r\n\r\n",
    "fn main() -> Result<(), Box<dyn Error>> { Ok(()) }",
    "x=1;y=2;z=x+y**2//3%4&5|6^7~8<<9>>10",
    "    # indented comment with trailing spaces    \n",
    "@decorator\nclass Foo(Bar, metaclass=Meta):\n    \"\"\"Docstring.\"\"\"\n    __slots__ = ()\n",
]


def code():
    for i in range(260):
        parts = [rng.choice(CODE) for _ in range(rng.randint(1, 4))]
        s = "".join(parts)
        if i % 5 == 0:
            s = s.replace("\n", "\r\n")
        if i % 7 == 0:
            s = " " * rng.randint(8, 80) + s
        if i % 11 == 0:
            s = s + "\t" * rng.randint(2, 30)
        if i % 13 == 0:
            s = s.replace("    ", " " * rng.randint(5, 40))
        add(s)
    for n in [2, 3, 4, 8, 16, 17, 31, 64, 100, 257, 1000]:
        add(" " * n)
        add("x" + " " * n + "y")
        add("\n" * n)
        add("\t" * n + "a")
        add("\r\n" * (n // 2 + 1))
        add(" \n" * (n // 2 + 1) + "z")


# ---------------------------------------------------------------- emoji, ZWJ, combining
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "❤️", "🇰🇷", "🇺🇸", "🧑🏿‍💻", "✊🏻", "🫠", "🤷‍♀️", "👁️‍🗨️",
         "#️⃣", "1️⃣", "©️", "🐈‍⬛", "🦄", "🍣", "⚽", "☕"]
COMBINING = ["e\u0301", "a\u0300\u0316", "n\u0303", "o\u0308\u0304", "Z\u0335\u0321\u0358",
             "\u0915\u094d\u0937", "\u0e01\u0e33", "Å", "A\u030a", "\u212b", "ﬁ", "ǅ", "ẛ̣", "\u1e9b\u0323"]


def emoji():
    for i in range(230):
        k = rng.randint(1, 8)
        pieces = []
        for _ in range(k):
            r = rng.random()
            if r < 0.4:
                pieces.append(rng.choice(EMOJI))
            elif r < 0.7:
                pieces.append(rng.choice(COMBINING))
            else:
                pieces.append(rng.choice(["hello", "세계", "мир", "κόσμος", "عالم", "世界", "café", " ", "!", "123"]))
        sep = rng.choice(["", " ", "  ", "\n"])
        add(sep.join(pieces))


# ---------------------------------------------------------------- control characters
def control():
    ctrl = [chr(c) for c in list(range(0, 32)) + [127] + list(range(0x80, 0xa0))]
    extra = ["\u200b", "\u200c", "\u200d", "\u2028", "\u2029", "\ufeff", "\u00ad", "\u202e", "\u2066",
             "\u00a0", "\u3000", "\u2009", "\u205f", "\u180e", "\u0085", "\ufffd", "\U000e0041", "\U0010ffff",
             "\ue000", "\uffff"]
    for i in range(170):
        pieces = []
        for _ in range(rng.randint(1, 10)):
            r = rng.random()
            if r < 0.4:
                pieces.append(rng.choice(ctrl))
            elif r < 0.6:
                pieces.append(rng.choice(extra))
            else:
                pieces.append(rng.choice(["abc", " def", "12", "가", "\n", " ", "'s", "x"]))
        add("".join(pieces))


# ---------------------------------------------------------------- long words and numbers
def long_items():
    letters = "abcdefghijklmnopqrstuvwxyz"
    for i in range(110):
        r = i % 6
        n = rng.randint(30, 600)
        if r == 0:
            add("".join(rng.choice(letters) for _ in range(n)))
        elif r == 1:
            add("".join(rng.choice("0123456789") for _ in range(n)))
        elif r == 2:
            add("pneumonoultramicroscopicsilicovolcanoconiosis" * rng.randint(1, 8))
        elif r == 3:
            add(f"{rng.randint(0, 10**18)}.{rng.randint(0, 10**9)} {rng.randint(0, 10**30):,} 0x{rng.randint(0, 2**64):X}")
        elif r == 4:
            add("가나다라마바사" * rng.randint(5, 60))
        else:
            add("".join(rng.choice(["ab", "1", "!", "é", "😀", " ", "가"]) for _ in range(n)))
    add("a" * 5000)
    add("1" * 3000)
    add("😀" * 500)


# ---------------------------------------------------------------- special tokens of every tokenizer
SPECIALS = ["<s>", "</s>", "<unk>", "<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>",
            "<|start_header_id|>", "<|end_header_id|>", "<|reserved_special_token_5|>",
            "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>", "<tool_call>",
            "<|vision_pad|>", "<bos>", "<eos>", "<pad>", "<start_of_turn>", "<end_of_turn>",
            "<mask>", "<unused42>", "<start_of_image>", "</table>", "<h1>", "\n\n\n", "\t\t\t\t"]


def specials():
    for i in range(230):
        pieces = []
        for _ in range(rng.randint(1, 6)):
            r = rng.random()
            if r < 0.45:
                pieces.append(rng.choice(SPECIALS))
            elif r < 0.55:
                t = rng.choice(SPECIALS)  # a broken special token
                pieces.append(t[:-1] if len(t) > 2 else t)
            else:
                pieces.append(rng.choice(["user\n", "Hello", " world", "안녕하세요", "\n", " ", "  ", "assistant", "x"]))
        sep = rng.choice(["", "", " ", "\n"])
        add(sep.join(pieces))
    add("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n안녕?<|im_end|>\n<|im_start|>assistant\n")
    add("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>")
    add("<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n")
    add("<s>[INST] Hello [/INST]</s>")


# ---------------------------------------------------------------- random Unicode
BLOCKS = [(0x20, 0x7e), (0xa0, 0x24f), (0x370, 0x3ff), (0x400, 0x4ff), (0x590, 0x6ff), (0x900, 0x97f),
          (0xe00, 0xe7f), (0x1100, 0x11ff), (0x2000, 0x206f), (0x2190, 0x22ff), (0x3000, 0x30ff),
          (0x4e00, 0x4fff), (0xac00, 0xd7a3), (0xff00, 0xffef), (0x1f300, 0x1f6ff), (0x1d400, 0x1d7ff),
          (0x10000, 0x1007f), (0x1f900, 0x1f9ff)]


def random_unicode():
    for i in range(200):
        pieces = []
        for _ in range(rng.randint(1, 40)):
            lo, hi = rng.choice(BLOCKS)
            c = rng.randint(lo, hi)
            if 0xd800 <= c <= 0xdfff:
                continue
            pieces.append(chr(c))
            if rng.random() < 0.15:
                pieces.append(rng.choice([" ", "  ", "\n", "'s", "'LL", "1234", "\r\n"]))
        add("".join(pieces))


def main():
    dz = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/dictd/gcide.dict.dz"
    english(dz)
    korean()
    latex()
    code()
    emoji()
    control()
    long_items()
    specials()
    random_unicode()
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=0)
    print(f"{len(out)} strings, {sum(len(s.encode()) for s in out)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
