/// What may be sent as media, checked before anything is stored or uploaded: Meta's MIME types
/// and per-type size limits (reference §5), under the workspace's own cap (16 MB by default, seed).
public enum MediaPolicy {
    public enum Kind: String, Sendable {
        case image, video, audio, document, sticker
    }

    static let kinds: [String: (Kind, Int)] = [
        "image/jpeg": (.image, 5 << 20), "image/png": (.image, 5 << 20),
        "video/mp4": (.video, 16 << 20), "video/3gpp": (.video, 16 << 20),
        "audio/aac": (.audio, 16 << 20), "audio/amr": (.audio, 16 << 20), "audio/mpeg": (.audio, 16 << 20),
        "audio/mp4": (.audio, 16 << 20), "audio/ogg": (.audio, 16 << 20),
        "image/webp": (.sticker, 500 << 10),
        "text/plain": (.document, 100 << 20), "application/pdf": (.document, 100 << 20),
        "application/vnd.ms-excel": (.document, 100 << 20), "application/msword": (.document, 100 << 20),
        "application/vnd.ms-powerpoint": (.document, 100 << 20),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (.document, 100 << 20),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (.document, 100 << 20),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation": (.document, 100 << 20),
    ]

    public static let defaultWorkspaceCap = 16 << 20

    /// The message kind for this file, or the error to show the member.
    public static func check(mimeType: String, size: Int, workspaceCap: Int = defaultWorkspaceCap) throws(ChorusError) -> Kind {
        let mime = mimeType.split(separator: ";").first.map { $0.filter { !$0.isWhitespace }.lowercased() } ?? ""
        guard let (kind, metaLimit) = kinds[mime] else {
            throw ChorusError.invalid("unsupported_media_type",
                                      "WhatsApp cannot send files of type \(mime.isEmpty ? "unknown" : mime). Send JPEG/PNG images, MP4 videos, audio, PDF or Office documents.")
        }
        guard size > 0 else { throw ChorusError.invalid("empty_file", "The file is empty.") }
        let limit = min(metaLimit, workspaceCap)
        guard size <= limit else {
            throw ChorusError(status: 413, code: "media_too_large",
                              message: "This \(kind.rawValue) is \(megabytes(size)); the limit is \(megabytes(limit)).")
        }
        return kind
    }

    static func megabytes(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\((Double(bytes) / Double(1 << 20) * 10).rounded() / 10) MB" : "\(bytes / 1024) KB"
    }
}
