import Foundation

/// The frame every Takeoff figure is drawn in: the `<svg>` element with its size and font, a white ground,
/// the title centred on top (and a grey subtitle under it), and the one way coordinates are written.
/// A title wider than the figure widens the document, so it is never cut at the edges.
public struct SVGDocument {
    public var width: Double
    public var height: Double
    public var title: String
    public var subtitle: String?

    /// The font size of body text; titles are drawn at 16 and subtitles at this size.
    public static let fontSize = 12.0

    public init(width: Double, height: Double, title: String, subtitle: String? = nil) {
        (self.width, self.height, self.title, self.subtitle) = (width, height, title, subtitle)
    }

    /// The document's width: as asked, or wider where the title or subtitle needs it.
    public var fittedWidth: Double {
        let title = Self.textWidth(self.title, fontSize: 16, bold: true)
        let subtitle = self.subtitle.map { Self.textWidth($0, fontSize: Self.fontSize) } ?? 0
        return max(width, (max(title, subtitle) + 40).rounded(.up))
    }

    /// The opening of the document, up to and including the title and subtitle.
    public var header: String {
        let w = fittedWidth
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w))" height="\(Int(height))" viewBox="0 0 \(Int(w)) \(Int(height))" \
        font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="\(Int(Self.fontSize))">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(w / 2))" y="24" text-anchor="middle" font-size="16" font-weight="bold">\(Plot.escape(title))</text>

        """
        if let subtitle { s += "<text x=\"\(f(w / 2))\" y=\"44\" text-anchor=\"middle\" fill=\"#555\">\(Plot.escape(subtitle))</text>\n" }
        return s
    }

    /// The whole document around `body`.
    public func wrapping(_ body: String) -> String { header + body + "</svg>\n" }

    /// About how wide `text` (unescaped) is drawn at `fontSize`: 0.6 em a character, 0.66 in bold (DejaVu Sans,
    /// the widest of the fonts asked for, averages a little under that over lower-case names and digits; the
    /// layouts leave a few pixels to spare).
    public static func textWidth(_ text: String, fontSize: Double = fontSize, bold: Bool = false) -> Double {
        Double(text.count) * fontSize * (bold ? 0.66 : 0.6)
    }

    /// A coordinate or length as the figures write it: one decimal, enough for a pixel.
    public static func number(_ v: Double) -> String { String(format: "%.1f", v) }
}

/// ``SVGDocument/number(_:)``, short, for the many coordinates the charts write.
func f(_ v: Double) -> String { SVGDocument.number(v) }
