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
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "AMPLIFIER_CODES",
    "CRISIS_THRESHOLD",
    "DEFAULT_TERMS",
    "IDENTITY_WEIGHT",
    "NEGATION_GAP",
    "NEGATORS",
    "NON_NEGATING",
    "PATTERN_GAP",
    "PATTERN_PREFIX",
    "SIGNAL_CODES",
    "Signal",
    "Term",
    "crisis_worthy",
    "normalize",
    "signal_weight",
    "text_signals",
]

# code → (zh, en)
SIGNAL_CODES: dict[str, tuple[str, str]] = {
    "exposure": ("曝光", "exposure"),
    "legal": ("法律", "legal action"),
    "authority": ("主管部门", "authorities"),
    "safety": ("安全", "safety"),
    "money": ("索赔、退换车", "money demands"),
    "extreme": ("过激行为", "extreme acts"),
    "aggravating": ("强烈不满", "strong dissatisfaction"),
}
# Codes whose terms only count when a signal of another code fires in the same text.
AMPLIFIER_CODES: frozenset[str] = frozenset({"aggravating"})


@dataclass(frozen=True, slots=True)
class Term:
    term: str
    code: str
    weight: int = 1
    # Longer phrases containing the term that must not fire (安全感: a feeling, not a defect).
    exceptions: tuple[str, ...] = ()
    # Phrases where a negator is part of the signal itself (不安全 = unsafe).
    negated_forms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Signal:
    code: str
    term: str
    weight: int
    position: int  # index of the counted occurrence in the normalised text (see ``normalize``)


PATTERN_PREFIX = "re:"
PATTERN_GAP = 4
CRISIS_THRESHOLD = 3
IDENTITY_WEIGHT = 1

_CHANNELS = "网上|网络|抖音|微博|快手|小红书|头条|论坛|懂车帝|汽车之家|车主群"

