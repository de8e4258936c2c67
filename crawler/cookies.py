"""Scrapy's CookiesMiddleware with an offline public-suffix list.

Scrapy builds a module-level ``TLDExtract()`` that downloads the suffix list on first use; this
crawler must never reach the internet for that, so the bundled snapshot is swapped in.
"""

from __future__ import annotations

import tldextract
from scrapy.downloadermiddlewares import cookies as scrapy_cookies

scrapy_cookies._split_domain = tldextract.TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)


class OfflineCookiesMiddleware(scrapy_cookies.CookiesMiddleware):
    pass
