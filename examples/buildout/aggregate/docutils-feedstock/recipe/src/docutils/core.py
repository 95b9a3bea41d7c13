"""publish_string: reStructuredText paragraphs and titles to HTML, the example's way."""
import html


def publish_string(source, writer_name="html"):
    out, lines = [], source.strip("\n").split("\n")
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and lines[i + 1] and set(lines[i + 1]) <= set("=-~") and len(lines[i + 1]) >= len(lines[i]):
            out.append(f"<h1>{html.escape(lines[i])}</h1>")
            i += 2
            continue
        if lines[i].strip():
            out.append(f"<p>{html.escape(lines[i])}</p>")
        i += 1
    return "\n".join(out).encode()
