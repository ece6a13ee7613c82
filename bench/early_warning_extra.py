"""More hand-written training cores for the early-warning corpus (issue 23, second round).

Written fresh for the train split only — never copied from or modelled on held-out texts, and
composed by early_warning_corpus.py with train-side openers, closers, fillers and slot values only,
so the held-out third is unchanged. They add varied phrasing where train-split cross-validation
showed the model leaning on single words: indirect safety dangers (a) and repeated repairs (c)
told without a listed term, and harmless texts that name a platform, a lawyer, an authority or a
claim — past and settled threats, negated or dismissed threats, insurance and warranty claims.
"""

from __future__ import annotations

from pathlib import Path

from early_warning_fragments import lines

# Seventh, eighth and twelfth rounds (bench/RESULTS.md): cores written by helpers from a brief holding
# only the DOMAIN §6 definitions and the hard-negative categories; `category<TAB>core`, category a–e
# or a hard-negative category ("ordinary" = none). cores_sixteenth.tsv (555 call-centre notes) is
# read since the seventeenth round, cores_eighteenth.tsv (534 warranty, insurance and will-not-
# complain cores with crisis counterparts) since the eighteenth. Not read: cores_fifteenth.tsv (602
# accident repairs, mentions, settled threats; the model fitted with it failed the unit tests),
# cores_nineteenth.tsv (477; failed its ship rule) and cores_twentythird.tsv (654 by six more
# helpers; failed the demo gate), bench/RESULTS.md; add a file here to use it.
WRITTEN = [
    Path(__file__).with_name("early_warning") / name
    for name in (
        "cores_seventh.tsv",
        "cores_eighth.tsv",
        "cores_twelfth.tsv",
        "cores_sixteenth.tsv",
        "cores_eighteenth.tsv",
    )
]


def written(category: str) -> list[str]:
    """The helpers' cores of ``category``, in file order."""
    found = []
    for path in WRITTEN:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            name, _, core = line.partition("\t")
            if name == category and core.strip():
                found.append(core.strip())
    return found


EXTRA_A = lines("""
    车子停在红灯前面自己往前拱，脚踩死了都拦不住
    开到六十迈方向盘抖得手都握不住，这谁敢开
    下坡的时候踩了好几脚才慢下来，我后背全是冷汗
    换挡杆挂在P档车还在往前走，幸亏我反应快
    半夜车库里报警响个不停，一看底盘在冒烟
    车门把手烫得像烙铁，孩子碰了一下起了个泡
    {car}过减速带以后整个前轮往里歪了
    跑着跑着仪表上一堆红灯，车速一下掉到二十
    隧道里大灯全灭了，我摸黑开出来的，现在想想都后怕
    后视镜里看到排气管在往下滴火星
    雨刮在暴雨里突然不动了，前面什么都看不见
    我老公开这车回老家，路上车头突然往左一扭，差点掉沟里
    这车开着开着自己降速，后面大货车差一点就撞上来
    电瓶那块有股烧塑料的味道，闻着头晕
    座椅靠背突然往后倒，我是在开车啊
    方向助力时有时无，转弯的时候跟拧铁疙瘩一样
    车里一股汽油味，我家老人坐了一路吐了
    孩子的手被车窗夹住了，防夹根本没起作用
    高速上发动机盖自己弹起来，挡住了整个视线
    你们装的那个轮胎漏气了也不报警，跑到一半就瘪了
    这是拿我们一家人的命在开玩笑
    再这样下去早晚要出人命
    车子熄火以后刹车踩不动，我是靠撞路边停下来的
    客户称车辆行驶中多次出现失去动力，险些发生事故
    我爸开着车突然加速冲上了人行道，好在没撞到人
    前轮那边咯噔一声，方向就不听使唤了
    这个问题有安全隐患
    车有安全隐患，我不敢再开了
    这样的车根本不安全，我一家老小怎么坐
    底盘漏油，存在很大的安全隐患
    安全隐患不排除，你们必须给我说清楚
    刹车有问题就是安全问题，出了事谁负责
""")

EXTRA_B = lines("""
    车停在你们这修了{days}天，我每天打车上班花了好几千
    我是跑货运的，车一趴窝一天少挣好几百，这损失谁来出
    为了这车我工作都丢了，天天请假往你们这跑
    买车花了{money}，开了不到半年就成这样，这钱等于打水漂
    你们修坏了我的发动机，换一个要{money}，这个钱我一分不出
    我们车队{big}台车同时停运，客户那边的单子全黄了
    营运车停一天就亏一天，你们得把这段时间的损失赔给我
    车贷每个月照还，车却一直在你们这躺着
""")

