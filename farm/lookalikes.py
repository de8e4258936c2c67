"""Look-alike pages that a crawler must not take for the agency's annual report (portals.md §5).

Each is modelled on a real kind of page and made as tricky as the real ones: a 解读 quotes the
full report title and the six section names; a 编制通知 carries the empty Table 3 template; a
企业年报 notice talks about 年度报告 and 年报 in January; a repost is a genuine report, but of
another agency or another year (``Lookalike.report`` holds it).
"""

from __future__ import annotations

import datetime
import html
import io
import random
import re
from dataclasses import dataclass

from farm.reports import T3_ROWS, PlantedReport, generate_report, official_title

KINDS = (
    "解读", "图解", "工作要点", "企业年报", "政府工作报告", "统计公报", "年度报告制度", "编制通知",
    "政务公开活动", "绩效评价报告", "条例", "其他机关转载", "其他年份转载",
)  # fmt: skip


@dataclass(frozen=True)
class Lookalike:
    kind: str  # one of KINDS
    title: str
    body_html: str  # article body fragment (no <html>/<head>)
    report: PlantedReport | None = None  # for reposts: the (real) report reposted
    assets: tuple[tuple[str, bytes, str], ...] = ()  # (relative file name, bytes, content type) the body links


def _place(agency: str) -> str:
    """The area an agency belongs to: 某某县卫生健康局 → 某某县, 益阳市人民政府办公室 → 益阳市."""
    match = re.match(r"^(.+?(?:自治州|自治县|新区|[省市州盟县区旗]))", agency)
    return match.group(1) if match else agency


def _p(text: str) -> str:
    return f'<p style="text-indent:2em">{html.escape(text, quote=False)}</p>'


def _jiedu(rng: random.Random, agency: str, year: int) -> Lookalike:
    report_title = official_title(agency, year)
    title = rng.choice([f"《{report_title}》解读", f"{report_title}解读", f"图文解读：{report_title}",
                        f"一文读懂《{report_title}》"])  # fmt: skip
    received = rng.randint(0, 120)
    body = [
        _p(f"《{report_title}》（以下简称《年报》）已经编制完成，并于{year + 1}年{rng.randint(1, 3)}月在{_place(agency)}人民政府门户网站公开发布。现就《年报》内容进行如下解读："),
        _p("一、编制依据。《年报》根据《中华人民共和国政府信息公开条例》第四十九条“县级以上人民政府部门应当在每年1月31日前向本级政府信息公开工作主管部门提交本行政机关上一年度政府信息公开工作年度报告并向社会公布”的规定，按照国办公开办函〔2021〕30号规定的格式编制。"),
        _p("二、主要内容。《年报》包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议、行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项六个部分。"),
        _p(f"三、主要数据。{year}年，{agency}共收到政府信息公开申请{received}件，全部按期答复；全年主动公开政府信息{rng.randint(50, 3000)}条。"),
        _p(f"《年报》全文可登录{_place(agency)}人民政府门户网站“政府信息公开年报”栏目查阅。"),
    ]  # fmt: skip
    return Lookalike("解读", title, "\n".join(body) + "\n")


def _infographic(title: str, facts: list[tuple[str, str]]) -> bytes:
    from PIL import Image, ImageDraw

    from farm.documents.image import _font

    img = Image.new("RGB", (750, 260 + 150 * len(facts)), (196, 30, 36))
    draw = ImageDraw.Draw(img)
    font_t, font_n, font_l = _font(30), _font(64), _font(26)
    y = 60
    for line in (title[i:i + 22] for i in range(0, len(title), 22)):
        draw.text(((750 - font_t.getlength(line)) / 2, y), line, font=font_t, fill=(255, 240, 200))
        y += 44
    y += 40
    for label, number in facts:
        draw.rounded_rectangle((60, y, 690, y + 120), radius=18, fill=(255, 250, 240))
        draw.text((90, y + 40), label, font=font_l, fill=(120, 20, 20))
        draw.text((660 - font_n.getlength(number), y + 25), number, font=font_n, fill=(196, 30, 36))
        y += 150
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _tujie(rng: random.Random, agency: str, year: int) -> Lookalike:
    report_title = official_title(agency, year)
    title = rng.choice([f"{report_title}（图解）", f"{report_title}(图解版本)", f"一图读懂{report_title}",
                        f"图解：{agency}{year}年度政府信息公开年报"])  # fmt: skip
    facts = [("主动公开政府信息（条）", str(rng.randint(30, 4000))), ("收到公开申请（件）", str(rng.randint(0, 150))),
             ("行政复议（件）", str(rng.randint(0, 5)))]  # fmt: skip
    name = f"W0{year + 1}01{rng.randint(10, 28)}{rng.randint(10**11, 10**12 - 1)}.png"
    png = _infographic(report_title, facts)
    body = (f'<p style="text-align:center"><img src="./{name}" alt="{html.escape(title)}" width="750"/></p>\n'
            f"{_p('（图片来源：' + agency + '）')}\n")  # fmt: skip
    return Lookalike("图解", title, body, assets=((name, png, "image/png"),))


