import CRsvg
import Foundation

/// Why a figure could not be rendered to PNG.
public enum FigureError: Error, CustomStringConvertible {
    /// librsvg refused the SVG or cairo could not write the image.
    case rendering(path: String, detail: String)

    public var description: String {
        switch self {
        case let .rendering(path, detail): "could not render \(path) as PNG: \(detail)"
        }
    }
}

/// Renders SVG to PNG with librsvg and cairo (the library behind `rsvg-convert`), so every figure
/// has a bitmap beside it that any viewer shows the same way.
public enum PNGRenderer {
    /// Writes `svg` rasterised at `scale` device pixels per SVG pixel to `url`.
    public static func write(svg: String, to url: URL, scale: Double = 2) throws {
        let bytes = Array(svg.utf8)
        var error: UnsafeMutablePointer<GError>?
        func failure(_ what: String) -> FigureError {
            let detail = error.map { String(cString: $0.pointee.message) } ?? what
            if let e = error { g_error_free(e) }
            return .rendering(path: url.path, detail: detail)
        }
        guard let handle = bytes.withUnsafeBufferPointer({ rsvg_handle_new_from_data($0.baseAddress, gsize($0.count), &error) }) else {
            throw failure("librsvg could not parse the SVG")
        }
        defer { g_object_unref(UnsafeMutableRawPointer(handle)) }
        var width = 0.0, height = 0.0
        guard rsvg_handle_get_intrinsic_size_in_pixels(handle, &width, &height) != 0, width > 0, height > 0 else {
            throw failure("the SVG has no width and height in pixels")
        }
        let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32((width * scale).rounded()), Int32((height * scale).rounded()))
        defer { cairo_surface_destroy(surface) }
        let context = cairo_create(surface)
        defer { cairo_destroy(context) }
        var viewport = RsvgRectangle(x: 0, y: 0, width: width * scale, height: height * scale)
        guard rsvg_handle_render_document(handle, context, &viewport, &error) != 0 else { throw failure("librsvg could not draw the SVG") }
        cairo_surface_flush(surface)
        // Encoded in memory, then written whole (``ReportFile``): a full disk leaves no truncated PNG.
        final class Sink { var bytes = Data() }
        let sink = Sink()
        let status = cairo_surface_write_to_png_stream(surface, { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue().bytes.append(data, count: Int(length))
            return CAIRO_STATUS_SUCCESS
        }, Unmanaged.passUnretained(sink).toOpaque())
        guard status == CAIRO_STATUS_SUCCESS else {
            throw FigureError.rendering(path: url.path, detail: String(cString: cairo_status_to_string(status)))
        }
        try withExtendedLifetime(sink) { try ReportFile.write(sink.bytes, to: url) }
    }

    /// Writes `svg` to `url` and its PNG beside it (same name, `.png`).
    public static func writeFigure(svg: String, to url: URL) throws {
        try ReportFile.write(svg, to: url)
        try write(svg: svg, to: url.deletingPathExtension().appendingPathExtension("png"))
    }
}
