"""Runs lm-evaluation-harness's IFEval checkers, process_results and
agg_inst_level_acc on IFEval prompts and responses, and writes what they
return to eval/ifeval/testdata/ifeval.json.gz, which eval/ifeval's and
eval's tests compare with fmkit's Go ports.

    git clone https://github.com/EleutherAI/lm-evaluation-harness /tmp/lmeval   # commit 4e7e0d4
    apt-get install python3-nltk python3-langdetect python3-immutabledict python3-packaging
    /usr/bin/python3 testdata/gen/eval/ifeval_fixtures.py /tmp/lmeval/lm_eval/tasks \\
        input_data.jsonl input_response_data_gpt4_20231107_145030.jsonl

The two JSONL files are Google's IFEval prompts and GPT-4's responses to
them (google-research/instruction_following_eval/data).

lm-eval's ifeval needs nltk >= 3.9.1 and downloads nltk's punkt_tab at
import; Debian 12 has nltk 3.8. Nothing of lm-eval or nltk is patched on
disk. At run time this script:
- answers importlib.metadata.version("nltk") with "3.9.1" for the version
  assertion (the Punkt and Treebank code that IFEval calls is the same in
  3.8 and 3.9: 3.9 added the punkt_tab loader and PunktTokenizer);
- puts fmkit's punkt_tab/english tables (eval/ifeval/internal/nltk, written
  from nltk_data's English model by punkt_params.py) in a temporary
  nltk_data folder and answers nltk.data.find("tokenizers/punkt_tab") with
  it (nltk 3.8's find would look for punkt/PY3_tab), so nothing is
  downloaded;
- makes nltk.data.load("tokenizers/punkt/<lang>.pickle") return a
  PunktSentenceTokenizer with the punkt_tab parameters, as nltk >= 3.8.2
  does (it intercepts those URLs and returns PunktTokenizer(lang)), for
  both lm-eval's count_sentences and nltk.word_tokenize;
- seeds langdetect (DetectorFactory.seed = 0; lm-eval leaves it unseeded,
  so its language verdicts on borderline texts vary between runs) and
  loads its profiles in sorted order (os.listdir's order otherwise), and
  for each language verdict also records whether seeds 1-9 agree;
- seeds Python's random with 0 each time a letter_frequency instruction is
  built (by wrapping LetterFrequencyChecker.build_description), so that
  the letter lm-eval draws when the given one is not an ASCII letter is
  the one fmkit draws (lm-eval draws it from its process-wide generator,
  separately for the strict and the loose pass).
"""
import gzip
import importlib
import importlib.metadata
import json
import os
import random
import shutil
import sys
import tempfile
import types

TASKS = os.path.abspath(sys.argv[1])
INPUTS, RESPONSES = sys.argv[2], sys.argv[3]
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
PUNKT_TAB = os.path.join(ROOT, "eval", "ifeval", "internal", "nltk", "punkt_tab")
OUT = os.path.join(ROOT, "eval", "ifeval", "testdata", "ifeval.json.gz")

# --- nltk >= 3.9 as lm-eval expects it -------------------------------------
_version = importlib.metadata.version
importlib.metadata.version = lambda name: "3.9.1" if name == "nltk" else _version(name)

import nltk  # noqa: E402
import nltk.data  # noqa: E402
import nltk.tokenize  # noqa: E402
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer  # noqa: E402

data_dir = tempfile.mkdtemp()
shutil.copytree(PUNKT_TAB, os.path.join(data_dir, "tokenizers", "punkt_tab"))
nltk.data.path.insert(0, data_dir)


def load_punkt_tab(lang):
    folder = os.path.join(data_dir, "tokenizers", "punkt_tab", lang)
    p = PunktParameters()
    lines = lambda name: open(os.path.join(folder, name), encoding="utf-8").read().splitlines()
    p.abbrev_types = set(lines("abbrev_types.txt"))
    p.sent_starters = set(lines("sent_starters.txt"))
    p.collocations = {tuple(l.split("\t")) for l in lines("collocations.tab")}
    for l in lines("ortho_context.tab"):
        w, n = l.split("\t")
        p.ortho_context[w] = int(n)
    tok = PunktSentenceTokenizer()
    tok._params = p
    return tok


