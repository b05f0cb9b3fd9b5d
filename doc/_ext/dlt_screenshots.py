"""Screenshots of chapters of the site in each language, for README.md:

    python doc/build.py && python doc/_ext/dlt_screenshots.py
    python doc/_ext/dlt_screenshots.py --site /tmp/build/html   # a site built elsewhere

serves the built site (doc/_build/html, or --site) on a local port, opens each
chapter of ``SHOTS`` in headless Chromium (Debian's chromium and
chromium-driver), waits for MathJax and the images, scrolls to the chosen
heading and writes doc/screenshots/<lang>_<chapter>.png (or --out); a shot
marked "phone" is taken at a phone's 390-pixel width and written as
<lang>_<chapter>_phone.png.
"""

import argparse
import functools
import http.server
import shutil
import sys
import threading
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent
LANGUAGES = {"en": "", "zh": "zh/"}
# per language, the (chapter, id of the heading the screenshot starts at,
# device) to shoot; an id the page lacks gives the top of the page
SHOTS = {
    "en": [
        ("logistic_sgd", "the-model", "desktop"),
        ("convolutional_mlp", "sparse-connectivity", "desktop"),
        ("convolutional_mlp", "sparse-connectivity", "phone"),
    ],
    "zh": [
        ("logistic_sgd", "模型", "desktop"),
        ("convolutional_mlp", "稀疏连接", "desktop"),
        ("convolutional_mlp", "稀疏连接", "phone"),
    ],
}
# the phone: 390 CSS pixels wide, as the site's test of sideways scrolling
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}

# resolves when MathJax has typeset the page, its fonts are loaded and every
# image has arrived (figures below the fold load lazily otherwise)
WAIT_FOR_PAGE = """
const done = arguments[arguments.length - 1];
const images = Array.from(document.images).map(img =>
    img.complete ? Promise.resolve() : new Promise(r => { img.onload = img.onerror = r; }));
const math = window.MathJax && MathJax.startup ? MathJax.startup.promise : Promise.resolve();
math.then(() => document.fonts.ready).then(() => Promise.all(images)).then(() => done());
"""

SCROLL_TO = """
const h = document.getElementById(arguments[0]);
window.scrollTo(0, h ? h.getBoundingClientRect().top + window.scrollY - 60 : 0);
"""


def serve(site):
    """An HTTP server of ``site`` on a free local port, in a thread."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def chromium():
    """Headless Chromium through Debian's chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"):
        options.add_argument(arg)
    options.add_argument("--window-size=1100,1300")
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    driver.set_script_timeout(60)
    return driver


def shoot(driver, url, anchor, path, device="desktop"):
    """Open ``url`` on ``device``, wait for it, scroll to ``anchor`` and save
    ``path``."""
    if device == "phone":
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    try:
        driver.get(url)
        driver.execute_async_script(WAIT_FOR_PAGE)
        driver.execute_script(SCROLL_TO, anchor)
        driver.save_screenshot(str(path))
    finally:
        if device == "phone":
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def main(site=DOC / "_build" / "html", out=DOC / "screenshots", shots=SHOTS):
    """Shoot every (chapter, anchor) of ``shots`` from the built ``site``
    into ``out``; returns the paths written."""
    site, out = Path(site), Path(out)
    if not (site / "index.html").is_file():
        raise SystemExit(f"dlt_screenshots: no built site in {site} (run python doc/build.py first)")
    httpd = serve(site)
    driver = chromium()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}/"
        for lang, pairs in shots.items():
            for chapter, anchor, device in pairs:
                suffix = "_phone" if device == "phone" else ""
                path = out / f"{lang}_{chapter}{suffix}.png"
                shoot(driver, f"{base}{LANGUAGES[lang]}{chapter}.html", anchor, path, device)
                written.append(path)
                print(path)
    finally:
        driver.quit()
        httpd.shutdown()
    return written


def parse(argv):
    parser = argparse.ArgumentParser(description="Screenshots of the built site's chapters.")
    parser.add_argument(
        "--site", type=Path, default=DOC / "_build" / "html", help="the built site (default: %(default)s)"
    )
    parser.add_argument(
        "--out", type=Path, default=DOC / "screenshots", help="where the PNGs go (default: %(default)s)"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse(sys.argv[1:])
    main(args.site, args.out)
