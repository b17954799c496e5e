import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// QR codes drawn as SVG. The encoding is done by libqrencode, a maintained C library from
/// Debian (`libqrencode4`), loaded at run time so Chorus builds without its headers; where it
/// is missing, `svg` answers nil and the link page shows the short code alone.
enum QRCodeImage {
    private typealias Encode = @convention(c) (UnsafePointer<CChar>, Int32, Int32, Int32, Int32) -> UnsafeMutableRawPointer?
    private typealias Free = @convention(c) (UnsafeMutableRawPointer?) -> Void

    private struct Library: @unchecked Sendable {
        let encode: Encode
        let free: Free
    }

    private static let library: Library? = {
        for name in ["libqrencode.so.4", "libqrencode.so"] {
            guard let handle = dlopen(name, RTLD_NOW) else { continue }
            guard let encode = dlsym(handle, "QRcode_encodeString"), let free = dlsym(handle, "QRcode_free") else { continue }
            return Library(encode: unsafeBitCast(encode, to: Encode.self), free: unsafeBitCast(free, to: Free.self))
        }
        return nil
    }()

    /// The modules of the symbol for `text` (error correction level M), row by row.
    static func modules(for text: String) -> [[Bool]]? {
        guard let library else { return nil }
        // QR_ECLEVEL_M = 1, QR_MODE_8 = 2, case-sensitive.
        guard let code = text.withCString({ library.encode($0, 0, 1, 2, 1) }) else { return nil }
        defer { library.free(code) }
        // typedef struct { int version; int width; unsigned char *data; } QRcode;
        let width = Int(code.load(fromByteOffset: 4, as: Int32.self))
        guard let data = code.load(fromByteOffset: 8, as: UnsafePointer<UInt8>?.self) else { return nil }
        return (0..<width).map { y in (0..<width).map { x in data[y * width + x] & 1 == 1 } }
    }

    static func svg(for text: String, moduleSize: Int = 6) -> String? {
        guard let modules = modules(for: text) else { return nil }
        let quiet = 4
        let size = (modules.count + 2 * quiet) * moduleSize
        var path = ""
        for (y, row) in modules.enumerated() {
            for (x, dark) in row.enumerated() where dark {
                path += "M\((x + quiet) * moduleSize) \((y + quiet) * moduleSize)h\(moduleSize)v\(moduleSize)h-\(moduleSize)z"
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(size)" height="\(size)" viewBox="0 0 \(size) \(size)" role="img" aria-label="QR code">\
            <rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
            """
    }
}