EXTRA_C = lines("""
    这个毛病从提车到现在就没好过，来来回回跑了不下六趟
    每次来都说修好了，开不到一个礼拜又是老样子
    同一个地方的异响，今年已经是第五次进店了
    你们的维修记录自己翻翻，三个月里同一个故障登记了四回
    换了两次零件、刷了三次程序，问题还在
    我都记不清这是第几次把车开过来了
    修了又坏，坏了又修，你们到底有没有能修好的人
    上个月刚修的漏水，这个月又漏，还是同一个位置
    这车一年有小半年在你们车间里待着
    技师换了三个，个个都说没问题，可车就是一直抖
    第三回因为同一个故障灯进厂了，我真是受够了
    客户称该车同一故障已返修多次未能解决，情绪激动
    新车买来才八个月，进厂维修记录已经有七条
    {car}的变速箱顿挫修了一整年，一点没改善
    每次修完都是好几天，过几天照旧，等于白修
    这个问题我已经反映过无数次了，每次都是同样的答复
    修到现在你们自己都不知道是哪里的问题，还让我继续等
    这是本月第二次因为同样的原因把车拖过来
""")

EXTRA_D = lines("""
    我已经把整个过程写成文章了，明天就发出去让大家评评理
    我打了市民热线，他们说会转给你们的主管部门
    材料我都复印好了，下午就去递给监管部门
    这事我会找懂法的人帮我写起诉状
    我有个朋友在报社，这事我准备让他来跟一下
    我会把维修记录全部拍下来放到网上去
    我打算联系一下当地的电视台问问他们管不管
    已经在网上实名投诉你们了，编号都有了
""")

EXTRA_E = lines("""
    明天我就把车开到你们展厅门口，挂上横幅
    我叫上亲戚朋友一起过来，看你们管不管
    今天不给我解决，我就不走了，在你们店里睡
    你再这么推，我就把这车当场砸了
    我已经拉了一个车主群，大家约好周末一起来你们店
""")

NEG_PAST_EXTRA = lines("""
    上回在电话里说要去告你们，那是一时着急，后来你们处理好了
    前阵子我确实在网上发过帖子，问题解决以后我自己删掉了
    之前跟你们闹得挺僵，说过要找电视台，现在都过去了
    那次我是说要打12315，后来店长出面，事情就这么了了
    之前的投诉单我已经撤销了，谢谢你们的跟进
    去年我差点就去消协了，后来你们给换了件，我就没去
    当初说要找律师，后来一商量就和解了，没走到那一步
    以前在车友群里吐槽过你们，后来服务好了我也帮你们说过话
    上次那事我也有不对的地方，说要曝光是气头上的话
    我之前写的差评已经改成好评了，这次的服务不错
    那时候确实打过市长热线，后来你们处理得挺快，就没再追
    原先准备去法院立案，后来厂家给了补偿，这事就结了
    上个月说要发抖音那个事，你们解决了就不提了
    之前找过记者，人家来看了一下，后来我们私下协商好了
    客户表示上次的投诉已经和解，这次只是来做保养
    以前说过要退车，现在车没问题了，就不折腾了
    那会儿我气得说要去厂家总部闹，后来想想也就算了
    上回说要投诉到市场监管局，后来你们主动给退了差价，我满意
""")

NEG_NEGATED_EXTRA = lines("""
    我可没想过找媒体，就是想让你们重视一下
    打官司太麻烦了，我不打算走那条路
    发网上有什么用，我就是想好好解决
    投诉就不必了，你们下次注意就行
    我这人不爱到处说，不会去发帖的
    你放心，12315我是不会打的
    找律师？犯不着，这点事好商量
    不至于闹到消协，你们给个说法就行
    我不是那种动不动就曝光的人
    我没去投诉，也不打算去，就是心里不舒服
    曝光什么的我没兴趣，车修好就行
    起诉就算了吧，时间精力都耗不起
    不想把事情闹大，咱们私下解决
    我没说要找记者啊，你们别误会
    客户明确表示不会向消协投诉，希望尽快修好
    我又不去举报你们，慌什么
    打12345？用不着，你们店里能处理就行
    我不会在抖音上乱发的，这个你们可以放心
""")