def _gongzuo_yaodian(rng: random.Random, agency: str, year: int) -> Lookalike:
    place = _place(agency)
    nxt = year + 1
    title = rng.choice([f"关于印发{place}{nxt}年政务公开工作要点的通知", f"{place}人民政府办公室关于印发{nxt}年{place}政务公开工作要点的通知",
                        f"文字解读：《{nxt}年{place}政务公开工作要点》"])  # fmt: skip
    body = [
        _p("各乡镇人民政府、街道办事处，县直各单位："),
        _p(f"现将《{place}{nxt}年政务公开工作要点》印发给你们，请结合实际认真抓好落实。"),
        _p(f"{place}{nxt}年政务公开工作要点"),
        _p("一、加强政策发布解读。……"),
        _p("二、规范依申请公开办理。严格按照法定时限答复，规范答复文书。"),
        _p(f"三、做好政府信息公开工作年度报告。各单位要按照国办公开办函〔2021〕30号要求，于{nxt}年1月31日前编制并公布本机关{year}年政府信息公开工作年度报告，"
           f"{place}人民政府{year}年政府信息公开工作年度报告于3月31日前公布。"),
        _p("四、强化监督保障。将政务公开工作纳入年度绩效考核。"),
    ]  # fmt: skip
    return Lookalike("工作要点", title, "\n".join(body) + "\n")


def _qiye_nianbao(rng: random.Random, agency: str, year: int) -> Lookalike:
    place = _place(agency)
    nxt = year + 1
    title = rng.choice([f"关于做好{year}年度企业年度报告公示工作的通告", f"{place}市场监督管理局关于提醒企业履行{year}年度年报公示义务的公告",
                        f"关于开展{year}年度市场主体年报工作的通知"])  # fmt: skip
    body = [
        _p(f"根据《企业信息公示暂行条例》规定，现将{year}年度报告有关事项告知如下："),
        _p(f"一、年报时间为{nxt}年1月1日至{nxt}年6月30日。各类企业、农民专业合作社、个体工商户应当通过国家企业信用信息公示系统报送{year}年度年度报告，并向社会公示。"),
        _p("二、年度报告内容包括企业通信地址、存续状态、投资设立企业、股东出资、资产状况等信息。"),
        _p("三、未按规定期限公示年度报告的，将被列入经营异常名录。"),
        _p(f"特此通告。　{place}市场监督管理局　{nxt}年1月{rng.randint(3, 20)}日"),
    ]  # fmt: skip
    return Lookalike("企业年报", title, "\n".join(body) + "\n")


def _zhengfu_gongzuo_baogao(rng: random.Random, agency: str, year: int) -> Lookalike:
    place = _place(agency)
    nxt = year + 1
    title = rng.choice([f"{nxt}年{place}人民政府工作报告", f"政府工作报告（{nxt}年）",
                        f"关于印发{nxt}年《政府工作报告》重点任务分工方案的通知"])  # fmt: skip
    body = [
        _p(f"——{nxt}年1月{rng.randint(5, 25)}日在{place}第{rng.choice('十十十一')}{rng.choice('一二三四五六七八九')}届人民代表大会第{rng.choice('二三四五')}次会议上"),
        _p("各位代表："),
        _p(f"现在，我代表{place}人民政府，向大会报告工作，请予审议，并请政协委员提出意见。"),
        _p(f"一、{year}年工作回顾"),
        _p(f"过去一年，全{place[-1]}地区生产总值增长{rng.uniform(3, 8):.1f}%，一般公共预算收入{rng.randint(5, 90)}亿元。深化政务公开，全年主动公开政府信息{rng.randint(500, 9000)}条，办理政府信息公开申请{rng.randint(10, 300)}件。"),
        _p(f"二、{nxt}年工作安排"),
    ]  # fmt: skip
    return Lookalike("政府工作报告", title, "\n".join(body) + "\n")