_load = nltk.data.load
TOKENIZERS = {}


def load(resource_url, *a, **k):
    url = resource_url.removeprefix("nltk:")
    if url.startswith("tokenizers/punkt/") and url.endswith(".pickle"):
        lang = url[len("tokenizers/punkt/"):-len(".pickle")]
        if lang not in TOKENIZERS:
            TOKENIZERS[lang] = load_punkt_tab(lang)
        return TOKENIZERS[lang]
    return _load(resource_url, *a, **k)


nltk.data.load = load
nltk.tokenize.load = load
_find = nltk.data.find


def find(resource_name, paths=None):
    # nltk 3.8's find rewrites "punkt" in a path to "punkt/PY3" (the
    # pickles' Python 3 folder), which turns punkt_tab into punkt/PY3_tab.
    if resource_name.rstrip("/") == "tokenizers/punkt_tab":
        return os.path.join(data_dir, "tokenizers", "punkt_tab")
    return _find(resource_name, paths)


nltk.data.find = find

# --- langdetect: seeded, profiles in sorted order ---------------------------
import langdetect  # noqa: E402
import langdetect.detector_factory as factory  # noqa: E402

profiles = factory.PROFILES_DIRECTORY
factory._factory = factory.DetectorFactory()
factory._factory.load_json_profile(
    [open(os.path.join(profiles, n), encoding="utf-8").read() for n in sorted(os.listdir(profiles))])
factory.DetectorFactory.seed = 0


def detect_all_seeds(text):
    """The verdicts of seeds 0-9 (None: no features)."""
    out = []
    for seed in range(10):
        d = factory._factory.create()
        d.seed = seed
        d.append(text)
        try:
            out.append(d.detect())
        except langdetect.LangDetectException:
            out.append(None)
    return out


# --- lm-eval's modules, imported from the checkout ---------------------------
pkg = types.ModuleType("lm_eval")
pkg.__path__ = [os.path.dirname(TASKS)]
sys.modules["lm_eval"] = pkg
tasks = types.ModuleType("lm_eval.tasks")
tasks.__path__ = [TASKS]
sys.modules["lm_eval.tasks"] = tasks
pkg.tasks = tasks
utils = importlib.import_module("lm_eval.tasks.ifeval.utils")
lb_utils = importlib.import_module("lm_eval.tasks.leaderboard.ifeval.utils")
registry = importlib.import_module("lm_eval.tasks.ifeval.instructions_registry")
for mod in ["lm_eval.tasks.ifeval.instructions", "lm_eval.tasks.leaderboard.ifeval.instructions"]:
    cls = importlib.import_module(mod).LetterFrequencyChecker
    build = cls.build_description

    def seeded(self, *a, _build=build, **k):
        random.seed(0)
        return _build(self, *a, **k)

    cls.build_description = seeded

# --- inputs -------------------------------------------------------------------
docs = [json.loads(l) for l in open(INPUTS, encoding="utf-8")]
gpt4 = {r["prompt"]: r["response"] for r in map(json.loads, open(RESPONSES, encoding="utf-8"))}
# The dataset's kwargs column holds every argument name, None where unused.
NAMES = sorted({k for d in docs for kw in d["kwargs"] for k in kw})
for d in docs:
    d["kwargs"] = [{n: kw.get(n) for n in NAMES} for kw in d["kwargs"]]