NEG_MENTION_EXTRA = lines("""
    在车质网上看了这款车的口碑，还不错，想来看看
    B站上有个博主测了你们这款车，我挺心动的
    我是在视频号上看到你们的促销信息
    你们在汽车之家上挂的那个价格是裸车价吗
    百度贴吧里有人说你们店保养便宜，真的吗
    媒体试驾会上看到这台车，颜色挺好看
    我朋友是律师，他让我买车之前把合同拍给他看看
    我在法院附近上班，下班顺路过来取车
    听广播说你们店周末有团购活动
    微信群里有人转了你们的优惠券，还能用吗
    你们上了本地新闻，说是服务先进单位，恭喜啊
    大众点评上看到你们有洗车优惠，我来试试
    刷小红书看到有人晒你们店的提车仪式，挺温馨的
    12315的热线是多少来着，我帮我妈问问她家电的事
    我在市场监管局办营业执照，顺便过来问问车的事
    记者节那天你们店有活动吗
    快手上那个卖车的主播是你们店的吗
    知乎上说这款车油耗挺低，实际怎么样
    消协的人来你们这边搞宣传，发了个小册子给我
    派出所旁边那家加油站有没有你们的洗车卡
    我在今日头条上看到这车降价了，还有优惠吗
    懂车帝上的车主评价都挺好，我来订一台
""")

NEG_INSURANCE_EXTRA = lines("""
    保险公司的查勘员下午到，你们把车先别动
    这次出险走商业险，理赔手续麻烦你们帮我代办
    理赔金额出来了，差价我来补
    交强险的理赔单子在哪签字
    保险那边说要补一张维修发票才能理赔
    车上人员险能不能理赔医药费，我问一下流程
    对方保险公司说这周会赔付，到时候直接转给你们
    理赔审核通过了吗，我等着用车
    上次出险的理赔款还没到账，帮我问问保险公司
    保险索赔要的照片我都发给你们了
    保险公司说可以全额赔，走索赔程序就行
    定损单上少了一个零件，麻烦跟保险公司补报一下
    保险理赔期间能不能给我一台代步车
    玻璃碎了走保险，理赔是不是不影响明年保费
""")

NEG_WARRANTY_EXTRA = lines("""
    这个故障在质保范围内吧，走保修的话要多久
    厂家索赔批下来了没，我想这周把件换了
    保修单上写的是免费更换，我签个字就行吗
    三包期内出了问题，按规定应该保修吧，麻烦帮我登记
    延保到期前想做个全面检查，有问题好走索赔
    索赔专员说材料齐了，等厂家回复就行
    旧件你们要拿去索赔，我没意见
    保修期内的电池衰减能不能申请更换
""")

NEG_ORDINARY_EXTRA = lines("""
    车里的异味还是有，上次说处理了，麻烦再看看
    保养提醒一直没消，是不是忘了复位
    销售当时答应的贴膜还没贴，什么时候能安排
    你们这里的咖啡太难喝了，哈哈
    等了这么久也没人来招呼，有点不舒服
    价格能不能再优惠一点，隔壁店便宜五百
    客户对本次维修基本满意，建议缩短等待时间
    车钥匙电池没电了，顺便换一个
    路上注意安全，到了跟我说一声
    这款车的安全配置怎么样，有几个气囊
    安全带提示音太吵了，能不能关掉
    你们店里的安全通道被车堵住了，挪一下吧
""")

# Third round (issue 23, alert-fatigue session): written fresh for the train split, where the strict
# train-CV (platforms, authorities, openers and closers split by fold too) still flagged harmless
# texts that name an insurer, an accident, a platform or a profession.
NEG_INSURANCE_MORE = lines("""
    保险公司理赔员说明天上午来店里看车，麻烦安排一下
    我打了保险公司电话报案，他们让我把车开到你们这定损
    理赔员已经拍完照了，可以开始修了吗
    续保的事想问一下，今年有没有出险都算在里面吗
    保险公司让我问问你们，定损价格能不能再核一下
    车损险赔下来了，剩下的钱我刷卡付
    三者险那边对方已经认了，修车钱保险公司直接打给你们
    保险到期了，你们店里能续保吗，顺便送个保养
    这回理赔比上次快多了，谢谢你们帮忙跑手续
    {platform}上说走保险会涨保费，真的吗，我想先问问
    是不是小刮蹭自己出钱比走保险划算，帮我算算
    保险公司说这个零件只能赔一半，另一半我自己出也行
    代步车的费用保险能不能报，我就问问
    出险报案的时候没拍照，现在补还来得及吗
""")