# Weights: see the module docstring. The order only matters for ties of equal length and weight.
DEFAULT_TERMS: tuple[Term, ...] = (
    # --- exposure: media, journalists, public posting ---
    Term(
        "曝光",
        "exposure",
        3,
        exceptions=("曝光不足", "曝光过度", "曝光度", "曝光率", "曝光补偿", "曝光时间", "曝光量"),
    ),
    Term(
        "媒体",
        "exposure",
        3,
        exceptions=("多媒体", "媒体广告", "媒体的广告", "媒体投放", "媒体宣传", "媒体合作", "媒体运营"),
    ),
    Term("自媒体", "exposure", 3),
    Term("记者", "exposure", 3, exceptions=("记者节", "记者证")),
    Term("电视台", "exposure", 3),
    Term("上电视", "exposure", 3),
    Term("央视", "exposure", 3),
    Term("报社", "exposure", 3),
    Term("re:晚报|日报|都市报|报纸|电台|栏目组|节目组", "exposure", 3),
    Term("直播", "exposure", 2),
    Term("公众号", "exposure", 2),
    Term("网红", "exposure", 2),
    Term("大V", "exposure", 2),
    Term("舆论", "exposure", 3),
    Term("曝光台", "exposure", 3),
    Term("投稿", "exposure", 3),
    Term("频道", "exposure", 2),
    Term("re:(各大|所有|各个|全部)(平台|网站|媒体)", "exposure", 3),
    Term("上新闻", "exposure", 3),
    Term("新闻", "exposure", 2),
    Term("报道", "exposure", 3),
    Term("热搜", "exposure", 3),
    Term("发帖", "exposure", 3),
    Term("黑猫投诉", "exposure", 3),
    Term("微博", "exposure", 2),
    Term("抖音", "exposure", 2),
    Term("快手", "exposure", 2),
    Term("小红书", "exposure", 2),
    Term(f"re:(发|挂|传|晒|放|曝|上传|发布)…({_CHANNELS})", "exposure", 3),
    Term(f"re:({_CHANNELS})上?…(发|挂|曝|留言|评论)", "exposure", 3),
    Term("re:让(大家|所有人|全网|全国|全城|全市|更多人|别人|网友)…(知道|看看|评评理)", "exposure", 3),
    # --- legal ---
    Term("律师", "legal", 3, exceptions=("律师节",)),
    Term("起诉", "legal", 3),
    Term("法院", "legal", 3, exceptions=("法院拍卖",)),
    Term("法庭", "legal", 3),
    Term("官司", "legal", 3),
    Term("诉讼", "legal", 3),
    Term("仲裁", "legal", 3),
    Term("法律", "legal", 3, exceptions=("法律法规", "法律顾问")),
    Term("违法", "legal", 2),
    Term("律所", "legal", 3),
    Term("诉状", "legal", 3),
    Term("立案", "legal", 3),
    Term("公证", "legal", 2),
    Term("取证", "legal", 2),
    Term("消法", "legal", 3),
    Term("消费者权益保护法", "legal", 3),
    Term("维权", "legal", 2),
    # --- authorities, the manufacturer, the police ---
    Term("12315", "authority", 3),
    Term("12345", "authority", 3),
    Term("re:(?<![0-9])315(?![0-9元块公里号])", "authority", 3),
    Term("消协", "authority", 3),
    Term("消费者协会", "authority", 3),
    Term("消费者权益", "authority", 3),
    Term("消保委", "authority", 3),
    Term("消委会", "authority", 3),
    Term("市场监管", "authority", 3),
    Term("市场监督", "authority", 3),
    Term("re:监(管|督)(局|部门|所)", "authority", 3),
    Term("工商局", "authority", 3),
    Term("工商", "authority", 2, exceptions=("工商银行", "工商行")),
    Term("质监", "authority", 3),
    Term("举报", "authority", 3),
    Term("市长热线", "authority", 3),
    Term("市民热线", "authority", 3),
    Term("信访", "authority", 3),
    Term("上访", "authority", 3),
    Term("政府", "authority", 3),
    Term("火警", "authority", 3),
    Term("re:(向|到|找|去)…(有关|相关|主管|上级|政府)部门", "authority", 3),
    Term("re:(打|拨打|拨|叫|报)了?(110|119)", "authority", 3),
    Term("公安", "authority", 3),
    Term("质检", "authority", 2),
    Term("质量监督", "authority", 3),
    Term("银保监", "authority", 3),
    Term("物价局", "authority", 3),
    Term("报案", "authority", 3),
    Term("re:报(了)?消防", "authority", 3),
    Term(
        "re:(局(?![部面势])|委员会|监会)…(反映|投诉|举报|申诉)|(反映|投诉|举报|申诉)…(局(?![部面势])|委员会)",
        "authority",
        3,
    ),
    Term("re:找…(总部|厂家|厂商)", "authority", 2),
    Term("投诉到厂家", "authority", 3),
    Term("re:(厂家|厂商|总部|品牌方)…投诉|投诉…(厂家|厂商|总部)", "authority", 3),
    Term(
        "报警",
        "authority",
        3,
        exceptions=(
            "报警灯",
            "报警器",
            "报警声",
            "报警音",
            "报警提示",
            "报警系统",
            "胎压报警",
            "水温报警",
            "故障报警",
            "防盗报警",
            "雷达报警",
        ),
    ),
    Term("警察", "authority", 3),
    Term("派出所", "authority", 3),
    # --- safety ---
    Term(
        "安全",
        "safety",
        2,
        exceptions=(
            "安全感",
            "安全检查",
            "安全检测",
            "安全带",
            "安全座椅",
            "安全锤",
            "安全气囊",
            "安全到家",
            "安全出行",
            "安全驾驶",
            "安全线",
            "安全第一",
        ),
        negated_forms=("不安全",),
    ),
    Term("不安全", "safety", 3),
    Term("安全隐患", "safety", 3),
    Term("安全问题", "safety", 3),
    Term("安全事故", "safety", 3),
    Term("re:(危及|影响|威胁)…安全", "safety", 3),
    Term("隐患", "safety", 2),
    Term("起火", "safety", 3),
    Term("着火", "safety", 3),
    Term("自燃", "safety", 3, exceptions=("自燃险",)),
    Term("冒烟", "safety", 2),
    Term("re:冒…烟", "safety", 2),
    Term("烧毁", "safety", 3),
    Term("燃烧", "safety", 3),
    Term("爆燃", "safety", 3),
    Term("火灾", "safety", 3),
    Term("漏电", "safety", 3),
    Term("触电", "safety", 3),
    Term("车祸", "safety", 3),
    Term("re:(打|拨打|拨|叫)了?120|120急救|救护车", "safety", 3),
    Term("re:油门…(卡住|卡滞|卡死|回不来)", "safety", 3),
    Term("re:安全带…(断|坏了|失效|扣不住|卡不住|锁不住)", "safety", 3),
    Term("re:气囊…(误爆|自己弹|突然弹|无故弹)", "safety", 3),
    Term("火花", "safety", 2),
    Term("火星", "safety", 2),
    Term("冒火", "safety", 3),
    Term("趴窝", "safety", 2),
    Term("危险", "safety", 2, exceptions=("危险警告", "危险报警", "危险警示")),
    Term("刹车失灵", "safety", 3),
    Term("刹不住", "safety", 3),
    Term("re:(刹车|制动|方向|转向)…(失灵|失效|没反应|不灵|没用)", "safety", 3),
    Term("re:(刹车|制动)…(发软|变软|变硬|偏软|偏硬|软)", "safety", 2),
    Term("re:(握不住|控制不住|失去控制)", "safety", 3),
    Term("缺陷", "safety", 2),
    Term("失灵", "safety", 2),
    Term("失控", "safety", 3),
    Term("窜车", "safety", 3),
    Term("re:(自己|突然|自动)加速", "safety", 3),
    Term("断轴", "safety", 3),
    Term("re:断了?…(轴|桥)|(轴|桥)…断了", "safety", 3),
    Term("re:方向盘…(打不动|转不动|锁死|卡死)", "safety", 3),
    Term("断裂", "safety", 2),
    Term("re:(车轮|轮胎|轮子|方向盘|刹车片)…(脱落|掉了|飞出)", "safety", 3),
    Term("re:气囊…(没|未|不)(弹|打开|起爆)", "safety", 3),
    Term("熄火", "safety", 2),
    Term("失去动力", "safety", 2),
    Term("爆胎", "safety", 2),
    Term("爆缸", "safety", 2),
    Term("炸弹", "safety", 2),
    Term("re:(差点|险些|差一点|几乎)…(出(大)?事|事故|撞|追尾|翻|着火|没命|飞)", "safety", 3),
    Term("受伤", "safety", 3),
    Term("re:受了?…伤", "safety", 3),
    Term("re:(夹|划|烫|撞|摔|烧|砸|割|打|碰|压)伤", "safety", 3),
    Term("re:(夹|压|撞|烫|砸|划|碰)(到|了|住)…(手|脚|腿|头|脸|脖子|眼|人|孩子|老人|路人|行人)", "safety", 3),
    Term("骨折", "safety", 3),
    Term("re:流…血", "safety", 3),
    Term("住院", "safety", 3),
    Term("re:(在|进|去|送)医院", "safety", 3),
    Term("人身", "safety", 3),
    Term("人命", "safety", 3),
    Term("re:命…没了|没命", "safety", 3),
    Term("要命", "safety", 3, exceptions=("得要命",)),
    # --- money: compensation, return, replacement ---
    Term("赔偿", "money", 1),
    Term("赔钱", "money", 1),
    Term("退车", "money", 1),
    Term(
        "换车",
        "money",
        1,
        exceptions=tuple(
            f"换车{part}"
            for part in (
                "门",
                "灯",
                "窗",
                "膜",
                "牌",
                "险",
                "标",
                "钥",
                "轮",
                "漆",
                "衣",
                "载",
                "顶",
                "身",
                "架",
                "垫",
                "内",
                "位",
            )
        ),
    ),
    Term("退款", "money", 1),
    Term("退钱", "money", 1),
    Term("全额", "money", 1),
    Term("损失", "money", 1),
    Term("医药费", "money", 1),
    Term("误工费", "money", 1),
    Term("退一赔三", "money", 3),
    Term("索赔", "money", 1),
    Term("购车款", "money", 2),
    Term("双倍赔偿", "money", 3),
    Term("re:(要求|必须|坚决|一定要|给我|就是要)…(退车|换车|换新|换一台|退款|退钱|全额)", "money", 3),
    # --- extreme acts (过激行为, crisis type e) ---
    Term("re:(拉|挂|打|举|带)…横幅", "extreme", 3),
    Term("不走了", "extreme", 2),
    Term("堵门", "extreme", 3),
    Term("大闹", "extreme", 2),
    Term("re:(去|到|来)…闹", "extreme", 2),
    Term("re:带(一帮|一群|一堆|很多|好多)?人", "extreme", 2),
    Term("re:砸(了|车|店|烂|坏)", "extreme", 3),
    Term("re:撞(我们|你们)?的?店", "extreme", 3),
    Term("跳楼", "extreme", 3),
    Term("同归于尽", "extreme", 3),
    Term("自杀", "extreme", 3),
    Term("拼命", "extreme", 3),
    Term("放火", "extreme", 3),
    Term("打人", "extreme", 3),
    Term("动手", "extreme", 2),
    Term("报复", "extreme", 3),
    Term("re:(点|烧)了(它|你们|这车|这破车|店)|一把火", "extreme", 3),
    Term("re:把车推到…门口", "extreme", 3),
    Term("re:(一起|集体|组团|联合)…(讨说法|维权|投诉|闹|起诉)", "extreme", 3),
    # --- aggravating: only with another signal (strong dissatisfaction, repeats, danger) ---
    Term("骗子", "aggravating", 2),
    Term("骗人", "aggravating", 2),
    Term("骗我", "aggravating", 2),
    Term("欺骗", "aggravating", 2),
    Term("欺诈", "aggravating", 2),
    Term("坑人", "aggravating", 2),
    Term("坑钱", "aggravating", 2),
    Term("黑心", "aggravating", 2),
    Term("奸商", "aggravating", 2),
    Term("垃圾", "aggravating", 2),
    Term("恶心", "aggravating", 2),
    Term("糊弄", "aggravating", 2),
    Term("敷衍", "aggravating", 2),
    Term("踢皮球", "aggravating", 2),
    Term("残次品", "aggravating", 2),
    Term("受够了", "aggravating", 2),
    Term("忍无可忍", "aggravating", 2),
    Term("气死", "aggravating", 2),
    Term("没完", "aggravating", 2),
    Term("走着瞧", "aggravating", 2),
    Term("看着办", "aggravating", 2),
    Term("后果自负", "aggravating", 2),
    Term("闹大", "aggravating", 2),
    Term("re:(给|讨|要)(我|个|我一个|一个)?说法", "aggravating", 2),
    Term("re:(给|要)(我|个|我一个|一个)?交代", "aggravating", 2),
    Term("re:(否则|不然)…(就|我|咱|你们|后果|没完|走着瞧|投诉|告|找|去|向)", "aggravating", 2),
    Term("扬言", "aggravating", 2),
    Term("威胁", "aggravating", 2),
    Term("愤怒", "aggravating", 2),
    Term("情绪激动", "aggravating", 2),
    Term("态度强硬", "aggravating", 2),
    Term("言辞激烈", "aggravating", 2),
    Term("re:(非常|很|极度|强烈)不满", "aggravating", 2),
    Term("re:[第了][二两三四五六七八九十2-9]+[次回]", "aggravating", 2),
    Term("批量", "aggravating", 2),
    Term("同批次", "aggravating", 2),
    Term("re:不敢(再)?开", "aggravating", 2),
    Term("谁敢开", "aggravating", 2),
    Term("吓人", "aggravating", 2),
    Term("吓死", "aggravating", 2),
    Term("高速", "aggravating", 2),
    Term("投诉无门", "aggravating", 2),
    Term("欺负", "aggravating", 2),
    Term("霸王条款", "aggravating", 2),
    Term("过分", "aggravating", 2),
    Term("无赖", "aggravating", 2),
    Term("流氓", "aggravating", 2),
    Term("耍赖", "aggravating", 2),
    Term("不讲理", "aggravating", 2),
    Term("石沉大海", "aggravating", 2),
)

