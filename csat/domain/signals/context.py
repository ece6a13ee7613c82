"""Context rules that switch a term occurrence off (issue 23), applied to the normalised text.

- **Routine claims**: 索赔 (and 赔偿) next to warranty or insurance words is dealership routine —
  保修索赔, 三包索赔, 索赔件, 保险理赔 — not a money demand (issue 23: "索赔保修" raised a signal on
  every ordinary warranty complaint).
- **Retracted or past threats**: a threat in a sentence that places it in the past and takes it
  back ("之前说要找记者那是气话", "上次说要投诉到12315，后来你们处理得挺好，就撤了", "投诉已撤回").
  Negation ("不会去投诉") is handled by the negation rule of ``matching``.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "CUES",
    "HARMLESS_GUARD",
    "HARMLESS_MARKERS",
    "HARMLESS_SCOPE",
    "NEGATED_SCOPE",
    "SETTLED_SCOPE",
    "cue_features",
    "retracted",
    "routine_context",
    "scopes",
]

# Terms that are routine in a warranty or insurance context, and the words that make the context.
ROUTINE_TERMS: frozenset[str] = frozenset({"索赔", "赔偿"})
ROUTINE_CONTEXT = re.compile(
    r"保修|质保|三包(?!法)|延保|保险|理赔|定损|索赔(件|员|专员|流程|单|系统|审核|结算|进度|周期|条件|范围|期)"
    r"|(厂家|厂商)(索赔|审核|批)|(走|按|申请|提交)索赔|旧件|善意维修"
)
ROUTINE_WINDOW = 10

_SENTENCE_END = re.compile(r"[。！？!?;；\n]")
PAST_MARKERS = re.compile(
    r"之前|上次|上回|当时|那会儿?|那时|原来|原本|本来|以前|去年|前段时间|上个月|那次|此前"
)
RETRACTION_MARKERS = re.compile(
    r"后来|撤[了回销诉]?|删了|已删|算了|过去了|就不[发找去告]|没发|调解|气话|吓唬|开玩笑|冲动"
    r"|(现在|目前|这次).{0,6}(好了|没事|满意|解决|挺好|还行|不错)"
)
# Right after the term: "投诉已撤回", "那边我已经撤诉了".
_RETRACTED_AFTER = re.compile(r"^[^。！？!?]{0,8}(已撤|撤回|撤销|撤了|撤诉|已删|删了|已经撤|已经删)")
RETRACTION_WINDOW = 40


def routine_context(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a routine claim word in a warranty or insurance context."""
    if text[start:end] not in ROUTINE_TERMS:
        return False
    window = text[max(0, start - ROUTINE_WINDOW) : end + ROUTINE_WINDOW]
    return ROUTINE_CONTEXT.search(window) is not None


def retracted(text: str, start: int, end: int) -> bool:
    """Whether the threat at ``text[start:end]`` is placed in the past and taken back."""
    if _RETRACTED_AFTER.search(text[end:]):
        return True
    breaks = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    sentence_start = breaks[-1] if breaks else 0
    if not PAST_MARKERS.search(text, sentence_start, start):
        return False
    return RETRACTION_MARKERS.search(text[end : end + RETRACTION_WINDOW]) is not None


# --- model features from context (issue 23, second round) ----------------------------------------
# Scopes mark the stretch of text that a negated intent or a settled past covers, so the text
# model reads "不会找律师" or "之前说要曝光，后来算了" apart from "找律师", "曝光" (NegEx-style
# scopes: the n-grams inside get a prefix, ``model.ngrams``). Chosen by train-split CV.