NEG_ACCIDENT_MORE = lines("""
    倒车的时候蹭了墙，后保险杠要补漆，不着急
    在小区里被电动车剐了一下，人没事，车门凹了一块
    下雨天追尾了前车，责任我全责，保险已经报了，车先放你们这修
    停车场被别人撞了，对方留了电话，麻烦帮我估个价
    事故那天吓了一跳，还好大家都没受伤，车修好了谢谢你们
    上周轻微碰撞，气囊没弹，前脸换好了开着没问题
    高速上被石子打了挡风玻璃，有个小裂纹，能修补吗
    事故车维修完的质保是多久，我问一下
    出了个小事故，交警定了对方全责，钱由对方保险出
    被追尾之后后备箱关不严，麻烦帮忙调一下
    修完事故车试了一圈，方向有点偏，麻烦再做个四轮定位
    刮了一下不严重，钣金喷漆大概要几天
""")

NEG_MENTION_MORE = lines("""
    我是在{platform}上看到你们店的，过来试驾一下
    律师朋友推荐我来你们店买车，说售后靠谱
    在{platform}上刷到你们的保养套餐，现在还有吗
    我准备在{platform}上发个提车视频，能在展厅拍吗
    看了{platform}上的评测才决定买这款，开着确实不错
    我表哥在{office}上班，他说你们店口碑挺好
    记者朋友说你们这款车的续航测试挺实在的，我来看看
    电视台做的那期汽车节目里有你们店，挺有意思
    {platform}上有人问怎么预约保养，我顺手帮他问一下
    我刚在{office}办完事，顺路过来把车取了
    我们单位法务部的同事也在你们这买的车，他推荐的
    你们店的抖音号做得不错，我经常看
    下次搞活动记得在{platform}上也发一下，我帮你们转
    媒体报道说这款车要改款了，现款还有优惠吗
    起诉书那种格式我不懂，我是帮我朋友问打印店在哪
    投诉建议箱在哪里，我想表扬一下接待我的顾问
""")

NEG_IDENTITY_MORE = lines("""
    [lawyer]我自己是做律师的，平时忙，保养能不能预约晚上
    [lawyer]律所的几台车想一起在你们这做年检
    [media]我在电视台做后期，想问问你们周末能不能提车
    [media]我是报社的编辑，这次就是来换个轮胎
    [authority]我在区政府上班，中午休息时间过来做个保养
    [authority]我们派出所的公务车要做保养，开发票抬头写单位
    [fleet]我们物流公司的车队下个月要集中保养，先约个时间
    [fleet]公司车队有几台车该换刹车片了，麻烦报个价
    [taxi]我开网约车的，一天跑四百公里，保养周期怎么算
    [taxi]出租车换了新电瓶，开着挺好，谢谢
    [public]我在网上有点粉丝，提车的时候想拍个视频，可以吗
    [public]我平时做汽车博主，这次是自己家的车来保养
""")

# Fourth round (issue 23, context-rules session): written fresh for the train split after the strict
# train-CV still flagged angry but ordinary complaints, routine accident and warranty visits, a
# profession or fleet named in passing; and missed crises told by counting cars, an office that has
# taken the case, or damage done by the store. Customer registers: spoken, typos, full-width marks.
NEG_ORDINARY_MORE = lines("""
    烦死了，每回来都要等一上午，你们就不能多安排几个人吗
    服务态度真的差，问三遍才有人理我！
    前台小姑娘爱搭不理的，我心里很不爽
    说好的洗车又没洗，每次都这样，下回记得啊
    工时费怎么又涨了，去年还没这么贵，坑人么这不是
    交车拖了一个钟头，我饭都没吃上，气人
    你们这个预约系统太难用了，点半天点不进去
    休息室wifi连不上，等了两小时啥也干不了，无语
    保养完车里全是脚印，也不给擦擦，太不讲究了
    我真的对你们很失望，就换个机油还能给我漏报一项
    销售收了定金就不回消息了，我打了四次电话才接
    价格不透明，结账单上多了两项我根本没听说过，给我解释下
    每次来都换个顾问，每次都得从头讲一遍，累不累啊
    你们这儿停车太难了，转了三圈才找到位置
    技师讲话太冲，我问一句他顶一句，这样不好吧
    洗车没洗干净还收钱，说不过去吧，退我洗车费就行
""")