# A negator at most this many characters before the term, in the same clause, switches it off
# ("不会曝光", "不会去媒体", "没想过要起诉"); further away it usually negates something else.
NEGATION_GAP = 4
NEGATORS: tuple[str, ...] = (
    "不打算",
    "不想",
    "不会",
    "不用",
    "不必",
    "不需要",
    "不要",
    "无需",
    "没必要",
    "没有",
    "并未",
    "从未",
    "未",
    "无",
    "不",
    "别",
    "没",
    # hypothetical or asked, not happened: "担心刹车失灵", "是否存在安全隐患"
    "担心",
    "害怕",
    "是否",
)
# Words that start with a negator but do not negate what follows ("不满就曝光" still fires).
NON_NEGATING: tuple[str, ...] = (
    "不满",
    "不行",
    "不好",
    "不然",
    "不管",
    "不停",
    "不断",
    "不仅",
    "不少",
    "不多",
    "不得不",
    "不公",
    "不排除",
    "不惜",
    "不怕",
    "不介意",
    "不服",
    "不信",
    "不给",
    "不让",
    "不住",
    "不了",
    "不起",
    "不敢",
    "没完",
    "没人",
    "没办法",
    "无法",
    "无论",
    "无良",
    "无奈",
    "无耻",
    "别人",
    "别的",
    "别逼",
    "别怪",
    "别让",
    "不要逼",
)
# A negator in a condition does not negate the consequence: "不解决我就曝光", "不处理的话…".
_CONDITION_IN_GAP: tuple[str, ...] = ("就", "的话", "否则", "便", "将", "则")
_CONDITION_BEFORE: tuple[str, ...] = ("如果", "要是", "假如", "如", "若", "再", "只要")
# "起诉？不会的", "请律师？没必要": the term asked back and answered with a negation.
_ANSWER_NEGATORS: tuple[str, ...] = ("不会", "没必要", "不至于", "没有", "不用", "不可能", "怎么会", "哪会")
# Person or institution terms that can just say who someone is.
_IDENTITY_TERMS: frozenset[str] = frozenset(
    {
        "律师",
        "律所",
        "记者",
        "媒体",
        "自媒体",
        "法院",
        "电视台",
        "报社",
        "消协",
        "工商",
        "工商局",
        "警察",
        "派出所",
    }
)
_IDENTITY_BEFORE = re.compile(
    r"(是|当|做)(个|位|名|一名|一位|一个|做)?[^,.;:!?。找联请去叫打发让给上带]{0,2}$"
)
_IDENTITY_AFTER = re.compile(r"^[局所院台社]?的?(朋友|同学|亲戚|上班|工作)")
# "在抖音上看到你们的活动", "晚报上看到广告": the customer read something there, not a threat.
_SEEN_AFTER = re.compile(r"^上?[^,.;:!?。让]{0,4}(看到|看见|刷到|了解到)")
_LANDMARK_AFTER = re.compile(r"^[局所院台社处厅]?(那边)?(斜对面|对面|旁边|附近|隔壁|楼下)")