def _tongji_gongbao(rng: random.Random, agency: str, year: int) -> Lookalike:
    place = _place(agency)
    title = rng.choice([f"{place}{year}年国民经济和社会发展统计公报", f"{year}年{place}统计年报主要数据公报"])
    rows = "".join(f"<tr><td>{name}</td><td>{rng.randint(10, 9000)}</td><td>{rng.uniform(-3, 12):.1f}</td></tr>"
                   for name in ("地区生产总值（亿元）", "第一产业增加值（亿元）", "第二产业增加值（亿元）", "第三产业增加值（亿元）"))  # fmt: skip
    body = (_p(f"{year}年，面对复杂严峻的外部环境，全{place[-1]}经济运行总体平稳。") + "\n"
            + f'<table border="1" cellspacing="0"><tr><td>指标</td><td>{year}年</td><td>比上年增长（%）</td></tr>{rows}</table>\n'
            + _p("注：本公报中数据均为初步统计数。") + "\n")  # fmt: skip
    return Lookalike("统计公报", title, body)


def _zhidu(rng: random.Random, agency: str, year: int) -> Lookalike:
    owner = agency[: -len("政府")] if agency.endswith("人民政府") else agency + "政府"  # 某镇人民政府 → 某镇人民 + 政府信息…
    title = rng.choice([f"{owner}信息公开工作年度报告制度", f"{owner}信息公开年度报告制度(试行)"])
    body = [
        _p("第一条　为规范政府信息公开工作年度报告的编制和发布，根据《中华人民共和国政府信息公开条例》，制定本制度。"),
        _p("第二条　本机关应当在每年1月31日前向本级政府信息公开工作主管部门提交上一年度政府信息公开工作年度报告并向社会公布。"),
        _p("第三条　年度报告应当包括：（一）行政机关主动公开政府信息的情况；（二）收到和处理政府信息公开申请的情况；（三）因政府信息公开工作被申请行政复议、提起行政诉讼的情况；（四）存在的主要问题、改进情况和其他需要报告的事项。"),
        _p("第四条　本制度自印发之日起施行。"),
    ]  # fmt: skip
    return Lookalike("年度报告制度", title, "\n".join(body) + "\n")


def _template_table3_html() -> str:
    """The empty Table 3 of the national format, as notices attach it (labels, no numbers)."""
    from farm.documents.article import blocks_html
    from farm.documents.model import Block, table3

    rows: dict = {row: {} for row in T3_ROWS}
    rows["3.6"] = None
    blank = PlantedReport(agency="", year=2021, template="2021", level="office", title="",
                          published=datetime.date(2022, 1, 1), expected={"table3": rows})  # fmt: skip
    return blocks_html([Block("table", table=table3(blank))], "classic")


def _bianzhi_tongzhi(rng: random.Random, agency: str, year: int) -> Lookalike:
    place = _place(agency)
    nxt = year + 1
    title = rng.choice([f"关于做好{year}年政府信息公开工作年度报告编制和发布工作的通知",
                        f"{place}政务公开办关于报送{year}年度政府信息公开工作年度报告的通知"])  # fmt: skip
    body = [
        _p("各单位："),
        _p(f"根据《中华人民共和国政府信息公开条例》和《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号），现就做好{year}年政府信息公开工作年度报告编制和发布工作通知如下："),
        _p(f"一、各部门应于{nxt}年1月31日前在门户网站“政府信息公开年报”栏目公布本机关{year}年政府信息公开工作年度报告。"),
        _p("二、年度报告应包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议、行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。"),
        _p("三、收到和处理政府信息公开申请情况按下表填报（勾稽关系：第一项加第二项之和，等于第三项加第四项之和）："),
    ]  # fmt: skip
    return Lookalike("编制通知", title, "\n".join(body) + "\n" + _template_table3_html())


def _huodong(rng: random.Random, agency: str, year: int) -> Lookalike:
    place = _place(agency)
    title = rng.choice([f"{year}年度基层政务公开工作推进会召开", f"关于开展{year}年“政务公开主题日”活动的通知",
                        f"{place}召开{year}年度政务公开工作总结会"])  # fmt: skip
    body = [_p(f"{year + 1}年1月{rng.randint(5, 28)}日，{place}召开{year}年度政务公开工作推进会，总结{year}年度政务公开工作，部署政府信息公开工作年度报告编制发布等工作。"),
            _p("会议要求，各单位要对照年度报告格式要求，确保数据准确、按时发布。")]  # fmt: skip
    return Lookalike("政务公开活动", title, "\n".join(body) + "\n")