LANGS = {
    "en": "The committee met on Tuesday to review the budget, and everyone agreed that the new library should open next spring.",
    "fr": "Le comité s'est réuni mardi pour examiner le budget, et tout le monde a convenu que la nouvelle bibliothèque ouvrirait au printemps prochain.",
    "de": "Der Ausschuss traf sich am Dienstag, um den Haushalt zu prüfen, und alle waren sich einig, dass die neue Bibliothek im nächsten Frühjahr eröffnet wird.",
    "es": "El comité se reunió el martes para revisar el presupuesto y todos estuvieron de acuerdo en que la nueva biblioteca abrirá la próxima primavera.",
    "it": "Il comitato si è riunito martedì per esaminare il bilancio e tutti hanno concordato che la nuova biblioteca aprirà la prossima primavera.",
    "pt": "O comitê se reuniu na terça-feira para revisar o orçamento, e todos concordaram que a nova biblioteca será inaugurada na próxima primavera.",
    "ru": "Комитет собрался во вторник, чтобы рассмотреть бюджет, и все согласились, что новая библиотека откроется следующей весной.",
    "uk": "Комітет зібрався у вівторок, щоб розглянути бюджет, і всі погодилися, що нова бібліотека відкриється наступної весни.",
    "bg": "Комитетът се събра във вторник, за да прегледа бюджета, и всички се съгласиха, че новата библиотека ще отвори следващата пролет.",
    "pl": "Komitet zebrał się we wtorek, aby przejrzeć budżet, i wszyscy zgodzili się, że nowa biblioteka zostanie otwarta następnej wiosny.",
    "fi": "Valiokunta kokoontui tiistaina käsittelemään talousarviota, ja kaikki olivat yhtä mieltä siitä, että uusi kirjasto avataan ensi keväänä.",
    "sw": "Kamati ilikutana Jumanne kukagua bajeti, na kila mtu alikubali kwamba maktaba mpya itafunguliwa msimu ujao wa masika.",
    "vi": "Ủy ban đã họp vào thứ Ba để xem xét ngân sách, và mọi người đều đồng ý rằng thư viện mới sẽ mở cửa vào mùa xuân tới.",
    "ar": "اجتمعت اللجنة يوم الثلاثاء لمراجعة الميزانية، واتفق الجميع على أن المكتبة الجديدة ستفتح في الربيع المقبل.",
    "fa": "کمیته روز سه‌شنبه برای بررسی بودجه تشکیل جلسه داد و همه موافقت کردند که کتابخانه جدید بهار آینده افتتاح شود.",
    "ur": "کمیٹی نے منگل کو بجٹ کا جائزہ لینے کے لیے اجلاس کیا، اور سب نے اتفاق کیا کہ نئی لائبریری اگلی بہار میں کھلے گی۔",
    "he": "הוועדה התכנסה ביום שלישי כדי לבחון את התקציב, וכולם הסכימו שהספרייה החדשה תיפתח באביב הבא.",
    "hi": "समिति ने बजट की समीक्षा के लिए मंगलवार को बैठक की, और सभी सहमत हुए कि नया पुस्तकालय अगले वसंत में खुलेगा।",
    "mr": "समितीने अर्थसंकल्पाचा आढावा घेण्यासाठी मंगळवारी बैठक घेतली आणि नवीन ग्रंथालय पुढच्या वसंतात सुरू होईल यावर सर्वांचे एकमत झाले.",
    "ne": "समितिले बजेटको समीक्षा गर्न मंगलबार बैठक बस्यो, र नयाँ पुस्तकालय अर्को वसन्तमा खुल्ने कुरामा सबै सहमत भए।",
    "bn": "কমিটি মঙ্গলবার বাজেট পর্যালোচনা করতে বৈঠক করেছে, এবং সবাই একমত হয়েছে যে নতুন গ্রন্থাগারটি আগামী বসন্তে খুলবে।",
    "pa": "ਕਮੇਟੀ ਨੇ ਬਜਟ ਦੀ ਸਮੀਖਿਆ ਕਰਨ ਲਈ ਮੰਗਲਵਾਰ ਨੂੰ ਮੀਟਿੰਗ ਕੀਤੀ, ਅਤੇ ਸਾਰੇ ਸਹਿਮਤ ਹੋਏ ਕਿ ਨਵੀਂ ਲਾਇਬ੍ਰੇਰੀ ਅਗਲੀ ਬਸੰਤ ਵਿੱਚ ਖੁੱਲ੍ਹੇਗੀ।",
    "gu": "સમિતિએ બજેટની સમીક્ષા કરવા મંગળવારે બેઠક કરી, અને બધા સંમત થયા કે નવું પુસ્તકાલય આવતા વસંતમાં ખુલશે.",
    "ta": "வரவுசெலவுத் திட்டத்தை மதிப்பாய்வு செய்ய குழு செவ்வாய்க்கிழமை கூடியது, புதிய நூலகம் அடுத்த வசந்த காலத்தில் திறக்கப்படும் என்று அனைவரும் ஒப்புக்கொண்டனர்.",
    "te": "బడ్జెట్‌ను సమీక్షించడానికి కమిటీ మంగళవారం సమావేశమైంది, కొత్త గ్రంథాలయం వచ్చే వసంతంలో తెరుచుకుంటుందని అందరూ అంగీకరించారు.",
    "kn": "ಬಜೆಟ್ ಪರಿಶೀಲಿಸಲು ಸಮಿತಿ ಮಂಗಳವಾರ ಸಭೆ ಸೇರಿತು, ಮತ್ತು ಹೊಸ ಗ್ರಂಥಾಲಯ ಮುಂದಿನ ವಸಂತದಲ್ಲಿ ತೆರೆಯಲಿದೆ ಎಂದು ಎಲ್ಲರೂ ಒಪ್ಪಿಕೊಂಡರು.",
    "ml": "ബജറ്റ് അവലോകനം ചെയ്യാൻ കമ്മിറ്റി ചൊവ്വാഴ്ച യോഗം ചേർന്നു, പുതിയ ലൈബ്രറി അടുത്ത വസന്തത്തിൽ തുറക്കുമെന്ന് എല്ലാവരും സമ്മതിച്ചു.",
    "th": "คณะกรรมการประชุมกันเมื่อวันอังคารเพื่อทบทวนงบประมาณ และทุกคนเห็นพ้องกันว่าห้องสมุดแห่งใหม่จะเปิดในฤดูใบไม้ผลิหน้า",
    "ja": "委員会は火曜日に予算を検討するために集まり、新しい図書館は来年の春に開館することで全員が合意した。",
    "zh": "委员会于星期二开会审查预算，大家一致同意新图书馆将于明年春天开放。",
    "ko": "위원회는 화요일에 예산을 검토하기 위해 모였고, 모두 새 도서관이 내년 봄에 문을 열 것이라는 데 동의했다.",
}