NEGATED_SCOPE = "~"
SETTLED_SCOPE = "^"
HARMLESS_SCOPE = "="
# An intent denied or dismissed: the scope runs from the negator to the end of its clause.
INTENT_NEGATORS = re.compile(
    r"不会|不想|不打算|没打算|没想过|没想|不至于|用不着|犯不着|不必|没必要|不用|不需要|就算了|算了吧"
    r"|不是要|又不是|没说要|可没|不爱|没兴趣|有什么用|我不[去找请发打告]|没[去找请发打告报]|不是那种"
)
# A clause that dismisses what it names, wherever the negator stands: "律师我就不请了",
# "投诉就算了，没那个必要", "我没有要起诉的意思".
CLAUSE_NEGATORS = re.compile(
    r"(我就|就|也|我|我们)不(请|找|告|去|发|报|投诉|起诉|曝光|闹)了|没那个必要|没这个必要|没有?要[^,，。！？!?]{0,8}的意思"
    r"|不是[^,，。！？!?]{0,8}的意思|不打算[^,，。！？!?]{0,8}了"
)
# A condition turns the clause into a threat again: "不想闹大，但不解决我就去…".
_SCOPE_CONDITION = re.compile(r"我就|的话|否则|不然|但是|但")
_CLAUSE_END = re.compile(r"[,，。！？!?;；\n、…]")
# A past threat settled: a past marker and, later in the same sentence, a settlement.
SETTLED_MARKERS = re.compile(
    RETRACTION_MARKERS.pattern
    + r"|解决了|解决好|处理好|处理得|修好|了了|结了|不提了|没再|不折腾|满意|挺好|不错|还行|没事|没问题"
    r"|道歉|改成好评|就没去|协商好|进步|处理完|已经处理|办完|结束了|没意见"
)
# A threat taken back, with or without a past marker: "消协那边我已经撤诉了", "帖子删掉了".
_WITHDRAWN = re.compile(r"撤诉|撤回|撤销|撤了|删了|删掉|已删")
PAST_SCOPE_MARKERS = re.compile(PAST_MARKERS.pattern + r"|当初|前阵子|原先|以前")

# Cue features: phrasing families the term list cannot enumerate.
CUES: dict[str, re.Pattern[str]] = {
    # DOMAIN §6 c: a repair counted ("修了五回", "第三次进厂", "升了三次", "跑了不下六趟").
    "repeat": re.compile(
        r"(修|升|换|进厂|进店|返修|返厂|回厂|拖|跑|来|坏|趴)[^,，。！？!?]{0,5}?"
        r"(第?[两二三四五六七八九十几0-9]+|好几|无数|多)[次回趟遍]"
        r"|第[二三四五六七八九十0-9]+[次回趟]"
    ),
    # DOMAIN §6 b: a large amount ("掉价二十万", "多了六千多块", "4万").
    "big_money": re.compile(r"[0-9一二三四五六七八九十两几]+(万|千)(多)?(块|元)?"),
    # DOMAIN §6 e: a veiled threat of consequences.
    "consequence": re.compile(
        r"后悔|走着瞧|等着瞧|你们等着|后果自负|什么事都|别怪我|说到做到|没完|看你们怎么|奉陪到底|鱼死网破"
    ),
    # Third round (issue 23): phrasing families of DOMAIN §6 that no term list can enumerate.
    # e: an ultimatum — "再不给说法我就…", "今天不退就…", "不然…".
    "ultimatum": re.compile(
        r"(要是|如果|再|若|还|今天|今儿)不[^,，。！？!?]{0,10}(我就|就|我要|我会|我们就)|不给[^。！？!?]{0,8}(我就|就)"
        r"|不然|否则|要不然"
    ),
    # b: the store damaged, swapped or misused the car — "你们把我车开回家", "加错了油", "换成了旧的".
    "store_damage": re.compile(
        r"(你们|师傅|技师|修理厂|店里)[^。！？!?]{0,10}(弄坏|搞坏|顶坏|刮坏|修坏|碰坏|装错|加错|换成|开回家|私自|偷换|调包|拆坏)"
        r"|(弄坏|搞坏|修坏|拆坏|装错|加错|调包|偷换)"
    ),
    # b: deceit in the sale — a flooded, rebuilt or accident car sold as new, a wound-back odometer.
    "deceit": re.compile(
        r"翻新|泡水|泡过水|事故车|调表|调过表|当新车|以次充好|旧件当|隐瞒|欺骗|糊弄|坑我|黑心|不承认"
    ),
    # c: the same fault on many cars — "同一批", "群里四十个人", "十二台车轮流进厂".
    "batch": re.compile(
        r"同一批|同批|同款[^。！？!?]{0,6}都|群里[^。！？!?]{0,8}(人|车主)|车主群|好多车主|不止我一个|不止我一家"
        r"|[0-9一二三四五六七八九十几两]+(台|辆|个人|位车主|家)[^。！？!?]{0,8}(都|全|同时|轮流|一样)"
    ),
    # e: acts at the store or in public — banners, leaflets, the family moving in, the car burnt.
    "protest": re.compile(
        r"(堵|拉|挂|站|坐|躺|围|闹|到|去)[^。！？!?]{0,6}门口|门口[^。！？!?]{0,4}(堵|拉|挂|站|坐|躺|闹|烧|砸)"
        r"|横幅|条幅|标语|传单|牌子|全家|一家老小|亲戚朋友|叫上|堵|砸|烧了|拖到|拉到|开到[^。！？!?]{0,6}总部"
        r"|满大街|住到|睡在|躺在|不走了|不出这个门"
    ),
    # a: a danger told without a listed word — out of control, on fire, live current, parts falling off.
    "danger": re.compile(
        r"差点|差一点|险些|吓死|后怕|冷汗|冲出去|冲上|控制不住|握不住|握不稳|停不下|刹不住|打不动|踩不动|不听使唤"
        r"|自己(启动|加速|往前|熄火|降速|跑)|突然(熄火|加速|没动力|失去|往|变|掉)|冒烟|烧化|烧焦|着火|起火|带电|漏电|电了一下"
        r"|汽油味|头晕|想吐|掉了|脱落|飞出|断了|爆了|趴在|命"
    ),
    # b: a loss the customer counts — lost earnings, a written-off or devalued car.
    "loss": re.compile(
        r"损失|误工|少挣|打水漂|白花|亏了|亏钱|耽误[^。！？!?]{0,6}(生意|工作|挣钱|上班)|停运|趴窝|报废|掉价|贬值|扣分|赔给我|算给我"
    ),
    # F: the customer's reach — influence, an agent, a circle to tell.
    "reach": re.compile(r"影响力|圈子|粉丝|代理人|法务|说道说道|传出去|都知道|让大家|让别人"),
}


