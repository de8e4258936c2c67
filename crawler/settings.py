"""Every crawl setting in one place: Scrapy's and ours (NIANBAO_*), each with why it is so.

`scrapy.cfg` points here, `nianbao crawl` loads it, components read their values once in
``from_crawler``. Override per run with ``-s NAME=VALUE`` (scrapy) or environment-free CLI flags.
"""

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- identity and etiquette ------------------------------------------------------------------
# Where portal operators can read who we are and how to reach us (shown in the User-Agent).
NIANBAO_CONTACT_URL = "https://github.com/nianbao/nianbao#contact"
# An honest User-Agent: our name, version and contact URL ({contact} ← NIANBAO_CONTACT_URL,
# filled in by crawler.useragent); no browser impersonation.
USER_AGENT = "nianbao/0.1 (+{contact}; annual-report archive crawler)"
# robots.txt is obeyed unless a seed carries a recorded reason to override it (seeds `robots` column).
ROBOTSTXT_OBEY = True
# The product token robots.txt groups are matched against ("User-agent: nianbao").
ROBOTSTXT_USER_AGENT = "nianbao"
# Chinese first, as a visitor of these portals would ask.
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
}
# Cookies on: some portals set a session cookie before serving lists (soft "非法请求" otherwise).
COOKIES_ENABLED = True

# --- politeness --------------------------------------------------------------------------------
# Total parallel requests across all portals (many hosts crawl side by side).
CONCURRENT_REQUESTS = 32
# Per host: county portals are small servers; two at a time is what a careful visitor does.
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Base delay between requests to one host (seconds); AutoThrottle adapts around it.
DOWNLOAD_DELAY = 0.5
# ±50% jitter on the delay, as a person's clicks would have.
DOWNLOAD_DELAY_JITTER = 0.5
# AutoThrottle: slow down for slow hosts, never below DOWNLOAD_DELAY.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.5
# Retries for transient failures; 429/503 honour Retry-After (crawler.backoff).
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Longest Retry-After we wait (seconds); longer asks are recorded as errors, not waited for.
NIANBAO_RETRY_AFTER_MAX = 60.0
# Back-off of a retried 429/503 that gives no Retry-After (seconds; that request only).
NIANBAO_RETRY_AFTER_DEFAULT = 1.0

# --- limits ----------------------------------------------------------------------------------
# Whole-request time limit (seconds) and connect limit.
DOWNLOAD_TIMEOUT = 60
NIANBAO_CONNECT_TIMEOUT = 15.0
# Largest response we keep (bytes): reports with scans reach tens of MB; beyond this the
# record is kept truncated (WARC-Truncated: length) and logged as an error.
DOWNLOAD_MAXSIZE = 50 * 1024 * 1024
DOWNLOAD_WARNSIZE = 32 * 1024 * 1024
# Largest file kept when it hangs off a page that is not a report (data downloads, yearbooks).
NIANBAO_ASSET_MAXSIZE = 20 * 1024 * 1024
# Idle keep-alive connections kept per host (or per proxy).
NIANBAO_POOL_IDLE_PER_HOST = 8
# Link depth from a seed: reports sit 2-5 clicks down, but "next page" chains add one per page;
# traps are ended by the budgets below, this is the last resort.
DEPTH_LIMIT = 30
DEPTH_PRIORITY = 0
# Pages fetched per host before the host is considered a trap (attachments included).
NIANBAO_HOST_PAGE_BUDGET = 3000
# Fetches per URL pattern (digits and ids folded) per host: ends calendar/search/pagination traps.
NIANBAO_PATTERN_BUDGET = 200
# Pages walked per list (pagination) before we stop.
NIANBAO_MAX_LIST_PAGES = 60
# Refuse destinations on private, loopback or link-local addresses (unless --allow-private).
NIANBAO_ALLOW_PRIVATE = False
# Government seeds must be on a government domain (gov.cn): other hosts are mirrors or hijacked
# copies and are not crawled (a seed note containing "official" overrides, for odd real portals).
NIANBAO_OFFICIAL_DOMAINS_ONLY = True
# Years of reports wanted (inclusive); reports of other years are still logged as reports.
NIANBAO_YEARS = "2008-2100"

# --- output ----------------------------------------------------------------------------------
# Crawl output directory (set by `nianbao crawl --out` or `-a out=`).
NIANBAO_OUT_DIR = ""
# Crawl id (defaults to the start time, e.g. 20260322T010203Z).
NIANBAO_CRAWL_ID = ""
# Write WARC records (off only for benchmarks measuring what capture costs: nothing is archived).
NIANBAO_WARC_CAPTURE = True
# Rotate WARC files at this size (bytes).
NIANBAO_WARC_MAX_SIZE = 1_000_000_000
# Who runs the crawl (warcinfo `operator`).
NIANBAO_OPERATOR = "nianbao maintainers"
# Build a CDXJ index and a WACZ package at the end of the crawl.
NIANBAO_CDXJ = True
NIANBAO_WACZ = True
# Incremental re-crawl into an existing DIR (crawler.incremental): conditional requests, revisit
# records for unchanged payloads, `gone` lines for vanished reports, and resuming a killed crawl.
NIANBAO_INCREMENTAL = True
# The seed list of this crawl (set by `nianbao crawl`/the spider; kept in DIR/state/current.json).
NIANBAO_SEEDS = ""
# Tests only: ``kind:N`` makes the crawl SIGKILL itself at the Nth capture or log line
# (kinds: capture, mid-record, between-records, log; see crawler.incremental). Never set in production.
NIANBAO_CRASH_AT = ""
# Seconds between progress lines.
NIANBAO_PROGRESS_INTERVAL = 30.0