PROBES = list(LANGS.values()) + [
    "", "   \n\t ", "yes", "OK", "Ja", "no", "hello world", "HELLO WORLD", "hello, world",
    "Mr. Smith went to Washington. He met Sen. Warren at 3 p.m. They talked.",
    "Dr. J. R. R. Tolkien wrote books... Many of them! Did you read them? (I did.) \"Yes.\" OK.",
    "The U.S.A. is large. e.g. Texas. It is 1.5 times France. Sentence five; no end",
    "\"Quoted whole response.\"",
    "\"unterminated quote",
    "THIS IS ALL CAPS. EVERY WORD IS UPPER CASE, ISN'T IT? YES: NASA AND THE U.S. AGREE.",
    "this is all lowercase. every word is lower case, isn't it? yes: nasa and the u.s. agree.",
    "Mixed CASE text with SOME capital WORDS like API, HTTP, and JSON-RPC (really).",
    "I CAN'T GO. WE'LL SEE, GONNA TRY. \"QUOTE\" -- DASH ... ELLIPSIS [BRACKET] {BRACE} <ANGLE>",
    "Section 1\nIntro text.\nSection 2\nMore text.\nSECTION 3\nEnd.",
    "SECTION 1: a\nSECTION 2: b\nSECTION 3: c\nSECTION 4: d\nSECTION 5: e",
    "PARAGRAPH 1\nFirst.\n\nPARAGRAPH 2\nSecond.",
    "First paragraph here.\n***\nSecond paragraph here.\n***\nThird paragraph.",
    "***\nOnly one.\n***",
    "One.\n***\n\n***\nTwo.",
    "Para one starts here.\n\nPara two starts here.\n\n\n\nPara three.",
    "\"Summer\" is the first word.\n\nsummer, again.\n\nWinter is coming.",
    "* point one\n* point two\n* point three",
    "- dash one\n- dash two\n  * nested star\n** bold line\n*not a bullet* text",
    "Intro:\n\n* a\n* b\n* c\n* d\n* e",
    "Here is *one highlight* and **two highlight** and * * blank and *multi\nline*.",
    "*a* *b* *c*",
    "**Title**\n*Section A*\n*Section B*\nText.",
    "<<My Title>>\nBody text.",
    "<< >> not a title, <<\n>> neither",
    "Text with [placeholder] and [another one] and [third] and [fourth].",
    "[a][b][c][d][e][f][g][h][i][j][k][l]",
    "Answer.\nP.S. This is a postscript.",
    "Answer.\n\np.p.s I forgot something.",
    "Answer.\nPPS not quite.",
    "My answer is yes.",
    "Well... My answer is maybe. Or no.",
    "My answer is Yes",
    "```json\n{\"name\": \"value\", \"list\": [1, 2.5, true, null]}\n```",
    "{\"a\": NaN, \"b\": Infinity, \"c\": -Infinity}",
    "```JSON\n[1, 2, 3]\n```",
    "{\"a\": 1,}",
    "{'single': 'quotes'}",
    "Response one about cats.\n******\nResponse two about dogs.",
    "Same answer.\n******\nSame answer.",
    "******\nA.\n******\nB.\n******",
    "A.\n******\n\n******\nB.",
    "Is there anything else I can help with?",
    "Here is my answer. Is there anything else I can help with?\"",
    "Here is my answer. Any other questions?   ",
    "No commas here at all",
    "war war WAR peace Peace peaceful warfare",
    "The letter t appears: t t T tt",
    "#hashtag #two #three #four! Wow!! Amazing!!!",
    "Rock and roll, rocking, ROCK. Rocks.",
    "İstanbul ΣΊΣΥΦΟΣ straße ǅemal",
    "1. First item.\n2. Second item.\n3. Third item.",
    "Visit https://example.com/page?x=1 or mail me@example.org today, friend.",
    "Ceci n'est pas une pipe. This is not a pipe.",
    "Hola",
    "Привет",
    "ok ok ok",
    "123 456 789",
    "!!! ??? ...",
    "Dear Boss,\n\nI quit.\n\nBest,\nMe",
]