def _jixiao(rng: random.Random, agency: str, year: int) -> Lookalike:
    title = rng.choice([f"{agency}{year}年度整体支出绩效评价报告", f"{agency}{year}年度部门决算公开", f"{agency}{year}年度法治政府建设情况报告"])
    body = [_p(f"根据预算绩效管理有关要求，{agency}对{year}年度整体支出开展了绩效自评，现将有关情况报告如下："),
            _p(f"一、基本情况。{year}年度部门预算支出{rng.randint(100, 9000)}万元。"),
            _p("二、绩效目标完成情况。……")]  # fmt: skip
    return Lookalike("绩效评价报告", title, "\n".join(body) + "\n")


def _tiaoli(rng: random.Random, agency: str, year: int) -> Lookalike:
    title = rng.choice(["中华人民共和国政府信息公开条例", "《中华人民共和国政府信息公开条例》（国务院令第711号）"])
    body = [
        _p("第四十九条　县级以上人民政府部门应当在每年1月31日前向本级政府信息公开工作主管部门提交本行政机关上一年度政府信息公开工作年度报告并向社会公布。"),
        _p("县级以上地方人民政府的政府信息公开工作主管部门应当在每年3月31日前向社会公布本级政府上一年度政府信息公开工作年度报告。"),
        _p("第五十条　政府信息公开工作年度报告应当包括下列内容：（一）行政机关主动公开政府信息的情况；（二）行政机关收到和处理政府信息公开申请的情况；（三）因政府信息公开工作被申请行政复议、提起行政诉讼的情况；（四）政府信息公开工作存在的主要问题及改进情况，各级人民政府的政府信息公开工作年度报告还应当包括工作考核、社会评议和责任追究结果情况；（五）其他需要报告的事项。"),
        _p("全国政府信息公开工作主管部门应当公布政府信息公开工作年度报告统一格式，并适时更新。"),
    ]  # fmt: skip
    return Lookalike("条例", title, "\n".join(body) + "\n")


_HIGHER = ("湖南省人民政府", "山西省人民政府", "浙江省人民政府", "内蒙古自治区人民政府", "广东省人民政府", "四川省人民政府")


def _repost_other_agency(rng: random.Random, agency: str, year: int) -> Lookalike:
    from farm.documents import render_article_html

    place = _place(agency)
    other = rng.choice([*_HIGHER, f"{place}人民政府"] if not agency.startswith(f"{place}人民政府") else list(_HIGHER))
    level = "government"
    report = generate_report(rng, other, year, level=level)
    body = render_article_html(report, layout=rng.choice(("classic", "plain")))
    return Lookalike("其他机关转载", report.title, body, report=report)


def _repost_other_year(rng: random.Random, agency: str, year: int) -> Lookalike:
    from farm.documents import render_article_html

    other_year = max(2019, year - rng.randint(1, 3))
    if other_year == year:
        other_year = year + 1
    level = "government" if agency.endswith("人民政府") else "department"
    report = generate_report(rng, agency, other_year, level=level)
    body = render_article_html(report, layout=rng.choice(("classic", "plain", "word")))
    return Lookalike("其他年份转载", report.title, body, report=report)


_MAKERS = {
    "解读": _jiedu, "图解": _tujie, "工作要点": _gongzuo_yaodian, "企业年报": _qiye_nianbao,
    "政府工作报告": _zhengfu_gongzuo_baogao, "统计公报": _tongji_gongbao, "年度报告制度": _zhidu,
    "编制通知": _bianzhi_tongzhi, "政务公开活动": _huodong, "绩效评价报告": _jixiao, "条例": _tiaoli,
    "其他机关转载": _repost_other_agency, "其他年份转载": _repost_other_year,
}  # fmt: skip


def lookalike(rng: random.Random, kind: str, agency: str, year: int) -> Lookalike:
    """One look-alike page of ``kind`` for ``agency``'s ``year`` report."""
    if kind not in _MAKERS:
        raise ValueError(f"unknown look-alike kind {kind!r}; expected one of {KINDS}")
    return _MAKERS[kind](rng, agency, year)


def lookalike_pages(rng: random.Random, agency: str, year: int, *, kinds: tuple[str, ...] = KINDS) -> list[Lookalike]:
    """One page of every kind (by default) for ``agency``'s ``year``; deterministic from ``rng``."""
    return [lookalike(rng, kind, agency, year) for kind in kinds]