_BREAK_CHARS = r"\s,.;:!?,。;:!?、…\"'“”‘’()()「」『』《》【】—"
_CLAUSE_BREAK = re.compile(f"[{_BREAK_CHARS}]")
_ANSWER = re.compile(r"[^,.;:!?。;:!?]{0,2}[?？][\s\"“”「」]*")  # used with match(text, pos)

# Folds that keep the text's length, so positions stay valid: traditional → simplified for the
# characters of the terms, then misspellings of a term.
_TRADITIONAL = str.maketrans(
    "師記體視臺聞報訴賠償換車監協場燒傷剎靈斷軸險隱題發網騙錢壞氣傳導門論權團醫檢損殺爛鬧讓廠總違",
    "师记体视台闻报诉赔偿换车监协场烧伤刹灵断轴险隐题发网骗钱坏气传导门论权团医检损杀烂闹让厂总违",
)
_MISSPELLINGS: dict[str, str] = {"暴光": "曝光", "煞车": "刹车", "陪偿": "赔偿", "刹车失零": "刹车失灵"}


def normalize(text: str) -> str:
    """The text as matched: NFKC, traditional characters and known misspellings folded."""
    folded = unicodedata.normalize("NFKC", text).translate(_TRADITIONAL)
    for wrong, right in _MISSPELLINGS.items():
        folded = folded.replace(wrong, right)
    return folded