def run_check(fn, inp, response):
    random.seed(0)
    return fn(inp, response)


def checks():
    """Every instruction with each distinct kwargs the data gives it (at
    most 8), on every probe, strict and loose."""
    seen = {}
    for d in docs:
        for iid, kw in zip(d["instruction_id_list"], d["kwargs"]):
            key = (iid, json.dumps(kw, sort_keys=True))
            if key not in seen and sum(k[0] == iid for k in seen) < 8:
                seen[key] = (iid, kw, d["prompt"])
    out = []
    for iid, kw, prompt in seen.values():
        inp = utils.InputExample(key=0, instruction_id_list=[iid], prompt=prompt, kwargs=[kw])
        strict = [run_check(utils.test_instruction_following_strict, inp, p).follow_all_instructions for p in PROBES]
        loose = [run_check(utils.test_instruction_following_loose, inp, p).follow_all_instructions for p in PROBES]
        out.append({"id": iid, "kwargs": {k: v for k, v in kw.items() if v is not None}, "prompt": prompt,
                    "strict": "".join("1" if v else "0" for v in strict),
                    "loose": "".join("1" if v else "0" for v in loose)})
    return out


def variants(doc, response):
    """Two responses derived from GPT-4's, in turn, to exercise formats."""
    paras = [p for p in response.split("\n\n") if p.strip()][:3]
    short = "\n\n".join(paras)
    i = docs.index(doc)
    kinds = [
        lambda: short.upper(),
        lambda: short.lower(),
        lambda: '"' + short + '"',
        lambda: short + "\n\nP.S. " + paras[0][:80],
        lambda: "```json\n" + json.dumps({"answer": short}) + "\n```",
        lambda: "\n***\n".join(paras),
        lambda: "\n".join("* " + p.replace("\n", " ") for p in paras),
        lambda: "\n******\n".join(paras[:2]),
        lambda: doc["prompt"] + "\n" + short,
        lambda: "\n".join(f"SECTION {j + 1}\n{p}" for j, p in enumerate(paras)),
        lambda: short + " Is there anything else I can help with?",
        lambda: short.replace(",", ""),
        lambda: "<<" + paras[0][:30].replace("\n", " ") + ">>\n" + short,
    ]
    return [kinds[i % len(kinds)](), kinds[(i * 7 + 3) % len(kinds)]()]