# --- browser (crawler/browser/: Chromium via Playwright, only where a page needs it) ----------
# On by default; `-s NIANBAO_BROWSER=0` turns it off (then pages that need it stay `blocked`).
# Without Debian's chromium it turns itself off and says why. Used only for: seeds whose notes ask for a browser,
# known JS challenges (412 $_ts, 521 __jsl_clearance; logged `blocked`, then handed over), and list
# pages built client-side. Cookies the browser earns go with later plain requests to that site.
NIANBAO_BROWSER = True
# Debian's chromium ("" = shutil.which("chromium")); never a Playwright-downloaded build.
NIANBAO_BROWSER_EXECUTABLE = ""
NIANBAO_BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--no-first-run", "--disable-sync"]
# Pages rendered at once (over all sites); per-host politeness is Scrapy's download slots as usual.
NIANBAO_BROWSER_MAX_PAGES = 4
# A context (cookie jar) serves this many pages, then is replaced by a fresh one with its cookies.
NIANBAO_BROWSER_PAGES_PER_CONTEXT = 50
# Open contexts kept (one per site, least recently used closed first).
NIANBAO_BROWSER_MAX_CONTEXTS = 4
# Navigation time limit (seconds); a render past limit + settle + 15 s restarts the browser.
NIANBAO_BROWSER_PAGE_TIMEOUT = 30.0
# After `load`, wait up to this long for the network to go idle (challenge reloads, XHR lists).
NIANBAO_BROWSER_SETTLE = 2.0
# Resource types the browser does not fetch (documents and images are fetched by the plain path).
NIANBAO_BROWSER_BLOCK_TYPES = ["image", "media", "font", "stylesheet"]
# A PNG screenshot as a `resource` record next to the rendered DOM: "client-rendered" (pages whose
# list only the browser could build: what a visitor saw), "always" or "never".
NIANBAO_BROWSER_SCREENSHOTS = "client-rendered"
# Most pages re-fetched with the browser because they looked client-rendered (a runaway guard).
NIANBAO_BROWSER_DETECT_MAX = 200

# --- components ------------------------------------------------------------------------------
# Our HTTP client keeps the bytes exactly as received (Scrapy's would normalise them); requests
# flagged for the browser go to Chromium behind a recording proxy (crawler.browser.handler).
DOWNLOAD_HANDLERS = {
    "http": "crawler.browser.handler.BrowserAwareDownloadHandler",
    "https": "crawler.browser.handler.BrowserAwareDownloadHandler",
}
DOWNLOADER_MIDDLEWARES = {
    # refuse private destinations before anything is sent; after HttpProxyMiddleware (750) has
    # set meta["proxy"], so names are never looked up when a proxy is configured
    "crawler.guard.PrivateAddressGuard": 760,
    # the User-Agent with the contact URL filled in
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
    "crawler.useragent.HonestUserAgentMiddleware": 500,
    # Scrapy's cookie middleware would download the public-suffix list: ours uses the bundled one
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "crawler.cookies.OfflineCookiesMiddleware": 700,
    # Retry-After aware retries replace Scrapy's RetryMiddleware
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.backoff.RetryAfterMiddleware": 550,
    # challenge and block pages are recorded as blocked, never retried, never parsed as pages
    "crawler.blocking.BlockPageMiddleware": 585,
    # JS challenges logged `blocked` and handed to the browser; browser cookies join plain requests
    "crawler.browser.router.BrowserRouter": 590,
    # conditional requests; 304s and a resumed crawl's own exchanges answered from the archive
    "crawler.incremental.IncrementalMiddleware": 980,
    # nearest the downloader: archive the raw exchange before decompression or redirects
    "crawler.capture.CaptureMiddleware": 990,
}
SPIDER_MIDDLEWARES = {
    # list pages built by their scripts are fetched again with the browser
    "crawler.browser.spidermw.ClientRenderDetector": 950,
}
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.logstats.LogStats": None,
    "crawler.progress.CrawlProgress": 500,
    "crawler.gcfreeze.FreezeStartupObjects": 0,
}
# Objects alive when the engine starts (imports, settings) are kept out of garbage collections
# (crawler/gcfreeze.py): less CPU per page, nothing else changes.
NIANBAO_GC_FREEZE = True
TELNETCONSOLE_ENABLED = False
# Sitemaps, cookies, redirects as Scrapy does them; 3xx chains up to 5.
REDIRECT_MAX_TIMES = 5
# Non-2xx answers reach the spider's errback, which records them.
HTTPERROR_ALLOW_ALL = False

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
# No HTTP cache: the archive must hold what the portal served on this run.
HTTPCACHE_ENABLED = False
# Scheduling: breadth-first across hosts, memory queues (the crawl log is our record).
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