NEG_IDENTITY_FOURTH = lines("""
    [authority]我是交警，下班过来取车，你们几点关门
    [authority]我在法院食堂上班，顺路过来看看新车型
    [lawyer]我做法务的，合同条款我看过了，没问题，签吧
    [media]我在报社跑社会新闻的，今天就是来做个保养，别紧张哈
    [fleet]我们车队二十多台车都在你们这保养，这个月的账单麻烦对一下
    [fleet]单位有十几台车要续保，能不能给个团体价
    [taxi]跑滴滴的，车天天开，轮胎磨得快，有没有耐磨点的
    [taxi]我是开出租的，能不能给个夜班保养的时间
    [public]我是做短视频的，能在你们展厅拍个探店吗，会提前打招呼
    [media]电视台的同事推荐我来你们店买车的
""")

NEG_ACCIDENT_FOURTH = lines("""
    倒车蹭了一下后保险杠，人没事，补个漆多少钱
    被电动车刮了一道，对方赔了，来喷个漆
    追尾了，对方全责，保险已经报了，来这边定损
    停小区里被人划了一道，问问补漆要几天
    前几天撞了个石墩子，车灯裂了，换一个要多久
    轻微剐蹭，不走保险了，自己出钱修，快点就行
    车门被人开门撞了个小坑，能不能做无痕修复
    下雨天追了前车一下，两边都没事，就是前杠得换
""")

NEG_MENTION_FOURTH = lines("""
    我是在{platform}上刷到你们的团购券，还能用吗
    {platform}上有人推荐你们家的镀晶，效果咋样
    {office}门口那个路口过来，是不是右转就到你们店
    在{office}办完事顺路过来，保养能插个队吗
    听朋友说找律师办过户手续更快，真的假的
    我记者朋友说你们店的服务口碑不错，就来了
    看{platform}上的测评说这款车油耗低，想来试驾
    {office}公众号上发的那个以旧换新补贴，你们店能办吗
""")

NEG_WARRANTY_FOURTH = lines("""
    质保期内的异响，你们看看能不能走保修
    三包期内换的电瓶，帮我查下还在质保里不
    这个件在保修范围吗，在的话就走索赔，不在我自己出
    厂家索赔审批下来没有，下来了通知我一声
    延保还有一年，这次的维修能不能用延保
""")

NEG_RECALL_FOURTH = lines("""
    收到召回短信了，什么时候能来做，要多久
    召回的那个软件升级做完了，开着没啥区别
    我的车在召回范围内吗，帮我查下车架号
""")

EXTRA_C_FOURTH = lines("""
    我们车队{big}台车全是这毛病，一台接一台地进厂
    车友群里几十个车主都是这个故障，你们还说是个例
    同一批次提的车，我们小区就有五六台一样的问题
    公司{big}辆车轮流趴窝，跑一趟修一台
    修了又坏坏了又修，一个月往你们这跑了四趟
""")

EXTRA_D_FOURTH = lines("""
    {office}已经受理了，让你们这周给答复
    我已经把情况反映到{office}了，等他们联系你们吧
    材料都寄给{office}了，回执我拍了照
    我表哥在报社，这事我跟他说了，他挺感兴趣
    这事我在车友会里讲了，几百号人都在看你们怎么处理
""")

EXTRA_B_FOURTH = lines("""
    你们把我车弄坏了还不认账，监控也说没有
    你们给我装的是拆车件，当新件收我的钱
    车在你们店里被磕了一大块漆，说是我自己弄的，这不是讹人吗
    修个空调把我的行车记录仪线给剪了，视频全没了
""")

EXTRA_E_FOURTH = lines("""
    明天我就带着孩子老人住你们展厅里，不解决不走
    我把车停你们门口堵着，看谁还能进来
    再拖我就喊人来拉条幅，说到做到
    我把这破车涂满字开到你们门口天天转
""")

