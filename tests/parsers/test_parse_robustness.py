"""Bad input never raises: it comes back with a status (error / not_a_report / image_only) and a reason."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
import report_fixtures as F  # noqa: E402

from parsers import PARSER_VERSION, detect_format, parse_report  # noqa: E402

STATUSES = {"ok", "partial", "image_only", "not_a_report", "error"}


def assert_result(result: dict) -> None:
    assert result["status"] in STATUSES
    assert result["parser_version"] == PARSER_VERSION
    for key in ("agency", "year", "template", "table2", "table2_2019", "table3", "table4", "checks"):
        assert key in result
    if result["status"] != "ok":
        assert result["reason"]


@pytest.fixture(scope="module")
def yangquan():
    return F.seed_reports()["yangquan-city-2023"]


def test_empty_input_is_an_error():
    for data in (b"", b"   \n\t ", ""):
        result = parse_report(data)
        assert result["status"] == "error" and "empty" in result["reason"]


def test_wrong_input_type_is_an_error():
    result = parse_report(12345)  # type: ignore[arg-type]
    assert result["status"] == "error"


def test_truncated_pdf_is_an_error(yangquan):
    pdf = F.render("pdf", yangquan)
    result = parse_report(pdf[: len(pdf) // 2])
    assert_result(result)
    assert result["status"] == "error" and result["format"] == "pdf"
    assert result["table3"] is None


def test_encrypted_pdf_is_an_error_that_says_so():
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    c.drawString(100, 100, "hello")
    c.save()
    result = parse_report(buf.getvalue())
    assert result["status"] == "error"
    assert "encrypted" in result["reason"]


def test_pdf_without_text_layer_is_image_only():
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(50, 50, 400, 600, fill=1)  # a "scan": graphics, no characters
    c.showPage()
    c.save()
    result = parse_report(buf.getvalue(), url="http://x.gov.cn/P0201.pdf")
    assert result["status"] == "image_only"
    assert result["table3"] is None and result["table4"] is None and result["checks"] == []


def test_image_bytes_are_image_only():
    result = parse_report(b"\x89PNG\r\n\x1a\n" + bytes(200), url="http://x.gov.cn/W0201.png")
    assert result["status"] == "image_only" and result["format"] == "image"


def test_html_page_of_images_is_image_only():
    page = ('<html><head><title>某某县人民政府2023年政府信息公开工作年度报告（图片版）</title></head><body>'
            '<div id="zoom"><p><img src="./W1.jpg"></p><p><img src="./W2.jpg"></p></div></body></html>')
    result = parse_report(page.encode())
    assert result["status"] == "image_only"
    assert result["agency"] == "某某县人民政府" and result["year"] == 2023
    assert result["table3"] is None


def test_page_that_is_not_a_report():
    page = "<html><head><title>首页_某某县人民政府</title></head><body><ul><li><a href='/a'>新闻</a></li></ul></body></html>"
    result = parse_report(page.encode(), url="http://x.gov.cn/")
    assert result["status"] == "not_a_report"
    assert result["table2"] is None and result["table3"] is None and result["table4"] is None


def test_truncated_docx_and_junk_zip_are_errors(yangquan):
    docx = F.render("docx", yangquan)
    assert parse_report(docx[: len(docx) // 3])["status"] == "error"
    assert parse_report(b"PK\x03\x04" + bytes(300))["status"] == "error"


def test_huge_table_gives_a_result_quickly():
    rows = "".join(f"<tr><td>行{i}</td><td>{i}</td><td>{i * 2}</td></tr>" for i in range(150_000))
    page = f"<html><body><table>{rows}</table></body></html>".encode()
    assert len(page) > 5_000_000
    result = parse_report(page)
    assert result["status"] == "not_a_report"
    assert any(w["code"] == "table_truncated" for w in result["warnings"])


def test_absurd_spans_and_deep_nesting():
    spans = b'<table><tr><td rowspan="99999999" colspan="99999">a</td></tr>' + b"<tr><td>1</td></tr>" * 500 + b"</table>"
    assert_result(parse_report(spans))
    deep = b"<div>" * 20000 + b"x" + b"</div>" * 20000
    assert_result(parse_report(deep))


def test_endless_row_of_numbers_is_not_read_as_a_row():
    text = "一、本年新收政府信息公开申请数量\t" + "\t".join(["1"] * 100_000)
    result = parse_report(text)
    assert_result(result)
    assert result["table3"]["1"] == {k: None for k in result["table3"]["1"]}
    assert any(w["code"] == "long" for w in result["warnings"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(data):
    assert_result(parse_report(data))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([b"%PDF-1.4\n", b"PK\x03\x04", b"<html><body><table>", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
                        b"\xef\xbb\xbf", b"\x89PNG\r\n\x1a\n"]), st.binary(max_size=3000))
def test_junk_behind_real_magic_never_raises(magic, tail):
    result = parse_report(magic + tail)
    assert_result(result)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["规章", "行政许可", "（七）总计", "3.其他", "总计", "其他", "行政复议", "0", "12", "-", "",
                                 "一、本年新收政府信息公开申请数量", "结果维持", "（六）其他处理", "\t", "|", "\n",
                                 "2023年政府信息公开工作年度报告", "123456789012345"]), max_size=200))
def test_shuffled_report_vocabulary_never_raises(tokens):
    for sep in ("\n", "\t", " | "):
        result = parse_report(sep.join(tokens))
        assert_result(result)
        for check in result["checks"]:
            assert check["ok"] == (check["left"] == check["right"])


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["html", "docx", "pdf", "xlsx"]), st.integers(min_value=0, max_value=10_000),
       st.integers(min_value=1, max_value=400))
def test_truncated_or_damaged_real_documents_never_raise(yangquan, fmt, offset, length):
    data = F.render(fmt, yangquan)
    assert_result(parse_report(data[: max(1, (offset * len(data)) // 10_000)]))
    assert_result(parse_report(data[:offset] + bytes(length) + data[offset + length :]))


def test_format_detection_order():
    assert detect_format(b"%PDF-1.7 ...", url="x.html", content_type="text/html") == "pdf"
    assert detect_format(b"<html><body>x</body></html>", url="x.pdf", content_type="application/pdf") == "html"
    assert detect_format(b"plain words", content_type="text/html") == "html"
    assert detect_format(b"plain words", url="http://x.gov.cn/a.txt") == "text"
