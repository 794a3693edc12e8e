"""A report's Markdown as one self-contained HTML page (styles inline, images linked relatively).

Converted with Python-Markdown and its ``tables`` and ``fenced_code`` extensions, so the page
shows the same tables, alignment, images and code blocks as the Markdown.
"""

from __future__ import annotations

from html import escape

__all__ = ["markdown_to_html"]

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5;
       max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; }
h1, h2, h3 { line-height: 1.25; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 1rem 0; display: block; overflow-x: auto; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; font-variant-numeric: tabular-nums; }
th { background: #f6f8fa; }
tr:nth-child(even) td { background: #fafbfc; }
img { max-width: 100%; height: auto; }
code { background: #f6f8fa; padding: .1rem .3rem; border-radius: 4px; }
pre { background: #f6f8fa; padding: 1rem; overflow-x: auto; border-radius: 6px; }
pre code { padding: 0; }
""".strip()


def markdown_to_html(title: str, markdown_text: str) -> str:
    """A complete HTML document of ``markdown_text`` titled ``title``.

    >>> page = markdown_to_html("Run", "# Run\\n\\n| a | b |\\n|---|---:|\\n| x | 1 |\\n")
    >>> "<title>Run</title>" in page and '<td style="text-align: right;">1</td>' in page
    True
    """
    import markdown

    body = markdown.markdown(
        markdown_text, extensions=["tables", "fenced_code"], output_format="html"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>\n{STYLE}\n</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
