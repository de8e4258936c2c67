"""A report posted again later under a new page is a repost (look-alike), not a second report,
whether the page carries the tables (same figures) or only the document (the same file attached).
Two pages of one agency and year with different documents stay two reports: nothing says which
one is the copy."""

from __future__ import annotations

from mockserver import StaticPortal, page
from test_crawler_mockportal import FAST, nianbao_crawl

from archive.crawllog import read_log

GOV = "测试县人民政府2023年政府信息公开工作年度报告"
EDU = "测试县教育局2023年政府信息公开工作年度报告"
HTML = "text/html; charset=utf-8"
PDF_A = b"%PDF-1.4\n% report of the county government, 2023\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
PDF_B = PDF_A.replace(b"county government", b"education bureau")
PDF_C = PDF_A.replace(b"2023", b"2O23")  # the same report re-saved: other bytes


def _article(title: str, date: str, pdf: str) -> tuple[str, bytes]:
    return HTML, page(title, f'<h1>{title}</h1><p>发布时间：{date}</p><p>{title}全文详见附件。</p>'
                             f'<p>附件：<a href="{pdf}">{title}.pdf</a></p>')


PAGES = {
    "/": (HTML, page("测试县人民政府", '<a href="/nb/">政府信息公开年报</a>')),
    "/nb/": (HTML, page("政府信息公开年报", "".join(
        f'<li><a href="{path}">{title}</a></li>' for path, title in (
            ("/nb/202408/t20240801_9.html", GOV), ("/nb/202401/t20240120_1.html", GOV),
            ("/nb/202401/t20240125_2.html", EDU), ("/nb/202409/t20240901_12.html", GOV))))),
    # the original, then the same file posted again seven months later (listed first, fetched first)
    "/nb/202401/t20240120_1.html": _article(GOV, "2024-01-20", "/nb/202401/P020240120001.pdf"),
    "/nb/202401/P020240120001.pdf": ("application/pdf", PDF_A),
    "/nb/202408/t20240801_9.html": _article(GOV, "2024-08-01", "/nb/202408/P020240801009.pdf"),
    "/nb/202408/P020240801009.pdf": ("application/pdf", PDF_A),
    # another agency's report: its own document
    "/nb/202401/t20240125_2.html": _article(EDU, "2024-01-25", "/nb/202401/P020240125002.pdf"),
    "/nb/202401/P020240125002.pdf": ("application/pdf", PDF_B),
    # the government's title once more, with a different file: kept as a report
    "/nb/202409/t20240901_12.html": _article(GOV, "2024-09-01", "/nb/202409/P020240901012.pdf"),
    "/nb/202409/P020240901012.pdf": ("application/pdf", PDF_C),
}


def test_a_report_posted_again_with_the_same_document_is_a_repost(tmp_path):
    with StaticPortal(PAGES) as portal:
        seeds = tmp_path / "seeds.csv"
        seeds.write_text(f"agency,url,notes\n测试县人民政府,{portal.base}/,official\n", encoding="utf-8")
        proc = nianbao_crawl(seeds, tmp_path / "out", "--allow-private", *FAST, "-s", "NIANBAO_BROWSER=0",
                             "-s", "NIANBAO_WACZ=0")
        assert proc.returncode == 0, proc.stderr[-2000:]
    (crawl_dir,) = list((tmp_path / "out" / "crawls").iterdir())
    role = {e["url"].removeprefix(portal.base): e for e in read_log(crawl_dir / "log.jsonl")}
    assert role["/nb/202401/t20240120_1.html"]["role"] == "report"
    repost = role["/nb/202408/t20240801_9.html"]
    assert repost["role"] == "lookalike"
    assert repost["reason"] == (f"repost: the same report as {portal.base}/nb/202401/t20240120_1.html "
                                "(published 2024-01-20), published again 2024-08-01 (the same document attached)")
    assert (repost["agency"], repost["year"]) == ("测试县人民政府", 2023)
    assert role["/nb/202401/t20240125_2.html"]["role"] == "report"
    assert role["/nb/202409/t20240901_12.html"]["role"] == "report"
    for pdf in ("/nb/202401/P020240120001.pdf", "/nb/202408/P020240801009.pdf", "/nb/202409/P020240901012.pdf"):
        assert role[pdf]["role"] == "attachment"
