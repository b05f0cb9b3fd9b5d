"""Screenshots of one chapter in each language, for README.md:

    python doc/build.py && python doc/_ext/dlt_screenshots.py

serves doc/_build/html on a local port, opens the chapter in headless
Chromium (Debian's chromium and chromium-driver), waits for MathJax, scrolls
to the chapter's equations and writes doc/screenshots/<lang>_<chapter>.png.
"""

import functools
import http.server
import shutil
import sys
import threading
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent
CHAPTER = "logistic_sgd"
# the heading each screenshot starts at
SECTIONS = {"en": ("", "the-equations-and-the-code"), "zh": ("zh/", "模型")}


def main(site=DOC / "_build" / "html", out=DOC / "screenshots"):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"):
        options.add_argument(arg)
    options.add_argument("--window-size=1100,1300")
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    driver.set_script_timeout(60)
    out.mkdir(exist_ok=True)
    try:
        for lang, (prefix, anchor) in SECTIONS.items():
            driver.get(f"http://127.0.0.1:{httpd.server_address[1]}/{prefix}{CHAPTER}.html")
            driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "MathJax.startup.promise.then(() => document.fonts.ready).then(() => done());"
            )
            driver.execute_script(
                "const h = document.getElementById(arguments[0]);"
                "window.scrollTo(0, h ? h.getBoundingClientRect().top + window.scrollY - 60 : 0);",
                anchor,
            )
            path = out / f"{lang}_{CHAPTER}.png"
            driver.save_screenshot(str(path))
            print(path.relative_to(DOC.parent))
    finally:
        driver.quit()
        httpd.shutdown()


if __name__ == "__main__":
    sys.exit(main())