# Sixth round (2026-12-03): written from the categories and the strict train-CV misses
# (corpus train rows) — crisis texts in a spoken, indirect register (people named by their role,
# threats implied rather than stated, injuries and damage told without a listed word, batches
# counted) and routine warranty, insurance and declined-threat talk. Not copied from or modelled on
# any held-out row or any text of bench/early_warning/independent.tsv.
EXTRA_A_SIXTH = lines("""
    后排座椅加热烫得我闺女腿上红了一大片，现在还在抹药
    开着开着车门自己弹开了，我儿子差点从车里滑出去
    急刹的时候安全带没锁住，我整个人撞到方向盘上，肋骨到现在还疼
    天窗玻璃开着开着自己裂了，渣子掉了一脖子
    下雨天仪表盘冒火花，我赶紧靠边熄火才没出大事
    倒车影像黑屏，倒车时把路边的小孩蹭倒了，人去医院拍了片
    车在加油站排队的时候前舱冒白烟，工作人员拿灭火器过来的
    方向机卡住了一下，车直接别到对面车道去了
    一脚油门下去车没反应，过路口的时候被横着来的车擦了
    电动尾门夹到我妈的手，骨头都裂了
""")

EXTRA_B_SIXTH = lines("""
    说好的新车，保险公司一查，出过两次险，你们这是拿事故车糊弄我
    里程表被调过，卖给我的时候写的两千公里，实际跑了三万多
    车放你们这里过夜，第二天发现被人撬了，车里东西全丢了
    洗车的时候把我车泡了水，电脑板全烧了，修下来要{money}
    你们漏装了一颗螺丝，轮子在路上掉了，拖车加修车花了{money}
    买的时候说是原厂件，拆开全是副厂的，差价得退我
    保养完发动机拉缸，整个缸体要换，这个钱你们必须承担
    因为车没按时交，我那趟长途活儿丢了，违约金赔了{money}
""")

EXTRA_C_SIXTH = lines("""
    我们物流公司同一批买的{big}台，现在有一半都在漏防冻液
    车友群里跟我同一个月提车的，已经有好几家出现同样的熄火
    这是我第{n}回为了同一个异响跑过来了，一次比一次响
    修完开回家不到三天，故障灯又亮了，还是那个码
    这一年光是空调不制冷就进了{n}次厂，每次都说好了
    我们学校的{big}台校车都有这个刹车软的问题，家长都在问
""")

EXTRA_D_SIXTH = lines("""
    我表哥在律所上班，他看了合同说你们这是违约，下周他陪我来
    我女婿是搞法务的，材料他已经在整理了，到时候法庭上见
    我媳妇在检察院工作，她说你们这种做法够得上欺诈
    我同学在报社当编辑，跟他说了这个事，他说可以做个专题
    有个做汽车自媒体的朋友，粉丝几十万，他说这个事值得拍一期
    帮忙栏目的记者已经答应下周来店里拍
    我哥是律师，今天陪我过来，话我就不多说了，你们看着办
    客户丈夫是执业律师，在店里当场要求出具书面说明，语气很冲
    客户女儿是律师，已经帮客户起草了律师函
    我已经把情况写成材料寄给你们品牌总部，还抄送了{office}
    {office}的工作人员今天打电话来核实情况了，说让你们三天内回复
    我在{platform}上发的视频已经好几万人看了，评论全在骂你们
    律师我已经委托好了，以后这件事你们找他谈
""")

EXTRA_E_SIXTH = lines("""
    你们不给说法，我就让全县的人都知道你们店是怎么坑人的
    别逼我，真把我逼急了我什么事都干得出来
    明天我带几个兄弟过来，跟你们老板当面好好聊聊
    我天天来你们展厅坐着，有客户来看车我就跟他讲我的遭遇
    大不了鱼死网破，我这车不要了也要跟你们耗到底
    我在车上贴满了字，每天就停你们店门口
    今天谁也别想下班，不给我个结果我就堵在你们财务室门口
    你们再推一次，我就把这车一把火点了，就在你们门口
""")

NEG_WARRANTY_SIXTH = lines("""
    这个问题在保修期内吧，走保修就行，不用我出钱吧
    厂家索赔的那个件到了没有，到了我就过来装
    质保卡上写的是三年还是十万公里，我想确认一下
    保修换下来的旧件你们要回收对吧，那我就不带走了
    车机死机在保修范围里面吗，在的话下次保养一起弄
    你们走厂家索赔要审批几天，我好安排用车
    电瓶在质保期内坏了，给换个新的就好，没啥意见
    三包凭证我找到了，放在手套箱里，需要的话拍给你们
""")

