/// Lowercase hexadecimal, two digits a byte: digests and MACs as text (signatures, token and
/// audit hashes, media file names) and JSON's `\u00XX` escapes. Written from a table rather than
/// `String(format: "%02x")`, which goes through Foundation's formatter for every byte.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Appends `byte`'s two digits to `out`.
    public static func append(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }

    /// `bytes` as text, two digits a byte.
    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes { append(byte, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }
}