def results():
    rows = []
    for i, d in enumerate(docs):
        for source, resp in [("gpt4", gpt4[d["prompt"]])] + [("variant", v) for v in variants(d, gpt4[d["prompt"]])]:
            doc = {"key": d["key"], "prompt": d["prompt"], "instruction_id_list": d["instruction_id_list"], "kwargs": d["kwargs"]}
            random.seed(0)
            r = utils.process_results(doc, [resp])
            random.seed(0)
            assert lb_utils.process_results(doc, [resp]) == r
            rows.append({"doc": i, "source": source, "response": resp, "results": r})
    return rows


def aggregate(rows):
    out = {}
    for name, sel in [("gpt4", lambda r: r["source"] == "gpt4"), ("all", lambda r: True)]:
        rs = [r["results"] for r in rows if sel(r)]
        agg = {}
        for m in ["prompt_level_strict_acc", "prompt_level_loose_acc"]:
            items = [r[m] for r in rs]
            agg[m] = sum(items) / len(items)
        for m in ["inst_level_strict_acc", "inst_level_loose_acc"]:
            items = [r[m] for r in rs]
            agg[m] = utils.agg_inst_level_acc(items)
            assert lb_utils.agg_inst_level_acc(items) == agg[m]
        out[name] = agg
    return out


def languages():
    """Seed stability of langdetect on the probes."""
    return [{"text": p, "seeds": detect_all_seeds(p)} for p in PROBES if p.strip()]


def tokenize():
    """Punkt's sentences and nltk.word_tokenize's tokens of the probes and
    of every GPT-4 response, and langdetect's seed-0 verdicts on them."""
    texts = PROBES + [gpt4[d["prompt"]] for d in docs]
    punkt = load("nltk:tokenizers/punkt/english.pickle")
    return [{"text": t, "sentences": punkt.tokenize(t), "words": nltk.word_tokenize(t),
             "language": detect_all_seeds(t)[0] if t.strip() else None} for t in texts]


rows = results()
fixture = {
    "tokenize": tokenize(),
    "instructions": sorted(registry.INSTRUCTION_DICT),
    "probes": PROBES,
    "checks": checks(),
    "docs": docs,
    "responses": rows,
    "aggregates": aggregate(rows),
    "languages": languages(),
}
raw = json.dumps(fixture, ensure_ascii=False, indent=0).encode("utf-8")
with open(OUT, "wb") as f:
    f.write(gzip.compress(raw, compresslevel=9, mtime=0))
print(len(fixture["checks"]), "checks x", len(PROBES), "probes;", len(rows), "responses;",
      fixture["aggregates"], file=sys.stderr)
shutil.rmtree(data_dir)