NEG_INSURANCE_SIXTH = lines("""
    保险公司的人说下午过来定损，你们先别拆
    出险报案号我发你微信了，你们直接跟保险那边对接
    理赔的钱保险公司直接打给你们店是吧，那我就不垫付了
    今年出了一次险，明年保费会涨多少，我想先问问
    对方全责，他的保险公司会联系你们，修好通知我就行
    定损单上的配件你们都有货吧，没货的话我等几天也行
    玻璃险能不能用，前挡有条小裂纹
""")

NEG_NEGATED_SIXTH = lines("""
    我这人不爱闹，投诉什么的就算了，下次注意就行
    你放心，我不会去网上说的，大家都不容易
    找媒体不至于，这点事犯不上
    告你们？没那个闲工夫，把车修好比啥都强
    我就是发发牢骚，没打算往上反映
    说实话我本来想投诉的，后来想想算了，你们也帮了不少忙
    我不会去{office}的，咱们自己商量着解决
    拉横幅堵门那种事我干不出来，你们按流程来就行
""")

NEG_PAST_SIXTH = lines("""
    之前说要找律师是我一时着急，现在问题都解决了
    上回在群里骂了你们几句，后来处理得挺好，我已经删了
    那次说要去{office}，后来你们店长亲自来处理，我就没去
    去年闹得挺僵的那个事早过去了，今天就是来做个保养
""")

NEG_MENTION_SIXTH = lines("""
    我朋友是律师，他推荐我来你们店买的
    在{platform}上刷到你们的活动视频，过来问问价格
    电视上那个汽车节目介绍过这款车，说油耗挺低的
    我同事在{office}上班，她说你们家服务口碑不错
    新闻里说别的品牌召回了，我的车不是那个牌子吧
    记者节那天我们单位组织来你们这团购过
""")

NEG_ACCIDENT_SIXTH = lines("""
    自己倒车蹭了一下墙，后杠掉了点漆，人没事，补个漆就行
    下雪天溜车碰了前车一下，双方都没事，私了了，来修个大灯
    小区里被电动车刮了一道，对方赔了钱，我来补漆
""")

NEG_IDENTITY_SIXTH = lines("""
    我是做律师的，平时太忙，保养只能约周末
    我在报社上班，能不能开个发票抬头写单位
    我们车队的车下个月集中保养，先帮我们排个时间
    我开出租的，换班前能不能半小时弄完
""")


POSITIVE_CORES: dict[str, list[str]] = {
    "a": EXTRA_A + EXTRA_A_SIXTH,
    "b": EXTRA_B + EXTRA_B_FOURTH + EXTRA_B_SIXTH,
    "c": EXTRA_C + EXTRA_C_FOURTH + EXTRA_C_SIXTH,
    "d": EXTRA_D + EXTRA_D_FOURTH + EXTRA_D_SIXTH,
    "e": EXTRA_E + EXTRA_E_FOURTH + EXTRA_E_SIXTH,
}

NEGATIVE_CORES: dict[str, list[str]] = {
    "past_threat": NEG_PAST_EXTRA + NEG_PAST_SIXTH,
    "negated_threat": NEG_NEGATED_EXTRA + NEG_NEGATED_SIXTH,
    "harmless_mention": NEG_MENTION_EXTRA + NEG_MENTION_MORE + NEG_MENTION_FOURTH + NEG_MENTION_SIXTH,
    "insurance": NEG_INSURANCE_EXTRA + NEG_INSURANCE_MORE + NEG_INSURANCE_SIXTH,
    "accident_repair": NEG_ACCIDENT_MORE + NEG_ACCIDENT_FOURTH + NEG_ACCIDENT_SIXTH,
    "identity_harmless": NEG_IDENTITY_MORE + NEG_IDENTITY_FOURTH + NEG_IDENTITY_SIXTH,
    "warranty": NEG_WARRANTY_EXTRA + NEG_WARRANTY_FOURTH + NEG_WARRANTY_SIXTH,
    "recall": NEG_RECALL_FOURTH,
    "": NEG_ORDINARY_EXTRA + NEG_ORDINARY_MORE,
}

# The helpers' cores (seventh and eighth rounds), after every earlier round's.
for _cores in (POSITIVE_CORES, NEGATIVE_CORES):
    for _name in _cores:
        _cores[_name] = [*_cores[_name], *written(_name or "ordinary")]
