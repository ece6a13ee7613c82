"""Early-warning signals in what a customer said (DOMAIN §6 latent phase, §3 grades E/F/G).

Matching: plain substring matching over normalised text, not word segmentation. Measured on the
labelled set bench/early_warning/texts.tsv (439 texts, 194 crisis-worthy) with
``bench/early_warning_eval.py --compare``:

    rules below + substring matching     precision 0.970  recall 0.990  F1 0.980
    rules below + jieba 0.42.1 words     precision 0.978  recall 0.918  F1 0.947
    bare term list, substring only       precision 0.759  recall 0.649  F1 0.700
    the list before issue 12             precision 0.637  recall 0.299  F1 0.407

Word matching with jieba removes 2 false alarms and adds 14 misses: it cuts 后桥断轴 as 后桥断/轴,
找律所 as 找律/所, and 技术监督局, 代理律师, 火星子, 同批次, 抖音发布, 商务局 so that the term is not
a whole word, while the harmless compounds it keeps whole (安全带, 多媒体, 记者节) are already exception
phrases here; it still splits 工商银行卡 as 工商/银行卡 and 换车险 as 换车/险. It would also be a new
dependency with a 20 MB dictionary. So substring matching stays; ``segment=`` takes any tokenizer
to repeat the comparison.

These numbers are on texts the rules were developed with. Three batches of ~60 texts written
before the rules saw them scored precision 0.83/0.89/0.77 and recall 0.56/0.59/0.63 on first
contact (bench/early_warning/README.md): new phrasing still slips through, so an agent's judgement
and the data-pattern signals (csat.domain.early_warning) remain needed.

How a text is read:

1. Normalised: NFKC (full-width digits and punctuation), traditional characters folded to
   simplified for the characters the terms use (律師 → 律师), and common misspellings of a term
   folded to it (暴光 → 曝光, 煞车 → 刹车, 陪偿 → 赔偿), all without changing the text's length.
2. Every occurrence of every term is a candidate, except inside a harmless phrase (the term's
   ``exceptions``: 安全带, 工商银行, 换车门, 曝光不足, 记者节 …), a term of digits inside a longer
   number (12315 in a phone number), or a place named as a landmark (市场监管局对面).
3. Longest match first: where candidates overlap, the longest keeps the text and the others are
   dropped (安全隐患 rather than 安全 too; 发到抖音 rather than 抖音 too), so a stretch of text counts
   once.
4. Negation switches a term off: a negator (不会, 没有, 不想, 别, 未, 无需, 担心, 是否 …) at most
   NEGATION_GAP characters before it in the same clause ("不会曝光", "没想过要起诉"), or a question
   answered by a negation ("起诉？不会的"). Not when the negator belongs to a condition ("不解决我就
   曝光", "如不处理将向市场监管部门投诉", "不给退车就…") or to a word that does not negate what
   follows (不满, 不排除, 别逼, 没人 …: NON_NEGATING). ``negated_forms`` list phrases where the
   negator is part of the term's meaning.
5. Identity, not action: a person or institution term that only says who someone is ("客户是律师",
   "律师朋友推荐来的", "在法院上班") counts IDENTITY_WEIGHT (1): a grade-F hint, not a crisis.
6. Each term counts once, with its strongest occurrence. Aggravating words (code "aggravating":
   骗子, 不然, 没完, 第三次, 高速 …) only count next to another signal: "我很生气" alone is nothing,
   "退车！骗子4S店" is a money demand plus strong dissatisfaction.

The text is crisis-worthy when the strongest signal of each code, added up over the codes, reaches
CRISIS_THRESHOLD (3): two mentions of one concern ("抖音直播") are one concern, two concerns add up
("退车" + "骗子"). Weights: 3 = one mention is enough (media, lawyer, authorities, hard safety
failures, extreme acts, an explicit demand to return or replace the car); 2 = serious with
something else (a social-media channel, generic 安全, aggravating words); 1 = usual in ordinary
complaints (money words).

A term starting with "re:" is a regular expression on the normalised text; "…" in it stands for up
to PATTERN_GAP characters of the same clause. The signal's ``term`` is then the matched text.

Issue 23 (generalisation). The numbers above are for the rules alone (``model=False``). On the
issue-23 corpus (bench/early_warning/corpus.tsv: 1,911 texts written to test phrasing the list
does not know) the rules alone reach recall ≈ 0.2, and they flag past or routine uses (保修索赔,
"之前说要曝光，后来算了"). So the verdict is now a linear text model over character 1–3 grams and
the rule signals (``decision.py``, ``model.py``, trained by bench/early_warning_train.py on the
train split only), with context rules (``context.py``: routine warranty/insurance 索赔 and
retracted past threats switch a term off; negated and settled stretches give the model's n-grams a
prefix, and cue features name repeated repairs, large amounts and veiled threats). Every choice is
made on grouped cross-validation of the train split. bench/RESULTS.md has the held-out numbers.

Modules: ``terms`` (the list), ``matching`` (the rules), ``context`` (routine and retracted uses),
``model`` (the shipped linear model, pure Python), ``decision`` (verdict and explanations).
"""

from .context import retracted, routine_context
from .decision import (
    MODEL_CODE,
    MODEL_EXPLANATION,
    MODEL_EXPLANATION_PLAIN,
    MODEL_MIN_WEIGHT,
    MODEL_TOP,
    STOP_CHARS,
    STOP_GRAMS,
    Assessment,
    assess,
    crisis_worthy,
    cue_span,
    explain,
    meaningful_gram,
    rule_features,
    text_features,
    text_signals,
)
from .matching import (
    NEGATION_GAP,
    NEGATORS,
    NON_NEGATING,
    RuleResult,
    normalize,
    rule_analysis,
    signal_weight,
)
from .model import MODEL_FILE, LinearModel, load_model, ngrams
from .terms import (
    AMPLIFIER_CODES,
    CRISIS_THRESHOLD,
    DEFAULT_TERMS,
    IDENTITY_WEIGHT,
    PATTERN_GAP,
    PATTERN_PREFIX,
    SIGNAL_CODES,
    Signal,
    Term,
)

__all__ = [
    "AMPLIFIER_CODES",
    "CRISIS_THRESHOLD",
    "DEFAULT_TERMS",
    "IDENTITY_WEIGHT",
    "MODEL_CODE",
    "MODEL_EXPLANATION",
    "MODEL_EXPLANATION_PLAIN",
    "MODEL_FILE",
    "MODEL_MIN_WEIGHT",
    "MODEL_TOP",
    "NEGATION_GAP",
    "NEGATORS",
    "NON_NEGATING",
    "PATTERN_GAP",
    "PATTERN_PREFIX",
    "SIGNAL_CODES",
    "STOP_CHARS",
    "STOP_GRAMS",
    "Assessment",
    "LinearModel",
    "RuleResult",
    "Signal",
    "Term",
    "assess",
    "crisis_worthy",
    "cue_span",
    "explain",
    "load_model",
    "meaningful_gram",
    "ngrams",
    "normalize",
    "retracted",
    "routine_context",
    "rule_analysis",
    "rule_features",
    "signal_weight",
    "text_features",
    "text_signals",
]