@lru_cache(maxsize=1024)
def _normalized_phrase(phrase: str) -> str:
    return normalize(phrase)


@lru_cache(maxsize=512)
def _pattern(term: str) -> re.Pattern[str]:
    """A compiled matcher for a term: a literal, or a "re:" pattern with "…" as a short gap."""
    if term.startswith(PATTERN_PREFIX):
        source = term[len(PATTERN_PREFIX) :].replace("…", f"[^{_BREAK_CHARS}]{{0,{PATTERN_GAP}}}")
        try:
            return re.compile(source)
        except re.error as error:
            raise ValueError(
                f"a signal pattern must be a valid regular expression: {term!r} ({error})"
            ) from error
    return re.compile(re.escape(normalize(term)))


def _coerce_terms(terms: Iterable[Term | tuple[str, str] | tuple[str, str, int]] | None) -> tuple[Term, ...]:
    if terms is None:
        return DEFAULT_TERMS
    result: list[Term] = []
    for item in terms:
        if isinstance(item, Term):
            result.append(item)
        elif isinstance(item, tuple) and len(item) in (2, 3):
            result.append(Term(*item))
        else:
            raise ValueError(f"a term must be a Term or (term, code[, weight]), got {item!r}")
    for t in result:
        if not t.term or not t.code or t.term == PATTERN_PREFIX:
            raise ValueError(f"a signal term needs a term and a code, got {t!r}")
        if isinstance(t.weight, bool) or not isinstance(t.weight, int) or t.weight < 0:
            raise ValueError(f"a signal weight must be a non-negative integer, got {t.weight!r}")
        _pattern(t.term)
    return tuple(result)