# Harmless roles (issue 23, third round): a sentence that names a platform, an office, a lawyer or
# an accident only as a source of information, a landmark, the customer's own job or fleet, or a
# routine accident repair or insurance claim. Its n-grams get the prefix "=", so the model reads
# "在懂车帝上看到…", "我在交警大队上班", "被人撞了车门，对方全责" apart from a threat or a danger —
# unless the sentence also names a danger, a condition or a demand (HARMLESS_GUARD).
HARMLESS_MARKERS: dict[str, re.Pattern[str]] = {
    # read, heard or found there: "在抖音上看到", "网站上查到", "节目里说的", "朋友推荐"
    "source": re.compile(
        r"(看到|看见|刷到|查到|搜到|了解到|听说|听人说|推荐|介绍来|介绍过来)"
        r"|(发|推|出|办|登|播|公布|发布)[的得地](那个|这个|那篇|那条|文章|指南|公示|通知|名单|活动|榜单|评分|报告)"
        r"|节目里?|网站上|官网上|公众号上?|小程序上|app上|直播间里|评分|口碑|点评|评测|测评|攻略"
    ),
    # praise: "群里都说你们服务好", "查到你们的备案，挺正规"
    "praise": re.compile(r"服务好|服务不错|评价高|评分高|评分很高|挺正规|很正规|挺有用|好评|靠谱|值得信赖"),
    # a feeling about the car, not a failure: "开着没有安全感", "方向手感偏轻"
    "feeling": re.compile(r"安全感|手感|驾驶感|驾驶感受|不太习惯|开不习惯"),
    # a place: "法院旁边那个停车场", "市场监管局对面"
    "landmark": re.compile(r"斜对面|对面|旁边|隔壁|附近|楼下|路口|那条街|那条路"),
    # who the customer is or what they run: "我在税务局上班", "我是开出租的", "我们公司有三十台车"
    "identity": re.compile(
        r"上班|工作的|在.{1,6}工作|我是[^,，。！？!?]{1,6}[的得]$|我是(开|跑)(出租|网约|滴滴|货|运输|专车|快递)|跑出租|开出租|开网约车|跑滴滴|跑运输"
        r"|我们(公司|单位|车队|集团|厂|报社|律所|事务所)|年度合同|集团卡|团购|年审|年检|发票|抬头|报销|约个时间"
    ),
    # a routine service question: a price, a part in stock, an appointment, a signature
    "service": re.compile(
        r"多少钱|怎么收费|什么价|有现货|有货吗|有没有货|预约|试驾|保养周期|怎么检查|签字|怎么开|能停吗|多打一份|能不能.{0,4}(便宜|优惠|快)"
    ),
    # a routine accident repair or insurance claim: "没人受伤", "对方全责", "定损", "凹陷修复"
    "repair": re.compile(
        r"没人受伤|无人受伤|人没事|人都没事|没有人受伤|小事故|小剐蹭|剐蹭|刮蹭|蹭了|被人撞|被撞|被.{1,5}(刮|蹭|砸|撞)"
        r"|对方(全责|主责|已经?认|认了|负责|赔)|定损|凹陷|钣金|喷漆|补漆|拋光|抛光|出险|报保险|走保险|车损险"
        r"|保险公司|理赔|交强险|商业险|续保"
    ),
}
# A sentence that also names a danger, a condition, a demand or a threat is not harmless.
HARMLESS_GUARD = re.compile(
    r"失灵|失控|失效|起火|着火|冒烟|冒火|自燃|烧起来|烧了|气囊|刹不住|不听使唤|差点|差一点|险些|吓死|后怕|出人命|要命"
    r"|(?<!没)(?<!无)(?<!没人)(?<!无人)受伤|住院|医院|骨折|流血|出血|缝了|缝针|火星|火花|爆胎|爆了|翻车"
    r"|都是这个|都有这个|同一个毛病|同样的毛病|一样的毛病|说法|明白话|交代|等着|后悔|没完"
    r"|我就|否则|不然|的话|要是|如果|不给|必须|退车|退款|换车(?!门)|赔我|赔钱|骗|欺诈|维权|讨说法|曝光|起诉|告你|投诉到|举报|发到|发上|拉横幅"
    # an intent or an action under way: the named office, outlet or lawyer is being used, not named
    r"|投诉|告|报警|律师函|法院见|找记者|找媒体|找律师|发帖|发视频|发微博|我要|要去|要找|准备|打算|我会|会去|马上|明天就"
    r"|已经(交|递|寄|反映|提交|报|联系|找)|受理|立案|反映到|交给|材料|证据|公道|上访|信访"
)


