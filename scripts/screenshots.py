"""Full-page screenshots of pages as a person sees them: each role, French and English, 1280 and 390 px.

Look at what you build before calling it done. Against a running development server with the demo
accounts (`make run`, or `DEBUG=1 manage.py runserver` after `seed_network --demo-users`):

    .venv/bin/python scripts/screenshots.py --base http://127.0.0.1:8000 --as employer \\
        /rendez-vous/ /demandes/nouvelle/ --out var/screenshots

Writes `<out>/<role>-<lang>-<width>-<path>.png`; open them in an image viewer. English pages are
reached through the language switcher (URLs are translated). Roles are the README's demo
accounts; `visitor` signs in as nobody.
"""

import argparse
import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

PASSWORD = "demo-midi-2026"
ACCOUNTS = {
    "visitor": None,
    "employer": "employeur@entreprise.example",
    "adviser": "julie.lampron@midi.example",
    "manager": "isabelle.trottier@midi.example",
    "admin": "admin@midi.example",
    "partner": "marc.bergeron@servicesquebec.example",
}


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/compte/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    if "/compte/login/" in page.url:
        sys.exit(f"could not sign in as {email}: still on {page.url}")


def file_name(role: str, language: str, width: int, path: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "home"
    return f"{role}-{language}-{width}-{slug}.png"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="paths as in French, e.g. /rendez-vous/")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--as", dest="role", choices=ACCOUNTS, default="visitor")
    parser.add_argument("--languages", default="fr,en")
    parser.add_argument("--widths", default="1280,390")
    parser.add_argument("--out", default="var/screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium)
        for width in (int(w) for w in args.widths.split(",")):
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            if ACCOUNTS[args.role]:
                sign_in(page, args.base, ACCOUNTS[args.role])
            for language in args.languages.split(","):
                for path in args.paths:
                    page.goto(f"{args.base}{path}")
                    page.wait_for_load_state("networkidle")
                    # The switcher translates the URL (/rendez-vous/ → /en/appointments/).
                    if language == "en":
                        page.locator("form.language-switcher button[value=en]").click()
                        page.wait_for_load_state("networkidle")
                    target = out / file_name(args.role, language, width, path)
                    page.screenshot(path=str(target), full_page=True)
                    print(target)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