def _phrase_at(text: str, start: int, end: int, phrases: Iterable[str]) -> bool:
    """Whether the match ``text[start:end]`` lies inside an occurrence of one of ``phrases``."""
    matched = text[start:end]
    for raw in phrases:
        phrase = _normalized_phrase(raw)
        offset = phrase.find(matched)
        while offset >= 0:
            if start - offset >= 0 and text.startswith(phrase, start - offset):
                return True
            offset = phrase.find(matched, offset + 1)
    return False


def _negated(text: str, start: int, end: int) -> bool:
    """Whether the occurrence at ``text[start:end]`` is negated, hypothetical or denied."""
    window = max(0, start - NEGATION_GAP - max(map(len, NEGATORS)))
    for neg in NEGATORS:
        pos = text.find(neg, window, start)
        while pos != -1:
            gap = text[pos + len(neg) : start]
            if (
                pos + len(neg) <= start
                and len(gap) <= NEGATION_GAP
                and not _CLAUSE_BREAK.search(gap)
                and not text.startswith(NON_NEGATING, pos)
                and not any(marker in gap for marker in _CONDITION_IN_GAP)
                and not text[:pos].endswith(_CONDITION_BEFORE)
            ):
                return True
            pos = text.find(neg, pos + 1, start)
    answer = _ANSWER.match(text, end)
    return answer is not None and text.startswith(_ANSWER_NEGATORS, answer.end())


@dataclass(frozen=True, slots=True)
class _Candidate:
    index: int  # of the term in the list
    term: Term
    start: int
    end: int
    weight: int
    fires: bool