def _harmless(text: str, start: int, end: int) -> bool:
    return any(p.search(text, start, end) for p in HARMLESS_MARKERS.values()) and not HARMLESS_GUARD.search(
        text, start, end
    )


@lru_cache(maxsize=16)
def scopes(text: str) -> tuple[tuple[int, int, str], ...]:
    """The negated, settled and harmless stretches of the normalised ``text`` as (start, end,
    prefix), sorted and not overlapping; a settled sentence wins over a negation inside it, and
    both over a harmless role."""
    found: list[tuple[int, int, str]] = []
    for match in PAST_SCOPE_MARKERS.finditer(text):
        end_match = _SENTENCE_END.search(text, match.end())
        end = end_match.start() if end_match else len(text)
        if SETTLED_MARKERS.search(text, match.end(), end) and not (found and match.start() < found[-1][1]):
            found.append((match.start(), end, SETTLED_SCOPE))
    for match in _WITHDRAWN.finditer(text):
        start_match = list(_SENTENCE_END.finditer(text, 0, match.start()))
        start = start_match[-1].end() if start_match else 0
        end_match = _CLAUSE_END.search(text, match.end())
        end = end_match.start() if end_match else len(text)
        if not any(s < end and start < e for s, e, _ in found):
            found.append((start, end, SETTLED_SCOPE))
    for match in INTENT_NEGATORS.finditer(text):
        end_match = _CLAUSE_END.search(text, match.end())
        end = end_match.start() if end_match else len(text)
        if _SCOPE_CONDITION.search(text, match.end(), end):
            continue
        if any(s < end and match.start() < e for s, e, _ in found):
            continue
        found.append((match.start(), end, NEGATED_SCOPE))
    bounds = [0, *(m.end() for m in _CLAUSE_END.finditer(text)), len(text) + 1]
    # "我就不请了" is a refusal, not a condition ("不解决我就…"): blank its 就 for the condition test.
    unconditional = text.replace("我就不", "我  不").replace("就不", " 不")
    for i in range(len(bounds) - 1):
        start, end = bounds[i], bounds[i + 1] - 1
        if (
            CLAUSE_NEGATORS.search(text, start, end)
            and not _SCOPE_CONDITION.search(unconditional, start, end)
            and not any(s < end and start < e for s, e, _ in found)
        ):
            found.append((start, end, NEGATED_SCOPE))
    for i in range(len(bounds) - 1):
        start, end = bounds[i], bounds[i + 1] - 1
        if end - start < 2 or any(s < end and start < e for s, e, _ in found):
            continue
        after = bounds[i + 2] - 1 if i + 2 < len(bounds) else end
        if _harmless(text, start, end) and not HARMLESS_GUARD.search(text, end, after):
            found.append((start, end, HARMLESS_SCOPE))
    return tuple(sorted(found))


def cue_features(text: str) -> set[str]:
    """``cue:<name>`` for each cue of CUES in the normalised ``text``, and ``cue:negated`` /
    ``cue:settled`` when a scope covers part of it."""
    covered = scopes(text)
    found: set[str] = set()
    for name, pattern in CUES.items():
        for match in pattern.finditer(text):
            inside = [p for s, e, p in covered if s <= match.start() < e]
            found.add(f"cue:{name}" + (inside[0] if inside else ""))
    names = {SETTLED_SCOPE: "cue:settled", NEGATED_SCOPE: "cue:negated", HARMLESS_SCOPE: "cue:harmless"}
    for _, _, prefix in covered:
        found.add(names[prefix])
    return found
