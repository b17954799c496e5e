import Crypto
import Foundation

/// `X-Hub-Signature-256: sha256=<hex>`: HMAC-SHA256 of the raw body with the app secret.
public enum WebhookSignature {
    public static func header(for body: some DataProtocol, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Checks in constant time (HMAC's own comparison) whether `header` signs `body` with `secret`.
    public static func isValid(_ header: String?, body: some DataProtocol, secret: String) -> Bool {
        guard let header, header.hasPrefix("sha256="),
              let expected = Self.bytes(fromHex: header.dropFirst("sha256=".count)) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(expected, authenticating: body,
                                                      using: SymmetricKey(data: Data(secret.utf8)))
    }

    /// 64 hex digits → 32 bytes, byte by byte over UTF-8 (every webhook passes here).
    static func bytes(fromHex hex: Substring) -> Data? {
        var hex = hex
        return hex.withUTF8 { digits -> Data? in
            guard digits.count == 64 else { return nil }
            var data = Data(count: 32)
            for offset in 0..<32 {
                guard let high = nibble(digits[2 * offset]), let low = nibble(digits[2 * offset + 1]) else { return nil }
                data[offset] = high << 4 | low
            }
            return data
        }
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