def _candidates(text: str, terms: tuple[Term, ...], boundaries: set[int] | None) -> Iterable[_Candidate]:
    for index, term in enumerate(terms):
        if term.term.isascii() and term.term.isdigit():
            spans: Iterable[tuple[int, int]] = _digit_matches(text, term.term)
        else:
            spans = (match.span() for match in _pattern(term.term).finditer(text))
        for start, end in spans:
            if start == end:
                continue
            if boundaries is not None and (start not in boundaries or end not in boundaries):
                continue
            if _phrase_at(text, start, end, term.exceptions) or _LANDMARK_AFTER.search(text[end : end + 6]):
                continue
            if term.code == "exposure" and _SEEN_AFTER.search(text[end : end + 8]):
                continue
            weight = term.weight
            if _normalized_phrase(term.term) in _IDENTITY_TERMS and (
                _IDENTITY_BEFORE.search(text[max(0, start - 6) : start])
                or _IDENTITY_AFTER.search(text[end : end + 8])
            ):
                weight = min(weight, IDENTITY_WEIGHT)
            fires = _phrase_at(text, start, end, term.negated_forms) or not _negated(text, start, end)
            yield _Candidate(index, term, start, end, weight, fires)


def _digit_matches(text: str, digits: str) -> Iterable[tuple[int, int]]:
    """A hotline number, not digits inside a longer number (13812315678)."""
    start = text.find(digits)
    while start >= 0:
        end = start + len(digits)
        if not (start > 0 and text[start - 1].isdigit()) and not (end < len(text) and text[end].isdigit()):
            yield start, end
        start = text.find(digits, start + 1)


def text_signals(
    text: str,
    terms: Iterable[Term | tuple[str, str] | tuple[str, str, int]] | None = None,
    *,
    segment: Callable[[str], Iterable[str]] | None = None,
) -> list[Signal]:
    """The signals found in ``text``: one per distinct term that counts, in order of appearance.

    ``terms=None`` uses DEFAULT_TERMS; ``terms`` may also be (term, code[, weight]) tuples.
    ``segment`` (a tokenizer such as ``jieba.lcut``) makes a term count only where it starts and
    ends on word boundaries; by default plain substring matching is used (see the module doc).
    """
    if text is None:
        return []
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    term_list = _coerce_terms(terms)
    normalized = normalize(text)
    boundaries = None
    if segment is not None:
        boundaries, offset = {0}, 0
        for token in segment(normalized):
            offset += len(token)
            boundaries.add(offset)

    candidates = sorted(
        _candidates(normalized, term_list, boundaries),
        key=lambda c: (-(c.end - c.start), -c.weight, c.start, c.index),
    )
    taken: list[_Candidate] = []
    for candidate in candidates:  # longest match first: a stretch of text counts once
        if all(candidate.end <= t.start or candidate.start >= t.end for t in taken):
            taken.append(candidate)

    best: dict[int, _Candidate] = {}
    for candidate in taken:
        if not candidate.fires:
            continue
        current = best.get(candidate.index)
        if current is None or (candidate.weight, -candidate.start) > (current.weight, -current.start):
            best[candidate.index] = candidate
    if all(c.term.code in AMPLIFIER_CODES for c in best.values()):
        return []
    found = [
        Signal(
            c.term.code,
            normalized[c.start : c.end] if c.term.term.startswith(PATTERN_PREFIX) else c.term.term,
            c.weight,
            c.start,
        )
        for c in best.values()
    ]
    return sorted(found, key=lambda s: (s.position, -len(s.term)))


def signal_weight(signals: Iterable[Signal]) -> int:
    """The weight of a set of signals: the strongest signal of each code, added up.

    Two mentions of one concern ("抖音直播", "赔偿、损失") are one concern; two concerns add up.
    """
    strongest: dict[str, int] = {}
    for s in signals:
        strongest[s.code] = max(strongest.get(s.code, 0), s.weight)
    return sum(strongest.values())


def crisis_worthy(
    text: str,
    terms: Iterable[Term | tuple[str, str] | tuple[str, str, int]] | None = None,
    *,
    threshold: int = CRISIS_THRESHOLD,
    segment: Callable[[str], Iterable[str]] | None = None,
) -> bool:
    """Whether the text warrants a crisis review: ``signal_weight`` of its signals ≥ ``threshold`` (3).

    With the default weights one exposure/legal/authority/hard-safety/extreme term is enough; a
    money demand alone is not, unless it is an explicit demand to return or replace the car or comes
    with strong dissatisfaction.
    """
    return signal_weight(text_signals(text, terms, segment=segment)) >= threshold
