"""The browser path: Debian's Chromium under Playwright, used only where a page needs it.

- ``detect``: when a page needs a browser (seed hint, known JS challenge, client-side rendering);
- ``router``: downloader middleware handing challenged requests to the browser, sharing its cookies;
- ``spidermw``: spider middleware re-fetching client-rendered list pages with the browser;
- ``handler``: the http/https download handler (plain byte-keeping client, or the browser);
- ``service``: one crawl's browser path: archive what the browser received, build the response;
- ``recproxy``: the loopback recording proxy that sees the server's bytes;
- ``session``: Chromium's lifecycle (contexts, page caps, timeouts, restarts).
"""

# request.meta flag: fetch this request with the browser (read by the router, the handler and the
# incremental crawl, which answers an already-rendered page from the archive on resume)
BROWSER_META = "nb_browser"
# target URI prefixes of the `resource` records the browser path writes beside a page's response
# (read back by crawler.incremental when a resumed crawl replays a render)
DOM_PREFIX = "urn:nianbao:dom:"
SCREENSHOT_PREFIX = "urn:nianbao:screenshot:"
