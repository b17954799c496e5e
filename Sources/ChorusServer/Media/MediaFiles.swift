import ChorusCore
import Crypto
import Foundation

/// Media files in the data directory, addressed by their SHA-256: `media/ab/abcdef…`.
/// The same photo sent twice is stored once; a file is written to a temporary name first and
/// renamed, so a crash never leaves half a file under its final name.
public struct MediaFiles: Sendable {
    let root: String

    public init(dataDirectory: String) {
        self.root = (dataDirectory as NSString).appendingPathComponent("media")
    }

    public func path(for sha256: String) -> String {
        "\(root)/\(sha256.prefix(2))/\(sha256)"
    }

    /// Stores the bytes; returns their hex SHA-256.
    public func store(_ bytes: [UInt8]) throws -> String {
        let sha = Hex.string(SHA256.hash(data: bytes))
        let final = path(for: sha)
        if FileManager.default.fileExists(atPath: final) { return sha }
        try FileManager.default.createDirectory(atPath: (final as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let temporary = final + ".tmp-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: temporary), options: .atomic)
        try FileManager.default.moveItem(atPath: temporary, toPath: final)
        return sha
    }

    public func read(_ sha256: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path(for: sha256)))
    }
}
