/// The opening of every report page (curve, scale): the document head with the shared style, and the title.
enum ReportPage {
    /// `<!DOCTYPE html>` through `<h1>`, with `title` (escaped) in both; `extraStyle` adds rules of the page's own.
    static func head(title: String, heading: String, maxWidth: Int, extraStyle: String = "") -> String {
        let e = Plot.escape
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(e(title))</title>
        <style>
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: \(maxWidth)px; color: #222; }
        table { border-collapse: collapse; margin: 8px 0 20px; font-size: 13px; }
        th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
        th:first-child, td:first-child { text-align: left; }
        th { background: #f4f4f4; }
        .note { color: #666; font-size: 13px; }
        code { overflow-wrap: anywhere; }
        \(extraStyle)svg { max-width: 100%; height: auto; }
        </style></head><body>
        <h1>\(e(heading))</h1>

        """
    }
}
